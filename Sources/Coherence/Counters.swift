/// The counters of docs/semantics.md §5 for one CPU (or, summed, for the whole run).
///
/// Every counter counts line accesses and is attributed to the CPU making the access,
/// except `writebacks` from downgrades, which belong to the CPU whose copy was downgraded.
public struct CoherenceCounters: Equatable, Hashable, Sendable {
    public var accesses: UInt64 = 0
    public var reads: UInt64 = 0
    public var writes: UInt64 = 0
    public var atomics: UInt64 = 0
    public var hits: UInt64 = 0
    public var misses: UInt64 = 0
    public var coldMisses: UInt64 = 0
    public var coherenceMisses: UInt64 = 0
    public var trueSharingMisses: UInt64 = 0
    public var falseSharingMisses: UInt64 = 0
    public var upgrades: UInt64 = 0
    public var invalidations: UInt64 = 0
    public var transfers: UInt64 = 0
    public var hitm: UInt64 = 0
    public var writebacks: UInt64 = 0
    public var evictions: UInt64 = 0

    public init() {}

    /// Capacity plus conflict misses: misses − cold − coherence.
    public var replacementMisses: UInt64 { misses - coldMisses - coherenceMisses }

    /// misses / accesses, or 0 for no accesses.
    public var missRatio: Double { accesses == 0 ? 0 : Double(misses) / Double(accesses) }

    /// Every counter by its spec name, in the spec's order: the columns of every report.
    /// `replacement_misses` is derived; every other one is stored and summed by `+=`.
    public static let fields: [(name: String, value: KeyPath<CoherenceCounters, UInt64>)] = [
        ("accesses", \.accesses), ("reads", \.reads), ("writes", \.writes), ("atomics", \.atomics),
        ("hits", \.hits), ("misses", \.misses), ("cold_misses", \.coldMisses),
        ("coherence_misses", \.coherenceMisses), ("replacement_misses", \.replacementMisses),
        ("true_sharing_misses", \.trueSharingMisses), ("false_sharing_misses", \.falseSharingMisses),
        ("upgrades", \.upgrades), ("invalidations", \.invalidations), ("transfers", \.transfers),
        ("hitm", \.hitm), ("writebacks", \.writebacks), ("evictions", \.evictions),
    ]

    /// The stored counters: the fields that are writable.
    static let stored: [WritableKeyPath<CoherenceCounters, UInt64>] =
        fields.compactMap { $0.value as? WritableKeyPath<CoherenceCounters, UInt64> }

    /// The counter named `name` (a spec name), or nil.
    public subscript(name: String) -> UInt64? {
        Self.fields.first { $0.name == name }.map { self[keyPath: $0.value] }
    }

    public static func + (a: CoherenceCounters, b: CoherenceCounters) -> CoherenceCounters {
        var s = a
        s += b
        return s
    }

    public static func += (a: inout CoherenceCounters, b: CoherenceCounters) {
        for field in stored { a[keyPath: field] += b[keyPath: field] }
    }
}
