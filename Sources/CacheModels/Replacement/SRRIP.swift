/// `srrip`: Static RRIP (Jaleel et al., ISCA 2010) with M = 2: a re-reference prediction
/// value (RRPV, 0…3) per way, in the way's word. A hit sets it to 0 (hit priority); a fill
/// to 2 (2^M − 2, "long"). The victim is the lowest-numbered way with RRPV 3; if there is
/// none, every RRPV of the set is incremented and the search repeats, which this does in
/// one step: it adds 3 − max to every way and takes the first way that held the max.
/// Copy-back, invalidate and snoop invalidations leave the RRPVs alone.
public enum SRRIPReplacement: ReplacementPolicy {
    public static let name = "srrip"
    public static let summary = "static RRIP: 2-bit RRPV, 0 on a hit, 2 on a fill, evict the first 3"

    /// The largest RRPV, 2^M − 1 with M = 2 ("distant").
    public static let distant: UInt64 = 3
    /// The RRPV of a fill, 2^M − 2 ("long").
    public static let long: UInt64 = 2

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) { state.wayWords[slot] = 0 }

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) { state.wayWords[slot] = long }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        agedVictim(&state, base: base)
    }

    /// RRIP's victim search, shared with ``BRRIPReplacement``.
    @inlinable @inline(__always)
    static func agedVictim(_ state: inout ReplacementState, base: Int) -> Int {
        let words = state.wayWords
        let best = state.slotOfLargestWord(base: base)
        let largest = words[best]
        if largest < distant {
            let age = distant &- largest
            var slot = base
            while slot < base &+ state.ways {
                words[slot] &+= age
                slot &+= 1
            }
        }
        return best
    }
}

extension ReplacementKind {
    public static let srrip = ReplacementKind(SRRIPReplacement.self)
}
