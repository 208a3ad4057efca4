import CacheModels

/// Everything that determines a simulation's counters.
public struct SimulatorConfiguration: Equatable, Sendable {
    /// Number of CPUs, each with one private cache: 1...64.
    public var cpus: Int
    public var geometry: CacheGeometry
    public var replacement: ReplacementKind
    public var coherence: CoherenceProtocol
    /// Seeds the `random` and `brrip` replacement policies (each CPU's cache draws from its own stream).
    public var seed: UInt64
    /// Verify the single-writer / multiple-reader invariant after every line access (slow).
    public var checkInvariants: Bool

    public init(cpus: Int, geometry: CacheGeometry, replacement: ReplacementKind = .lru,
                coherence: CoherenceProtocol = .mesi, seed: UInt64 = 1, checkInvariants: Bool = false) {
        self.cpus = cpus
        self.geometry = geometry
        self.replacement = replacement
        self.coherence = coherence
        self.seed = seed
        self.checkInvariants = checkInvariants
    }
}

extension SimulatorConfiguration {
    /// Bytes of the tag arrays of every CPU's cache, which the simulator allocates whole
    /// before the first access.
    public var tagArrayBytes: Int { CacheMemory.bytesNeeded(for: geometry, caches: cpus) }

    /// Throws `CacheModels.CacheMemoryError` when the tag arrays need more than `available`
    /// bytes, by default the machine's physical memory (the rule of ``CacheMemory``).
    public func checkMemory(available: Int = CacheMemory.physicalBytes) throws(CacheMemoryError) {
        try CacheMemory.check(geometry, caches: cpus, available: available)
    }
}
