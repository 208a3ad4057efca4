import CacheModels

/// Everything that determines a hierarchy simulation's counters: CPUs, each with the
/// private levels of `hierarchy`, sharing its shared levels, joined by `coherence`.
public struct HierarchyConfiguration: Equatable, Sendable {
    /// 1...64 CPUs.
    public var cpus: Int
    public var hierarchy: HierarchySettings
    public var coherence: CoherenceProtocol
    /// Seeds the `random` and `brrip` policies (each cache draws from its own stream).
    public var seed: UInt64
    /// Verify the single-writer / multiple-reader invariant and the inclusion promises after
    /// every line access (slow).
    public var checkInvariants: Bool

    public init(cpus: Int, hierarchy: HierarchySettings, coherence: CoherenceProtocol = .mesi, seed: UInt64 = 1,
                checkInvariants: Bool = false) {
        self.cpus = cpus
        self.hierarchy = hierarchy
        self.coherence = coherence
        self.seed = seed
        self.checkInvariants = checkInvariants
    }

    /// The first data level as a single-level simulation describes it (its reports and
    /// per-line statistics are those of the first level).
    public var firstLevel: SimulatorConfiguration {
        SimulatorConfiguration(cpus: cpus, geometry: hierarchy.data[0].geometry, replacement: hierarchy.data[0].replacement,
                               coherence: coherence, seed: seed, checkInvariants: checkInvariants)
    }

    /// Bytes of every level's tag arrays (private levels once per CPU).
    public var tagArrayBytes: Int {
        var bytes = 0
        for level in hierarchy.data + [hierarchy.instruction].compactMap({ $0 }) {
            let caches = level.sharing == .private ? cpus : 1
            let (b, overflow) = CacheMemory.bytesNeeded(for: level.geometry, caches: caches).addingReportingOverflow(bytes)
            bytes = overflow ? Int.max : b
        }
        return bytes
    }
}
