/// `lru`: evicts the least recently used way. A hit or a fill stamps the way with the
/// cache's next tick; the victim is the way with the oldest stamp. Copy-back, invalidate
/// and snoop invalidations leave the stamps alone.
public enum LRUReplacement: ReplacementPolicy {
    public static let name = "lru"
    public static let summary = "the least recently used way"

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) { state.stamp(slot) }

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) { state.stamp(slot) }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        state.slotOfSmallestWord(base: base)
    }
}

extension ReplacementKind {
    public static let lru = ReplacementKind(LRUReplacement.self)
}
