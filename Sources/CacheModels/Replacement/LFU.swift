/// `lfu`: least frequently used. Each way's word counts its uses since its fill: a fill
/// sets 1, a hit adds 1. The victim is the way with the lowest count, ties to the
/// lowest-numbered way. Copy-back, invalidate and snoop invalidations leave counts alone.
public enum LFUReplacement: ReplacementPolicy {
    public static let name = "lfu"
    public static let summary = "the least frequently used way since its fill"

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) { state.wayWords[slot] &+= 1 }

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) { state.wayWords[slot] = 1 }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        state.slotOfSmallestWord(base: base)
    }
}

extension ReplacementKind {
    public static let lfu = ReplacementKind(LFUReplacement.self)
}
