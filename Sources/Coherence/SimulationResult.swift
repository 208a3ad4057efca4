/// What a simulation produced: spec §5 counters per CPU and in total, and spec §6
/// per-line statistics.
public struct SimulationResult: Sendable {
    public let configuration: SimulatorConfiguration
    /// Counters per CPU, indexed by CPU number.
    public let cpus: [CoherenceCounters]
    /// Sums over all CPUs.
    public let totals: CoherenceCounters
    /// Every line any CPU touched, in order of first touch.
    public let lines: LineCollection
    /// Cache-to-cache transfers by supplier and requester, flat: `transferMatrix[i * n + j]`
    /// counts misses of CPU j served while peers held the line, supplied by CPU i: the
    /// dirty owner (M, or O in MOESI) when there is one, otherwise the lowest-numbered
    /// holder (no real bus picks a clean supplier by rule; this one is reproducible). Every
    /// transfer is counted once, so the matrix sums to `totals.transfers`.
    public let transferMatrix: [UInt64]

    init(configuration: SimulatorConfiguration, cpus: [CoherenceCounters], lines: LineCollection,
         transferMatrix: [UInt64]) {
        self.configuration = configuration
        self.cpus = cpus
        self.totals = cpus.reduce(into: CoherenceCounters()) { $0 += $1 }
        self.lines = lines
        self.transferMatrix = transferMatrix
    }

    /// Transfers supplied by CPU `from` to CPU `to`.
    public func transfers(from: Int, to: Int) -> UInt64 { transferMatrix[from * cpus.count + to] }

    /// Readers and writers of every byte offset of line `index` that was touched, in offset order.
    public func offsets(ofLine index: Int) -> [ByteOffsetUse] { lines.table.offsets(ofLine: index) }

    /// Indices of the `count` lines with most movement (transfers + invalidations); ties go
    /// to more accesses, then to the lower address, so the order is total and reproducible.
    public func hottestLines(_ count: Int) -> [Int] {
        let records = lines.table.records
        // A full sort of indices is simple and takes well under a second for millions of lines.
        let sorted = records.indices.sorted { i, j in
            let a = records[i], b = records[j]
            let ma = a.transfers + a.invalidations, mb = b.transfers + b.invalidations
            if ma != mb { return ma > mb }
            if a.accesses != b.accesses { return a.accesses > b.accesses }
            return a.line < b.line
        }
        return Array(sorted.prefix(max(0, count)))
    }

    /// Indices of all lines in ascending address order (for tidy, diffable output).
    public func linesByAddress() -> [Int] {
        let records = lines.table.records
        return records.indices.sorted { records[$0].line < records[$1].line }
    }
}

/// The per-line records of a run, materialised one at a time from the engine's flat storage.
public struct LineCollection: RandomAccessCollection, Sendable {
    let table: LineTableSnapshot
    public var startIndex: Int { 0 }
    public var endIndex: Int { table.count }
    public subscript(position: Int) -> LineSummary { table.summary(ofLine: position) }
}
