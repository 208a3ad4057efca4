import MTrace

/// `brrip`: bimodal RRIP (Jaleel et al., ISCA 2010), M = 2. Hits and the victim search are
/// ``SRRIPReplacement``'s; a fill sets the RRPV to 3 ("distant"), except that with
/// probability 1/32 it sets 2 ("long"). Every fill, into a full set or a free way, draws
/// once from the cache's seeded SplitMix64 stream (the one `random` uses: CPU c's cache
/// starts at state `seed + c × 0x9E3779B97F4A7C15`): `next() % 32 == 0` inserts at 2.
/// Hits, victim searches, copy-back and invalidations draw nothing and, except hits,
/// change no RRPV.
public enum BRRIPReplacement: ReplacementPolicy {
    public static let name = "brrip"
    public static let summary = "bimodal RRIP: as `srrip`, but fills at 3, or at 2 with probability 1/32 from the seeded stream"
    public static var drawsRandomNumbers: Bool { true }
    /// A fill inserts at "long" once in this many draws.
    public static let longInsertionOdds: UInt64 = 32

    @inlinable @inline(__always)
    public static func hit(_ state: inout ReplacementState, slot: Int) { state.wayWords[slot] = 0 }

    @inlinable @inline(__always)
    public static func fill(_ state: inout ReplacementState, slot: Int) {
        state.wayWords[slot] = state.random.next() % longInsertionOdds == 0 ? SRRIPReplacement.long : SRRIPReplacement.distant
    }

    @inlinable @inline(__always)
    public static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int {
        SRRIPReplacement.agedVictim(&state, base: base)
    }
}

extension ReplacementKind {
    public static let brrip = ReplacementKind(BRRIPReplacement.self)
}
