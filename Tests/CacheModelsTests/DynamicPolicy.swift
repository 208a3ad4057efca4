import CacheModels

/// For tests only: the cache's hooks with the policy taken from `replacement` at run time
/// (the simulator picks a specialisation once instead; see ReplacementPolicies).
extension CacheArray {
    private struct Hook: ReplacementPolicyVisitor {
        enum Action { case touch(Int), victim(Int), fill(Int, UInt64, UInt8, UInt32) }
        let cache: UnsafeMutablePointer<CacheArray>
        let action: Action
        var result = -1
        mutating func visit<P: ReplacementPolicy>(_: P.Type) {
            guard P.name == cache.pointee.replacement.rawValue else { return }
            switch action {
            case let .touch(slot): cache.pointee.touch(slot: slot, P.self)
            case let .victim(set): result = cache.pointee.victim(set: set, P.self)
            case let .fill(slot, line, state, payload): cache.pointee.fill(slot: slot, line: line, state: state, payload: payload, P.self)
            }
        }
    }

    private mutating func hook(_ action: Hook.Action) -> Int {
        withUnsafeMutablePointer(to: &self) { cache in
            var hook = Hook(cache: cache, action: action)
            ReplacementPolicies.visitAll(&hook)
            return hook.result
        }
    }

    mutating func touch(slot: Int) { _ = hook(.touch(slot)) }
    mutating func victim(set: Int) -> Int { hook(.victim(set)) }
    mutating func fill(slot: Int, line: UInt64, state: UInt8, payload: UInt32) { _ = hook(.fill(slot, line, state, payload)) }
}
