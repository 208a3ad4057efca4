/// A cache's replacement hooks with the policy chosen at run time, for the hierarchy's
/// levels, which may each have their own policy: one indirect call per hook, picked once
/// per level (the single-level engine specialises its whole loop instead).
struct PolicyHooks {
    let touch: (inout CacheArray, Int) -> Void
    let victim: (inout CacheArray, Int) -> Int
    let fill: (inout CacheArray, Int, UInt64, UInt8) -> Void

    init(_ kind: ReplacementKind) {
        struct Pick: ReplacementPolicyVisitor {
            let name: String
            var hooks: PolicyHooks?
            mutating func visit<P: ReplacementPolicy>(_: P.Type) {
                guard P.name == name else { return }
                hooks = PolicyHooks(touch: { $0.touch(slot: $1, P.self) },
                                    victim: { $0.victim(set: $1, P.self) },
                                    fill: { $0.fill(slot: $1, line: $2, state: $3, payload: 0, P.self) })
            }
        }
        var pick = Pick(name: kind.rawValue)
        ReplacementPolicies.visitAll(&pick)
        guard let hooks = pick.hooks else { preconditionFailure("\(kind) is not a registered policy") }
        self = hooks
    }

    private init(touch: @escaping (inout CacheArray, Int) -> Void, victim: @escaping (inout CacheArray, Int) -> Int,
                 fill: @escaping (inout CacheArray, Int, UInt64, UInt8) -> Void) {
        self.touch = touch
        self.victim = victim
        self.fill = fill
    }
}
