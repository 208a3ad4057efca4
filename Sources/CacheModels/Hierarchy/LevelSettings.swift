/// Whether a level is one cache per CPU or one cache for all CPUs.
public enum LevelSharing: String, CaseIterable, Sendable {
    case `private`
    case shared
}

/// What a level promises about the lines of the levels above it (nearer the CPUs).
public enum Inclusion: String, CaseIterable, Sendable {
    /// Nothing: a line may be above, here, both or neither (Dinero IV's levels).
    case nonInclusive = "non-inclusive"
    /// Every line above is also here: evicting a line here invalidates it above.
    case inclusive
    /// A line is above or here, never both: a line moves up on a hit here, and a line
    /// evicted above is filled here.
    case exclusive
}

/// One cache level of a hierarchy, as a config describes it: its shape and policies. Every
/// level of a hierarchy has the first level's line size.
public struct LevelSettings: Equatable, Sendable {
    /// What reports call it: `L1d`, `L1i`, `L2`, …
    public var name: String
    public var geometry: CacheGeometry
    public var replacement: ReplacementKind
    /// Stores mark the line dirty and reach the level below only when it is evicted;
    /// false is write-through (every store is passed down at once).
    public var writeBack: Bool
    /// A store miss fills the line; false passes the store down without filling.
    public var writeAllocate: Bool
    /// Cycles of a hit here (0: no timing).
    public var latency: Int
    public var sharing: LevelSharing
    public var inclusion: Inclusion

    public init(name: String, geometry: CacheGeometry, replacement: ReplacementKind = .lru,
                writeBack: Bool = true, writeAllocate: Bool = true, latency: Int = 0,
                sharing: LevelSharing = .private, inclusion: Inclusion = .nonInclusive) {
        self.name = name
        self.geometry = geometry
        self.replacement = replacement
        self.writeBack = writeBack
        self.writeAllocate = writeAllocate
        self.latency = latency
        self.sharing = sharing
        self.inclusion = inclusion
    }
}

/// One CPU's cache hierarchy: the data levels nearest first (the first is the L1 data
/// cache), an optional first-level instruction cache beside the first data level, and the
/// cost of memory.
public struct HierarchySettings: Equatable, Sendable {
    public var data: [LevelSettings]
    public var instruction: LevelSettings?
    /// Cycles of a line from memory.
    public var memoryLatency: Int
    /// Cycles of a line supplied by another CPU's caches.
    public var transferLatency: Int
    /// Split misses at every level into compulsory, capacity, conflict and coherence misses
    /// (Dinero IV's `-ccc`). It keeps a fully associative shadow beside every cache, which
    /// costs more than the caches themselves, so it is asked for.
    public var classifiesMisses: Bool

    /// The first data level is private (one per CPU); a private level may not follow a
    /// shared one (the config loader names the key when it does).
    public init(data: [LevelSettings], instruction: LevelSettings? = nil, memoryLatency: Int = 0, transferLatency: Int = 0,
                classifiesMisses: Bool = false) {
        precondition(!data.isEmpty && data[0].sharing == .private, "a hierarchy starts with a private data level")
        self.data = data
        self.instruction = instruction
        self.memoryLatency = memoryLatency
        self.transferLatency = transferLatency
        self.classifiesMisses = classifiesMisses
    }

    /// True when some latency is given, so that cycles are worth reporting.
    public var hasTiming: Bool {
        memoryLatency > 0 || transferLatency > 0 || data.contains { $0.latency > 0 } || (instruction?.latency ?? 0) > 0
    }

    /// The private data levels (the first ones, up to the first shared level).
    public var privateLevels: Int { data.firstIndex { $0.sharing == .shared } ?? data.count }
}
