/// `mru`: evicts the most recently used way. A hit or a fill stamps the way with the
/// cache's next tick, as for `lru`; the victim is the way with the newest stamp.
/// Copy-back, invalidate and snoop invalidations leave the stamps alone.
public enum MRUReplacement: ReplacementPolicy {
    public static let name = "mru"
    public static let summary = "the most recently used way"

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) { state.stamp(slot) }

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) { state.stamp(slot) }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        state.slotOfLargestWord(base: base)
    }
}

extension ReplacementKind {
    public static let mru = ReplacementKind(MRUReplacement.self)
}
