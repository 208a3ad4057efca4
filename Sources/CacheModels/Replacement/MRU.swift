/// `mru`: evicts the most recently used way. A hit or a fill stamps the way with the
/// cache's next tick, as for `lru`; the victim is the way with the newest stamp.
/// Copy-back, invalidate and snoop invalidations leave the stamps alone.
public enum MRUReplacement: ReplacementPolicy {
    public static let name = "mru"
    public static let summary = "the most recently used way"

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) { state.wayWords[slot] = state.nextTick() }

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) { state.wayWords[slot] = state.nextTick() }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        let words = state.wayWords
        var best = base
        var newest = words[base]
        var slot = base &+ 1
        while slot < base &+ state.ways {
            if words[slot] > newest {
                newest = words[slot]
                best = slot
            }
            slot &+= 1
        }
        return best
    }
}

extension ReplacementKind {
    public static let mru = ReplacementKind(MRUReplacement.self)
}
