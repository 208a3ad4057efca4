/// `plru`: tree pseudo-LRU. Each set's word holds a binary tree of ways − 1 bits in heap
/// order (node 1 the root, node n's children 2n and 2n + 1; 0 points left). A hit or a fill
/// sets every node on the way's path to point away from it; the victim follows the bits
/// from the root. Ways must be a power of two ≤ 64 (the tree fits the word). Copy-back,
/// invalidate and snoop invalidations leave the bits alone.
public enum PLRUReplacement: ReplacementPolicy {
    public static let name = "plru"
    public static let summary = "tree pseudo-LRU"
    /// Largest ways (the tree bits fit one word).
    public static let maximumWays = 64
    public static var waysRequirement: String? { "a power of two ≤ \(maximumWays)" }

    public static func supports(ways: Int) -> Bool { ways & (ways - 1) == 0 && ways <= maximumWays }

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) { touch(&state, slot: slot) }

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) { touch(&state, slot: slot) }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        let bits = state.setWords[set]
        var node = 1
        while node < state.ways { node = node &* 2 &+ Int(truncatingIfNeeded: bits >> UInt64(node) & 1) }
        return base &+ (node &- state.ways)
    }

    /// Sets every node on the way's path to point away from it (1 = the way is in the left half).
    @inlinable @inline(__always)
    static func touch(_ state: inout ReplacementState, slot: Int) {
        let ways = state.ways
        let set = slot / ways
        let way = slot &- set &* ways
        var bits = state.setWords[set]
        var node = way &+ ways
        while node > 1 {
            let parent = node >> 1
            let bit = UInt64(1) << UInt64(parent)
            if node & 1 == 0 { bits |= bit } else { bits &= ~bit }
            node = parent
        }
        state.setWords[set] = bits
    }
}

extension ReplacementKind {
    public static let plru = ReplacementKind(PLRUReplacement.self)
}
