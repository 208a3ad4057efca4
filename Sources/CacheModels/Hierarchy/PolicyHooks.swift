/// A cache's replacement hooks with the policy chosen at run time, for the hierarchy's
/// levels, which may each have their own policy: one indirect call per hook, picked once
/// per level (the single-level engine specialises its whole loop instead).
package struct PolicyHooks {
    package let touch: (inout CacheArray, Int) -> Void
    package let victim: (inout CacheArray, Int) -> Int
    package let fill: (inout CacheArray, Int, UInt64, UInt8, UInt32) -> Void

    package init(_ kind: ReplacementKind) {
        struct Pick: ReplacementPolicyVisitor {
            let name: String
            var hooks: PolicyHooks?
            mutating func visit<P: ReplacementPolicy>(_: P.Type) {
                guard P.name == name else { return }
                hooks = PolicyHooks(touch: { $0.touch(slot: $1, P.self) },
                                    victim: { $0.victim(set: $1, P.self) },
                                    fill: { $0.fill(slot: $1, line: $2, state: $3, payload: $4, P.self) })
            }
        }
        var pick = Pick(name: kind.rawValue)
        ReplacementPolicies.visitAll(&pick)
        guard let hooks = pick.hooks else { preconditionFailure("\(kind) is not a registered policy") }
        self = hooks
    }

    private init(touch: @escaping (inout CacheArray, Int) -> Void, victim: @escaping (inout CacheArray, Int) -> Int,
                 fill: @escaping (inout CacheArray, Int, UInt64, UInt8, UInt32) -> Void) {
        self.touch = touch
        self.victim = victim
        self.fill = fill
    }
}

extension CacheArray {
    /// The valid slots holding lines of `range` (every valid slot when nil), found by
    /// looking each line up or by walking the slots, whichever is shorter.
    package func slotsHolding(_ range: ClosedRange<UInt64>?) -> [Int] {
        if let range, range.upperBound - range.lowerBound < UInt64(slotCount) {
            return range.compactMap { line in
                let slot = lookup(line: line, set: geometry.setIndex(ofLine: line))
                return slot >= 0 ? slot : nil
            }
        }
        return (0..<slotCount).filter { states[$0] != 0 && (range?.contains(tags[$0]) ?? true) }
    }

    /// The slots among `range` (all when nil) that `isDirty`, in the order Dinero IV writes
    /// a copy-back: sets from the last, each set's lines from the oldest stamp (the order its
    /// pending stack processes them in).
    package func dirtySlotsInCopyBackOrder(_ range: ClosedRange<UInt64>?, isDirty: (Int) -> Bool) -> [Int] {
        slotsHolding(range).filter(isDirty).sorted { a, b in
            let (setA, setB) = (a / ways, b / ways)
            return setA != setB ? setA > setB : policyState.wayWords[a] < policyState.wayWords[b]
        }
    }
}
