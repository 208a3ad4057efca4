/// Everything the engine keeps about one line across the whole run (spec §5–6).
///
/// Byte masks live outside the record, in flat word arrays, because their width
/// depends on the line size.
struct LineRecord {
    var line: UInt64
    /// CPUs that read / wrote the line at least once (their union decides cold misses).
    var readers: UInt64 = 0
    var writers: UInt64 = 0
    /// CPUs whose cache holds a valid copy now: the snoop filter that spares a scan of every cache.
    var present: UInt64 = 0
    /// CPUs whose last copy was removed by a peer's invalidation: their next miss is a coherence miss.
    var invalidated: UInt64 = 0
    var accesses: UInt64 = 0
    var misses: UInt64 = 0
    var transfers: UInt64 = 0
    var invalidations: UInt64 = 0
    var hitm: UInt64 = 0
    var trueSharing: UInt64 = 0
    var falseSharing: UInt64 = 0
    /// Index of the per-CPU mask block, allocated when a second CPU touches the line; -1 before.
    var detail: Int32 = -1
    /// The first CPU to touch the line: the owner of the inline masks while `detail` is -1.
    var soleCPU: UInt16

    init(line: UInt64, cpu: Int) {
        self.line = line
        self.soleCPU = UInt16(truncatingIfNeeded: cpu)
    }
}

/// The line table: an open-addressing hash from line number to a dense record index, the
/// records, and their byte masks, all in flat manually-managed buffers.
///
/// Memory per touched line (64-byte lines): 128 B of record + 16 B of inline masks +
/// 12–24 B of hash slots; a line touched by two or more CPUs adds 24 B per CPU of the run
/// (read, write and written-since-invalidated masks). Wider lines scale the masks by
/// line_size / 64.
struct LineTable {
    let cpus: Int
    let lineSize: Int
    /// 64-bit words per byte mask.
    let maskWords: Int
    private(set) var count = 0
    private var capacity = 0
    private var records: UnsafeMutablePointer<LineRecord>
    /// Per record: read mask then write mask of `soleCPU` (2 × maskWords words).
    private var soleMasks: UnsafeMutablePointer<UInt64>
    /// Per detail block, per CPU: read, write, written-by-others-since-invalidation masks.
    private var details: UnsafeMutablePointer<UInt64>
    private(set) var detailCount = 0
    private var detailCapacity = 0
    /// Hash slots: line + 1 (0 = empty) and the record index.
    private var keys: UnsafeMutablePointer<UInt64>
    private var values: UnsafeMutablePointer<UInt32>
    private var hashShift: UInt64
    private var hashMask: Int

    init(cpus: Int, lineSize: Int) {
        self.cpus = cpus
        self.lineSize = lineSize
        self.maskWords = (lineSize + 63) / 64
        capacity = 1024
        records = .allocate(capacity: capacity)
        soleMasks = .allocate(capacity: capacity * 2 * maskWords)
        detailCapacity = 64
        details = .allocate(capacity: detailCapacity * cpus * 3 * maskWords)
        let slots = 2048
        keys = .allocate(capacity: slots)
        keys.initialize(repeating: 0, count: slots)
        values = .allocate(capacity: slots)
        hashShift = UInt64(64 - slots.trailingZeroBitCount)
        hashMask = slots - 1
    }

    func deallocate() {
        records.deallocate(); soleMasks.deallocate(); details.deallocate()
        keys.deallocate(); values.deallocate()
    }

    @inline(__always)
    private static func slot(of line: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (line &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The record index of `line`, creating the record (first toucher `cpu`) if it is new.
    @inline(__always)
    mutating func index(of line: UInt64, cpu: Int) -> Int {
        let key = line &+ 1
        var s = Self.slot(of: line, shift: hashShift)
        while true {
            let k = keys[s]
            if k == key { return Int(values[s]) }
            if k == 0 { break }
            s = (s + 1) & hashMask
        }
        return insert(line, cpu: cpu, at: s)
    }

    /// The record index of `line`, or nil when no CPU has touched it.
    func find(_ line: UInt64) -> Int? {
        let key = line &+ 1
        var s = Self.slot(of: line, shift: hashShift)
        while true {
            let k = keys[s]
            if k == key { return Int(values[s]) }
            if k == 0 { return nil }
            s = (s + 1) & hashMask
        }
    }

    @inline(never)
    private mutating func insert(_ line: UInt64, cpu: Int, at slot: Int) -> Int {
        precondition(count < Int(UInt32.max), "more than 2^32 distinct lines")
        if count == capacity { growRecords() }
        let index = count
        (records + index).initialize(to: LineRecord(line: line, cpu: cpu))
        (soleMasks + index * 2 * maskWords).initialize(repeating: 0, count: 2 * maskWords)
        count += 1
        keys[slot] = line &+ 1
        values[slot] = UInt32(index)
        if count * 2 > hashMask + 1 { rehash() }
        return index
    }

    private mutating func growRecords() {
        let newCapacity = capacity * 2
        let r = UnsafeMutablePointer<LineRecord>.allocate(capacity: newCapacity)
        r.moveInitialize(from: records, count: count)
        records.deallocate()
        records = r
        let m = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity * 2 * maskWords)
        m.moveInitialize(from: soleMasks, count: count * 2 * maskWords)
        soleMasks.deallocate()
        soleMasks = m
        capacity = newCapacity
    }

    private mutating func rehash() {
        let oldKeys = keys, oldValues = values, oldSlots = hashMask + 1
        let slots = oldSlots * 2
        keys = .allocate(capacity: slots)
        keys.initialize(repeating: 0, count: slots)
        values = .allocate(capacity: slots)
        hashShift = UInt64(64 - slots.trailingZeroBitCount)
        hashMask = slots - 1
        for i in 0..<oldSlots where oldKeys[i] != 0 {
            var s = Self.slot(of: oldKeys[i] &- 1, shift: hashShift)
            while keys[s] != 0 { s = (s + 1) & hashMask }
            keys[s] = oldKeys[i]
            values[s] = oldValues[i]
        }
        oldKeys.deallocate()
        oldValues.deallocate()
    }

    // MARK: Records and masks

    @inline(__always) func record(_ index: Int) -> UnsafeMutablePointer<LineRecord> { records + index }

    /// Read-bytes mask of `cpu` for record `index` (write mask follows at +maskWords,
    /// the written-since-invalidated mask at +2·maskWords when the line has a detail block).
    /// Moves the line to a detail block the first time a second CPU touches it.
    @inline(__always)
    mutating func masks(of index: Int, cpu: Int) -> UnsafeMutablePointer<UInt64> {
        let r = records + index
        if r.pointee.detail < 0 {
            if Int(r.pointee.soleCPU) == cpu { return soleMasks + index * 2 * maskWords }
            allocateDetail(for: index)
        }
        return details + (Int(r.pointee.detail) * cpus + cpu) * 3 * maskWords
    }

    /// The written-since-invalidated mask of `cpu` (the line must have a detail block).
    @inline(__always)
    func pendingMask(of index: Int, cpu: Int) -> UnsafeMutablePointer<UInt64> {
        details + (Int(records[index].detail) * cpus + cpu) * 3 * maskWords + 2 * maskWords
    }

    @inline(never)
    private mutating func allocateDetail(for index: Int) {
        let block = cpus * 3 * maskWords
        if detailCount == detailCapacity {
            let newCapacity = detailCapacity * 2
            let d = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity * block)
            d.moveInitialize(from: details, count: detailCount * block)
            details.deallocate()
            details = d
            detailCapacity = newCapacity
        }
        let base = details + detailCount * block
        base.initialize(repeating: 0, count: block)
        let sole = Int(records[index].soleCPU)
        (base + sole * 3 * maskWords).update(from: soleMasks + index * 2 * maskWords, count: 2 * maskWords)
        records[index].detail = Int32(detailCount)
        detailCount += 1
    }

    /// An owning copy for results, so the engine can go on (or be freed).
    func snapshot() -> LineTableSnapshot {
        LineTableSnapshot(table: self)
    }

    /// Flat copies of the storage, for ``LineTableSnapshot``.
    func copyStorage() -> (records: [LineRecord], soleMasks: [UInt64], details: [UInt64]) {
        (Array(UnsafeBufferPointer(start: records, count: count)),
         Array(UnsafeBufferPointer(start: soleMasks, count: count * 2 * maskWords)),
         Array(UnsafeBufferPointer(start: details, count: detailCount * cpus * 3 * maskWords)))
    }
}

/// An immutable copy of the line table behind a ``SimulationResult``.
final class LineTableSnapshot: @unchecked Sendable {
    let count: Int
    let cpus: Int
    let lineSize: Int
    let maskWords: Int
    let records: [LineRecord]
    private let soleMasks: [UInt64]
    private let details: [UInt64]

    init(table: LineTable) {
        count = table.count
        cpus = table.cpus
        lineSize = table.lineSize
        maskWords = table.maskWords
        (records, soleMasks, details) = table.copyStorage()
    }

    /// Calls `body(cpu, readWords, writeWords)` for every CPU that may have touched line `i`.
    private func forEachCPUMask(ofLine i: Int, _ body: (Int, ArraySlice<UInt64>, ArraySlice<UInt64>) -> Void) {
        let r = records[i]
        if r.detail < 0 {
            let base = i * 2 * maskWords
            body(Int(r.soleCPU), soleMasks[base..<base + maskWords], soleMasks[base + maskWords..<base + 2 * maskWords])
            return
        }
        var touchers = r.readers | r.writers
        while touchers != 0 {
            let cpu = touchers.trailingZeroBitCount
            touchers &= touchers - 1
            let base = (Int(r.detail) * cpus + cpu) * 3 * maskWords
            body(cpu, details[base..<base + maskWords], details[base + maskWords..<base + 2 * maskWords])
        }
    }

    func summary(ofLine i: Int) -> LineSummary {
        let r = records[i]
        return LineSummary(
            address: r.line &* UInt64(lineSize), readers: CPUSet(bits: r.readers), writers: CPUSet(bits: r.writers),
            accesses: r.accesses, misses: r.misses, transfers: r.transfers, invalidations: r.invalidations,
            hitm: r.hitm, trueSharingMisses: r.trueSharing, falseSharingMisses: r.falseSharing,
            sharing: sharingClass(ofLine: i))
    }

    func sharingClass(ofLine i: Int) -> SharingClass {
        let r = records[i]
        if (r.readers | r.writers).nonzeroBitCount < 2 { return .private }
        if r.writers == 0 { return .readShared }
        // A byte conflicts when two CPUs touched it and one of them wrote it.
        var once = [UInt64](repeating: 0, count: maskWords)
        var twice = once, written = once
        forEachCPUMask(ofLine: i) { _, read, write in
            for w in 0..<maskWords {
                let touched = read[read.startIndex + w] | write[write.startIndex + w]
                twice[w] |= once[w] & touched
                once[w] |= touched
                written[w] |= write[write.startIndex + w]
            }
        }
        for w in 0..<maskWords where twice[w] & written[w] != 0 { return .trulyShared }
        return .falselyShared
    }

    func offsets(ofLine i: Int) -> [ByteOffsetUse] {
        var readers = [UInt64](repeating: 0, count: lineSize), writers = readers
        forEachCPUMask(ofLine: i) { cpu, read, write in
            let bit = UInt64(1) << UInt64(cpu)
            for offset in 0..<lineSize {
                let w = offset >> 6, b = UInt64(offset & 63)
                if read[read.startIndex + w] >> b & 1 != 0 { readers[offset] |= bit }
                if write[write.startIndex + w] >> b & 1 != 0 { writers[offset] |= bit }
            }
        }
        return (0..<lineSize).compactMap { o in
            readers[o] | writers[o] == 0 ? nil
                : ByteOffsetUse(offset: o, readers: CPUSet(bits: readers[o]), writers: CPUSet(bits: writers[o]))
        }
    }
}
