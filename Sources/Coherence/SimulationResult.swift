/// What a simulation produced: docs/semantics.md §5 counters per CPU and in total, and docs/semantics.md §6
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
    ///
    /// Reports want the top 10 or 100 of possibly millions of lines: a heap of the `count`
    /// hottest so far takes O(n log count), where sorting every line took most of a short
    /// run's report time.
    public func hottestLines(_ count: Int) -> [Int] {
        let records = lines.table.records
        let k = min(max(0, count), records.count)
        guard k > 0 else { return [] }
        let keys = records.map { HotnessKey(movement: $0.transfers + $0.invalidations, accesses: $0.accesses, line: $0.line) }
        if k * 4 >= records.count { return keys.indices.sorted { keys[$0].isHotter(than: keys[$1]) }.prefix(k).map { $0 } }
        // A binary min-heap by hotness: its root is the coldest of the k kept.
        var heap = Array(0..<k)
        func colder(_ a: Int, _ b: Int) -> Bool { keys[b].isHotter(than: keys[a]) }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let left = 2 * i + 1, right = left + 1
                var coldest = i
                if left < k && colder(heap[left], heap[coldest]) { coldest = left }
                if right < k && colder(heap[right], heap[coldest]) { coldest = right }
                if coldest == i { return }
                heap.swapAt(i, coldest)
                i = coldest
            }
        }
        for i in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(i) }
        for i in k..<keys.count where keys[i].isHotter(than: keys[heap[0]]) {
            heap[0] = i
            siftDown(0)
        }
        return heap.sorted { keys[$0].isHotter(than: keys[$1]) }
    }

    /// Indices of all lines in ascending address order (for tidy, diffable output).
    public func linesByAddress() -> [Int] {
        let records = lines.table.records
        return records.indices.sorted { records[$0].line < records[$1].line }
    }
}

/// What orders lines by hotness in ``SimulationResult/hottestLines(_:)``.
private struct HotnessKey {
    var movement: UInt64
    var accesses: UInt64
    var line: UInt64

    func isHotter(than other: HotnessKey) -> Bool {
        if movement != other.movement { return movement > other.movement }
        if accesses != other.accesses { return accesses > other.accesses }
        return line < other.line
    }
}

/// The per-line records of a run, materialised one at a time from the engine's flat storage.
public struct LineCollection: RandomAccessCollection, Sendable {
    let table: LineTableSnapshot
    public var startIndex: Int { 0 }
    public var endIndex: Int { table.count }
    public subscript(position: Int) -> LineSummary { table.summary(ofLine: position) }
}
