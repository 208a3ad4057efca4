/// `fifo`: evicts the way filled longest ago. A fill stamps the way with the cache's next
/// tick; hits, copy-back, invalidate and snoop invalidations change nothing.
public enum FIFOReplacement: ReplacementPolicy {
    public static let name = "fifo"
    public static let summary = "the way filled longest ago"

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) {}

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) { state.stamp(slot) }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        state.slotOfSmallestWord(base: base)
    }
}

extension ReplacementKind {
    public static let fifo = ReplacementKind(FIFOReplacement.self)
}
