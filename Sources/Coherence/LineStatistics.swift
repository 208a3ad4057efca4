/// How a line was shared over the whole run (docs/semantics.md §6).
public enum SharingClass: String, Sendable, CaseIterable {
    /// Touched by one CPU only.
    case `private`
    /// Touched by several CPUs, none of which wrote it.
    case readShared = "read-shared"
    /// Several CPUs, at least one writer, and some byte touched by two CPUs one of which wrote it.
    case trulyShared = "truly-shared"
    /// Several CPUs, at least one writer, and no byte touched by two CPUs with one writing.
    case falselyShared = "falsely-shared"
}

/// Which CPUs read and wrote one byte offset of a line.
public struct ByteOffsetUse: Equatable, Sendable {
    public var offset: Int
    public var readers: CPUSet
    public var writers: CPUSet
    public init(offset: Int, readers: CPUSet, writers: CPUSet) {
        self.offset = offset
        self.readers = readers
        self.writers = writers
    }
}

/// The per-line record of docs/semantics.md §6 (without the per-offset detail, which
/// ``SimulationResult/offsets(ofLine:)`` gives on demand).
public struct LineSummary: Equatable, Sendable {
    /// Address of the line's first byte.
    public var address: UInt64
    public var readers: CPUSet
    public var writers: CPUSet
    public var accesses: UInt64
    public var misses: UInt64
    public var transfers: UInt64
    public var invalidations: UInt64
    public var hitm: UInt64
    public var trueSharingMisses: UInt64
    public var falseSharingMisses: UInt64
    public var sharing: SharingClass

    /// Cache-line movement: transfers + invalidations, the ranking key of every report.
    public var movement: UInt64 { transfers + invalidations }
    /// CPUs that touched the line.
    public var cpus: CPUSet { readers.union(writers) }
    public var isFalselyShared: Bool { sharing == .falselyShared }

    /// Per-line counters by spec name, for reports.
    public static let counterFields: [(name: String, value: KeyPath<LineSummary, UInt64>)] = [
        ("accesses", \.accesses), ("misses", \.misses), ("transfers", \.transfers),
        ("invalidations", \.invalidations), ("hitm", \.hitm),
        ("true_sharing_misses", \.trueSharingMisses), ("false_sharing_misses", \.falseSharingMisses),
    ]
}
