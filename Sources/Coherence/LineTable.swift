import CIntrinsics

/// Everything the engine keeps about one line across the whole run (spec §5–6).
///
/// Byte masks live outside the record, in flat word arrays, because their width
/// depends on the line size.
struct LineRecord {
    // First 64 bytes: what every private access reads or writes, and the line, which
    // confirms a hash lookup.
    /// CPUs that read / wrote the line at least once (their union decides cold misses).
    var readers: UInt64 = 0
    var writers: UInt64 = 0
    var line: UInt64
    var accesses: UInt64 = 0
    /// Read and write byte masks of `soleCPU` when a mask is one word (lines ≤ 64 bytes).
    var soleRead: UInt64 = 0
    var soleWrite: UInt64 = 0
    /// Index of the per-CPU mask block, allocated when a second CPU touches the line; -1 before.
    var detail: Int32 = -1
    /// The first CPU to touch the line: the owner of the inline masks while `detail` is -1.
    var soleCPU: UInt16
    var misses: UInt64 = 0
    // Second 64 bytes: lines that more than one CPU touched.
    /// CPUs whose last copy was removed by a peer's invalidation: their next miss is a coherence miss.
    var invalidated: UInt64 = 0
    var transfers: UInt64 = 0
    var invalidations: UInt64 = 0
    var hitm: UInt64 = 0
    var trueSharing: UInt64 = 0
    var falseSharing: UInt64 = 0
    private var padding: (UInt64, UInt64) = (0, 0)

    init(line: UInt64, cpu: Int) {
        self.line = line
        self.soleCPU = UInt16(truncatingIfNeeded: cpu)
    }
}

extension LineRecord {
    /// Adds the CPU to the readers or writers and the bytes to the sole CPU's read or write
    /// mask. Loads and stores mix at random in most traces: both fields of each pair are
    /// updated, one with nothing, so no branch is mispredicted.
    @inline(__always)
    static func markSole(_ record: UnsafeMutablePointer<LineRecord>, cpuBit: UInt64, bits: UInt64, write: Bool) {
        let writing: UInt64 = write ? ~0 : 0
        record.pointee.readers |= cpuBit & ~writing
        record.pointee.writers |= cpuBit & writing
        record.pointee.soleRead |= bits & ~writing
        record.pointee.soleWrite |= bits & writing
    }
}

/// Where one CPU's read and write byte masks of a line live.
struct ByteMasks {
    var read: UnsafeMutablePointer<UInt64>
    var write: UnsafeMutablePointer<UInt64>
}

/// A hash slot: 32 bits of the line's hash and its record index, eight to a cache line.
/// A fingerprint match is confirmed by the record's line, which the caller reads anyway.
struct LineSlot {
    var fingerprint: UInt32
    /// Record index + 1; 0 marks an empty slot.
    var entry: UInt32

    /// The slot of record `index`, whose line is `line`.
    @inline(__always)
    init(line: UInt64, index: Int) {
        fingerprint = LineSlot.fingerprint(of: line)
        entry = UInt32(truncatingIfNeeded: index &+ 1)
    }

    /// Independent of the slot's position (another multiplier than the table's hash), so
    /// lines probing the same run of slots rarely share one.
    @inline(__always)
    static func fingerprint(of line: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (line &* 0xC2B2_AE3D_27D4_EB4F) >> 32)
    }
}

/// The line table: an open-addressing hash from line number to a dense record index, the
/// records, and their byte masks, all in flat manually-managed buffers.
///
/// Memory per touched line (lines ≤ 64 bytes): a 128-byte record (masks inline), 8 B of snoop
/// filter and 11–21 B of hash slots (8 B each, the table kept 3/8 to 3/4 full); a line touched by
/// two or more CPUs adds a detail block of 24 B per CPU of
/// the run (read, write and written-since-invalidated masks). Wider lines add
/// 16 B × line_size / 64 of masks, and scale the detail block by line_size / 64.
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
    /// Per record: the CPUs whose cache holds a valid copy now. This snoop filter lives apart
    /// from the records because every eviction updates the evicted line's entry: at 8 bytes a
    /// line it stays in the last-level cache where the records would not.
    private var presence: UnsafeMutablePointer<UInt64>
    /// Per detail block, per CPU: read, write, written-by-others-since-invalidation masks.
    private var details: UnsafeMutablePointer<UInt64>
    private(set) var detailCount = 0
    private var detailCapacity = 0
    private var slots: UnsafeMutablePointer<LineSlot>
    private var hashShift: UInt64
    private var hashMask: Int

    init(cpus: Int, lineSize: Int) throws(OutOfMemoryError) {
        precondition(MemoryLayout<LineRecord>.stride == 128, "LineRecord must fill two cache lines exactly")
        self.cpus = cpus
        self.lineSize = lineSize
        self.maskWords = (lineSize + 63) / 64
        let initialCapacity = 1024
        capacity = initialCapacity
        let initialDetails = 64
        detailCapacity = initialDetails
        let slotCount = 2048
        hashShift = UInt64(64 - slotCount.trailingZeroBitCount)
        hashMask = slotCount - 1
        // The first buffers are small, but the CPU count and line size scale them; a failed
        // allocation frees those that succeeded.
        let records = try LargeAllocation.allocate(LineRecord.self, count: initialCapacity)
        var presence: UnsafeMutablePointer<UInt64>?, soleMasks: UnsafeMutablePointer<UInt64>?
        var details: UnsafeMutablePointer<UInt64>?
        let words = (lineSize + 63) / 64
        let soleCount = words > 1 ? initialCapacity * 2 * words : 0
        let detailWords = initialDetails * cpus * 3 * words
        do throws(OutOfMemoryError) {
            presence = try LargeAllocation.allocate(UInt64.self, count: initialCapacity)
            soleMasks = try LargeAllocation.allocate(UInt64.self, count: soleCount)
            details = try LargeAllocation.allocate(UInt64.self, count: detailWords)
            slots = try LargeAllocation.allocate(LineSlot.self, count: slotCount)
        } catch {
            LargeAllocation.deallocate(records, count: initialCapacity)
            presence.map { LargeAllocation.deallocate($0, count: initialCapacity) }
            soleMasks.map { LargeAllocation.deallocate($0, count: soleCount) }
            details.map { LargeAllocation.deallocate($0, count: detailWords) }
            throw error
        }
        self.records = records
        self.presence = presence!
        self.soleMasks = soleMasks!
        self.details = details!
    }

    func deallocate() {
        deallocateIndex()
        resultStorage().deallocate()
    }

    /// Frees the hash slots and the snoop filter, which results do not need.
    private func deallocateIndex() {
        LargeAllocation.deallocate(slots, count: hashMask + 1)
        LargeAllocation.deallocate(presence, count: capacity)
    }

    /// The buffers results are made of, with the counts they were allocated with.
    private func resultStorage() -> LineTableSnapshot.Storage {
        LineTableSnapshot.Storage(
            records: records, recordCapacity: capacity,
            soleMasks: soleMasks, soleMaskCapacity: maskWords > 1 ? capacity * 2 * maskWords : 0,
            details: details, detailCapacity: detailCapacity * cpus * 3 * maskWords)
    }

    @inline(__always)
    private static func slot(of line: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (line &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The record index of `line`, creating the record (first toucher `cpu`) if it is new.
    @inline(__always)
    mutating func index(of line: UInt64, cpu: Int) throws(OutOfMemoryError) -> Int {
        var s = Self.slot(of: line, shift: hashShift)
        let fingerprint = LineSlot.fingerprint(of: line)
        while true {
            let slot = slots[s]
            if slot.entry == 0 { break }
            if slot.fingerprint == fingerprint {
                let index = Int(truncatingIfNeeded: slot.entry &- 1)
                if records[index].line == line { return index }
            }
            s = (s + 1) & hashMask
        }
        return try insert(line, cpu: cpu, at: s)
    }

    /// Starts loading the hash slot where `line` would be found.
    @inline(__always)
    func prefetchSlot(of line: UInt64) {
        mtlab_prefetch(slots + Self.slot(of: line, shift: hashShift))
    }

    /// The record index that `line`'s first probe slot names when its fingerprint matches
    /// (most likely `line`'s, unconfirmed), or -1. For prefetching only.
    @inline(__always)
    private func firstProbe(of line: UInt64) -> Int {
        let slot = slots[Self.slot(of: line, shift: hashShift)]
        return slot.fingerprint == LineSlot.fingerprint(of: line) ? Int(truncatingIfNeeded: slot.entry) &- 1 : -1
    }

    /// Starts loading the record of `line` (and its snoop-filter entry, `withPresence`) when
    /// its first probe slot (prefetched earlier) names it.
    @inline(__always)
    func prefetchRecord(of line: UInt64, presence withPresence: Bool) {
        let index = firstProbe(of: line)
        guard index >= 0 else { return }
        mtlab_prefetch(records + index)
        if withPresence { mtlab_prefetch(presence + index) }
    }

    /// Starts loading `cpu`'s mask rows of `line` when the line has a detail block and its
    /// slot and record (prefetched earlier) hold it.
    @inline(__always)
    func prefetchDetail(of line: UInt64, cpu: Int) {
        let index = firstProbe(of: line)
        guard index >= 0, records[index].line == line, records[index].detail >= 0 else { return }
        let row = cpus &* maskWords
        let base = details + (Int(records[index].detail) &* 3 &* row &+ cpu &* maskWords)
        mtlab_prefetch(base)
        mtlab_prefetch(base + row)
        mtlab_prefetch(base + 2 &* row)
    }

    @inline(never)
    private mutating func insert(_ line: UInt64, cpu: Int, at slot: Int) throws(OutOfMemoryError) -> Int {
        precondition(count < Int(UInt32.max), "more than 2^32 distinct lines")
        if count == capacity { try growRecords() }
        let index = count
        (records + index).initialize(to: LineRecord(line: line, cpu: cpu))
        if maskWords > 1 { (soleMasks + index * 2 * maskWords).initialize(repeating: 0, count: 2 * maskWords) }
        count += 1
        slots[slot] = LineSlot(line: line, index: index)
        if count * 4 > (hashMask + 1) * 3 { try rehash() }
        return index
    }

    /// When it throws, the table is left usable only for deallocation (a buffer that did
    /// grow is freed by its old count, which may leave its new tail mapped).
    private mutating func growRecords() throws(OutOfMemoryError) {
        let newCapacity = capacity * 2
        records = try LargeAllocation.grow(records, from: capacity, to: newCapacity)
        presence = try LargeAllocation.grow(presence, from: capacity, to: newCapacity)
        if maskWords > 1 {
            soleMasks = try LargeAllocation.grow(soleMasks, from: capacity * 2 * maskWords, to: newCapacity * 2 * maskWords)
        }
        capacity = newCapacity
    }

    private mutating func rehash() throws(OutOfMemoryError) {
        let old = slots, oldCount = hashMask + 1
        let slotCount = oldCount * 2
        slots = try LargeAllocation.allocate(LineSlot.self, count: slotCount, populate: true)
        hashShift = UInt64(64 - slotCount.trailingZeroBitCount)
        hashMask = slotCount - 1
        // The slots hold no lines: take them from the records, in order.
        for index in 0..<count {
            let line = records[index].line
            var s = Self.slot(of: line, shift: hashShift)
            while slots[s].entry != 0 { s = (s + 1) & hashMask }
            slots[s] = LineSlot(line: line, index: index)
        }
        LargeAllocation.deallocate(old, count: oldCount)
    }

    // MARK: Records and masks

    @inline(__always) func record(_ index: Int) -> UnsafeMutablePointer<LineRecord> { records + index }

    /// The snoop-filter entry of record `index`: CPUs holding a valid copy.
    @inline(__always) func present(_ index: Int) -> UnsafeMutablePointer<UInt64> { presence + index }

    /// The read and write byte masks of `cpu` for record `index`. Moves the line to a detail
    /// block the first time a second CPU touches it.
    @inline(__always)
    mutating func masks(of index: Int, cpu: Int) throws(OutOfMemoryError) -> ByteMasks {
        let r = records + index
        if r.pointee.detail < 0 {
            if Int(r.pointee.soleCPU) == cpu {
                let read = soleMaskPointer(index)
                return ByteMasks(read: read, write: read + maskWords)
            }
            try allocateDetail(for: index)
        }
        let base = details + Int(r.pointee.detail) * cpus * 3 * maskWords + cpu * maskWords
        return ByteMasks(read: base, write: base + cpus * maskWords)
    }

    /// Where `soleCPU`'s read mask lives (its write mask follows): in the record when a mask
    /// is one word, else in `soleMasks`.
    @inline(__always)
    private func soleMaskPointer(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        if maskWords == 1 {
            return UnsafeMutableRawPointer(records + index)
                .advanced(by: MemoryLayout<LineRecord>.offset(of: \LineRecord.soleRead)!)
                .assumingMemoryBound(to: UInt64.self)
        }
        return soleMasks + index * 2 * maskWords
    }

    /// The written-since-invalidated masks of all CPUs, `maskWords` apart (the line must
    /// have a detail block). Kept side by side so a store updates every waiting CPU's mask
    /// in one or two cache lines.
    @inline(__always)
    func pendingMasks(of index: Int) -> UnsafeMutablePointer<UInt64> {
        details + Int(records[index].detail) * cpus * 3 * maskWords + 2 * cpus * maskWords
    }

    @inline(never)
    private mutating func allocateDetail(for index: Int) throws(OutOfMemoryError) {
        let block = cpus * 3 * maskWords
        if detailCount == detailCapacity {
            details = try LargeAllocation.grow(details, from: detailCapacity * block, to: detailCapacity * 2 * block)
            detailCapacity *= 2
        }
        let base = details + detailCount * block
        base.initialize(repeating: 0, count: block)
        let sole = Int(records[index].soleCPU)
        let soleMasks = soleMaskPointer(index)
        (base + sole * maskWords).update(from: soleMasks, count: maskWords)
        (base + (cpus + sole) * maskWords).update(from: soleMasks + maskWords, count: maskWords)
        records[index].detail = Int32(detailCount)
        detailCount += 1
    }

    /// An owning copy for results, so the engine can go on (or be freed).
    func snapshot() throws(OutOfMemoryError) -> LineTableSnapshot {
        let recordCount = count, soleCount = maskWords > 1 ? count * 2 * maskWords : 0
        let detailWords = detailCount * cpus * 3 * maskWords
        let copiedRecords = try LargeAllocation.allocate(LineRecord.self, count: recordCount)
        var copiedMasks: UnsafeMutablePointer<UInt64>?, copiedDetails: UnsafeMutablePointer<UInt64>?
        do throws(OutOfMemoryError) {
            copiedMasks = try LargeAllocation.allocate(UInt64.self, count: soleCount)
            copiedDetails = try LargeAllocation.allocate(UInt64.self, count: detailWords)
        } catch {
            LargeAllocation.deallocate(copiedRecords, count: recordCount)
            copiedMasks.map { LargeAllocation.deallocate($0, count: soleCount) }
            throw error
        }
        let copy = LineTableSnapshot.Storage(
            records: copiedRecords, recordCapacity: recordCount,
            soleMasks: copiedMasks!, soleMaskCapacity: soleCount,
            details: copiedDetails!, detailCapacity: detailWords)
        copy.records.update(from: records, count: recordCount)
        copy.soleMasks.update(from: soleMasks, count: soleCount)
        copy.details.update(from: details, count: detailWords)
        return LineTableSnapshot(table: self, storage: copy)
    }

    /// The table as results, without a copy: the snapshot takes over the records, masks and
    /// detail blocks and frees the rest. The table must not be used or deallocated after.
    func handOver() -> LineTableSnapshot {
        deallocateIndex()
        return LineTableSnapshot(table: self, storage: resultStorage())
    }
}

/// An immutable line table behind a ``SimulationResult``: records, sole-CPU masks (lines
/// wider than 64 bytes) and detail blocks, in flat buffers it owns.
final class LineTableSnapshot: @unchecked Sendable {  // immutable after init
    /// The buffers, with the counts they were allocated with (``LargeAllocation`` needs them).
    struct Storage {
        var records: UnsafeMutablePointer<LineRecord>
        var recordCapacity: Int
        var soleMasks: UnsafeMutablePointer<UInt64>
        var soleMaskCapacity: Int
        var details: UnsafeMutablePointer<UInt64>
        var detailCapacity: Int

        func deallocate() {
            LargeAllocation.deallocate(records, count: recordCapacity)
            LargeAllocation.deallocate(soleMasks, count: soleMaskCapacity)
            LargeAllocation.deallocate(details, count: detailCapacity)
        }
    }

    let count: Int
    let cpus: Int
    let lineSize: Int
    let maskWords: Int
    let records: UnsafeBufferPointer<LineRecord>
    private let storage: Storage

    init(table: LineTable, storage: Storage) {
        count = table.count
        cpus = table.cpus
        lineSize = table.lineSize
        maskWords = table.maskWords
        self.storage = storage
        records = UnsafeBufferPointer(start: storage.records, count: table.count)
    }

    deinit { storage.deallocate() }

    /// Calls `body(cpu, read, write)` with the byte masks (`maskWords` words each) of every
    /// CPU that may have touched line `i`.
    private func forEachCPUMask(ofLine i: Int, _ body: (Int, UnsafePointer<UInt64>, UnsafePointer<UInt64>) -> Void) {
        let r = storage.records + i
        if r.pointee.detail < 0 {
            if maskWords == 1 {
                // One-word masks live in the record, the write mask right after the read mask.
                let read = UnsafeRawPointer(r).advanced(by: MemoryLayout<LineRecord>.offset(of: \LineRecord.soleRead)!)
                    .assumingMemoryBound(to: UInt64.self)
                body(Int(r.pointee.soleCPU), read, read + 1)
            } else {
                let read = UnsafePointer(storage.soleMasks + i * 2 * maskWords)
                body(Int(r.pointee.soleCPU), read, read + maskWords)
            }
            return
        }
        var touchers = r.pointee.readers | r.pointee.writers
        while touchers != 0 {
            let cpu = touchers.trailingZeroBitCount
            touchers &= touchers - 1
            let read = UnsafePointer(storage.details + (Int(r.pointee.detail) * cpus * 3 + cpu) * maskWords)
            body(cpu, read, read + cpus * maskWords)
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
                let touched = read[w] | write[w]
                twice[w] |= once[w] & touched
                once[w] |= touched
                written[w] |= write[w]
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
                if read[w] >> b & 1 != 0 { readers[offset] |= bit }
                if write[w] >> b & 1 != 0 { writers[offset] |= bit }
            }
        }
        return (0..<lineSize).compactMap { o in
            readers[o] | writers[o] == 0 ? nil
                : ByteOffsetUse(offset: o, readers: CPUSet(bits: readers[o]), writers: CPUSet(bits: writers[o]))
        }
    }
}
