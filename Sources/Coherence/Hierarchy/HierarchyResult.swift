import CacheModels

/// What a hierarchy simulation produced: the first data level's counters and per-line
/// statistics as a single-level run reports them, and every level's own counters.
public struct HierarchyResult: Sendable {
    /// The first data level: counters per CPU (misses are this level's misses; transfers,
    /// invalidations and hitm count what the CPU's private levels did as one coherence
    /// agent), per-line statistics and the transfer matrix.
    public let simulation: SimulationResult
    /// The data levels, nearest the CPUs first (`levels[0]` is the first level).
    public let levels: [LevelResult]
    /// The first-level instruction caches, when the hierarchy has them.
    public let instruction: LevelResult?
    /// Cycles per CPU, when some latency is not 0.
    public let timing: HierarchyTiming?
}

/// One level's counters: per CPU for a private level, one instance for a shared level.
public struct LevelResult: Sendable {
    public let name: String
    public let sharing: LevelSharing
    public let inclusion: Inclusion
    /// Per CPU (private) or the single instance (shared).
    public let instances: [LevelCounters]
    public let total: LevelCounters

    init(settings: LevelSettings, instances: [LevelCounters]) {
        name = settings.name
        sharing = settings.sharing
        inclusion = settings.inclusion
        self.instances = instances
        total = instances.reduce(into: LevelCounters()) { $0 += $1 }
    }
}

/// The cost model's cycles (docs/semantics.md §8): each line access costs the latency of
/// the level that served it plus those of the levels it passed on the way (a transfer from
/// a peer costs the transfer latency, memory its latency). A ranking aid, not a pipeline.
public struct HierarchyTiming: Sendable {
    /// Cycles per CPU.
    public let cycles: [UInt64]
    /// Line accesses per CPU (instruction fetches included when there is an instruction cache).
    public let lineAccesses: [UInt64]
    /// Cycles spent on each data line, indexed as `simulation.lines` (the lines' stall cycles).
    public let lineCycles: [UInt64]

    /// Average cycles per line access of `cpu` (0 without accesses).
    public func averageAccessTime(cpu: Int) -> Double {
        lineAccesses[cpu] == 0 ? 0 : Double(cycles[cpu]) / Double(lineAccesses[cpu])
    }
    public var totalCycles: UInt64 { cycles.reduce(0, &+) }
}
