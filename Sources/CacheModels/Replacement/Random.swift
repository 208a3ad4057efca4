import MTrace

/// `random`: evicts way `SplitMix64.next() % ways` of a full set, drawn from the cache's
/// seeded stream (CPU c's cache starts at state `seed + c × 0x9E3779B97F4A7C15`). It draws
/// only when the set is full; hits, fills, copy-back and invalidations draw nothing.
public enum RandomReplacement: ReplacementPolicy {
    public static let name = "random"
    public static let summary = "a random way, `SplitMix64.next() % ways` from the seeded stream"
    public static var drawsRandomNumbers: Bool { true }

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) {}

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) {}

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        base &+ Int(truncatingIfNeeded: state.random.next() % UInt64(state.ways))
    }
}

extension ReplacementKind {
    public static let random = ReplacementKind(RandomReplacement.self)
}
