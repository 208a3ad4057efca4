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

    public init(name: String, geometry: CacheGeometry, replacement: ReplacementKind = .lru,
                writeBack: Bool = true, writeAllocate: Bool = true, latency: Int = 0) {
        self.name = name
        self.geometry = geometry
        self.replacement = replacement
        self.writeBack = writeBack
        self.writeAllocate = writeAllocate
        self.latency = latency
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

    public init(data: [LevelSettings], instruction: LevelSettings? = nil, memoryLatency: Int = 0) {
        precondition(!data.isEmpty, "a hierarchy has at least one data level")
        self.data = data
        self.instruction = instruction
        self.memoryLatency = memoryLatency
    }

    /// True when some latency is given, so that cycles are worth reporting.
    public var hasTiming: Bool {
        memoryLatency > 0 || data.contains { $0.latency > 0 } || (instruction?.latency ?? 0) > 0
    }
}
