/// What one cache level saw, counted as Dinero IV counts a level's demand references:
/// the references that reach it (from the CPU, or from the level above: its misses as
/// reads or instruction fetches, its write-throughs and dirty evictions as writes).
public struct LevelCounters: Equatable, Sendable {
    /// Demand references by kind.
    public var reads: UInt64 = 0
    public var writes: UInt64 = 0
    public var instructionFetches: UInt64 = 0
    /// Demand misses by kind.
    public var readMisses: UInt64 = 0
    public var writeMisses: UInt64 = 0
    public var instructionFetchMisses: UInt64 = 0
    /// The 3C split of the misses: the first reference to a line at this level
    /// (compulsory), a miss that a fully associative cache of the same capacity would also
    /// have had (capacity), and one it would not (conflict).
    public var compulsoryMisses: UInt64 = 0
    public var capacityMisses: UInt64 = 0
    public var conflictMisses: UInt64 = 0
    /// Misses on a line this cache lost to coherence (a peer's store or a back-invalidation),
    /// outside the 3C split.
    public var coherenceMisses: UInt64 = 0
    /// Dirty lines evicted and written to the level below.
    public var writebacks: UInt64 = 0
    /// Copies above invalidated because an inclusive level evicted their line.
    public var backInvalidations: UInt64 = 0
    /// Lines evicted above and kept here (exclusive levels): not demand references.
    public var victimFills: UInt64 = 0
    /// References passed to the level below (fills, write-throughs, writebacks).
    public var readsBelow: UInt64 = 0
    public var writesBelow: UInt64 = 0

    public init() {}

    /// Every stored counter: what ``+=`` adds (a test checks it covers every stored property).
    static let stored: [WritableKeyPath<LevelCounters, UInt64>] = [
        \.reads, \.writes, \.instructionFetches, \.readMisses, \.writeMisses, \.instructionFetchMisses,
        \.compulsoryMisses, \.capacityMisses, \.conflictMisses, \.coherenceMisses, \.writebacks, \.backInvalidations,
        \.victimFills,
        \.readsBelow, \.writesBelow,
    ]

    public static func += (a: inout LevelCounters, b: LevelCounters) {
        for field in stored { a[keyPath: field] &+= b[keyPath: field] }
    }

    public var accesses: UInt64 { reads &+ writes &+ instructionFetches }
    public var misses: UInt64 { readMisses &+ writeMisses &+ instructionFetchMisses }

    /// Every counter by its report name, in report order.
    public var fields: [(name: String, value: UInt64)] {
        [("accesses", accesses), ("reads", reads), ("writes", writes), ("instruction_fetches", instructionFetches),
         ("misses", misses), ("read_misses", readMisses), ("write_misses", writeMisses),
         ("instruction_fetch_misses", instructionFetchMisses), ("compulsory_misses", compulsoryMisses),
         ("capacity_misses", capacityMisses), ("conflict_misses", conflictMisses), ("coherence_misses", coherenceMisses), ("writebacks", writebacks),
         ("back_invalidations", backInvalidations), ("victim_fills", victimFills),
         ("reads_below", readsBelow), ("writes_below", writesBelow)]
    }
}
