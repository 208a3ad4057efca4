#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an mtrace binary log, raw or gzip-compressed, record by record.
///
/// Records are framed by their header's `size`: one of an unknown type is skipped and
/// counted, a size below 24 or above 124 is an error, and so is a record (or header) that
/// the end of the file cuts short. A known type must have its own size, except that a host
/// record may also have a 32-bit guest's 104 bytes (it reads like a 108-byte one). Every
/// error names the byte offset of the record at fault, counted in the uncompressed log.
/// Memory use is fixed: one chunk buffer, whatever the log's length. After an error every
/// later call throws the same error.
public final class MTraceLogReader {
    /// The name errors print.
    public let displayName: String
    /// Known records returned so far.
    public private(set) var recordsRead: UInt64 = 0
    /// Locked load-and-store pairs that ``readAccesses(into:cpus:)`` returned as one atomic
    /// access each (both records count in ``recordsRead``).
    public private(set) var lockedPairs: UInt64 = 0
    /// Records of unknown types skipped (or returned, with ``keepsUnknownRecords``).
    public private(set) var unknownRecords: UInt64 = 0
    /// Unknown records by type number.
    public private(set) var unknownTypes: [UInt32: UInt64] = [:]
    /// Return unknown records as ``MTraceEntry/unknown(type:payload:)`` instead of skipping them.
    public var keepsUnknownRecords = false
    /// When set, ``next()`` refuses an access record whose bytes run past 2^64 (one of 0
    /// bytes taken as 1 byte), with the error ``readAccesses(into:cpus:)`` gives, so that
    /// analyses agree with a simulation on which logs are whole. Off, records are returned
    /// as they are (for dumps and copies).
    public var checksAccessRanges = false
    /// Byte offset of the record ``next()`` returned last.
    public private(set) var lastRecordOffset: UInt64 = 0

    private let input: TraceFileInput
    private let chunkSize: Int
    /// `chunkSize` + one largest record, so that a record split by a read is carried whole.
    private let base: UnsafeMutablePointer<UInt8>
    /// First byte not yet consumed.
    private var position = 0
    /// One past the last byte read.
    private var limit = 0
    /// Log offset of `base[0]`.
    private var baseOffset: UInt64 = 0
    private var inputEnded = false
    private var failure: TraceError?

    /// Opens `path` (gzip or raw, told apart by content); `displayName` is what errors print.
    /// Throws ``TraceError`` when the file cannot be opened.
    public init(path: String, displayName: String? = nil, chunkSize: Int = 1 << 20) throws {
        precondition(chunkSize >= mtraceMaximumRecordSize, "chunk size must hold a record")
        input = try TraceFileInput(path: path, displayName: displayName)
        self.displayName = input.displayName
        self.chunkSize = chunkSize
        base = .allocate(capacity: chunkSize + mtraceMaximumRecordSize)
    }

    deinit { base.deallocate() }

    /// Byte offset of the next record in the (uncompressed) log.
    public var offset: UInt64 { baseOffset + UInt64(position) }

    /// The next record, or nil at a clean end of the log. Throws ``TraceError`` with the
    /// record's byte offset for a malformed or cut-short record, or a read error.
    public func next() throws -> MTraceRecord? {
        try next(rawBytes: nil)
    }

    /// As ``next()``, and replaces the contents of `rawBytes` with the record's bytes exactly
    /// as the log holds them (padding and string tails included), for byte-exact copies.
    public func next(rawBytes: inout [UInt8]) throws -> MTraceRecord? {
        try withUnsafeMutablePointer(to: &rawBytes) { try next(rawBytes: $0) }
    }

    private func next(rawBytes: UnsafeMutablePointer<[UInt8]>?) throws -> MTraceRecord? {
        if let failure { throw failure }
        while true {
            if limit - position < mtraceMaximumRecordSize && !inputEnded { try refill() }
            let available = limit - position
            if available == 0 { return nil }
            let p = UnsafeRawPointer(base + position)
            let at = baseOffset + UInt64(position)
            let size = try frame(p, available: available, at: at)
            let type = loadLE32(p, 0)
            position += size
            if let rawBytes, MTraceEntryType(rawValue: type) != nil || keepsUnknownRecords {
                rawBytes.pointee.removeAll(keepingCapacity: true)
                rawBytes.pointee.append(contentsOf: UnsafeRawBufferPointer(start: p, count: size))
            }
            if let known = MTraceEntryType(rawValue: type) {
                do throws(MTraceFault) {
                    if checksAccessRanges && known == .access {
                        let address = loadLE64(p, 45), bytes = max(Int(loadByte(p, 53)), 1)
                        guard UInt64(bytes) - 1 <= ~address else { throw .wrapsAround(address: address, bytes: bytes) }
                    }
                    let record = try MTraceRecord.decode(p, type: known)
                    recordsRead &+= 1
                    lastRecordOffset = at
                    return record
                } catch {
                    throw fail(error, at: at)
                }
            }
            countUnknown(type)
            if keepsUnknownRecords {
                lastRecordOffset = at
                return MTraceRecord(cpu: loadLE16(p, 6), accessCount: loadLE64(p, 8), timestamp: loadLE64(p, 16),
                                    .unknown(type: type, payload: Array(UnsafeRawBufferPointer(start: p + 24, count: size - 24))))
            }
        }
    }

    /// Checks the header at `p` against the bytes available and returns the record's size.
    /// A known type must have exactly its spec size.
    @inline(__always)
    private func frame(_ p: UnsafeRawPointer, available: Int, at: UInt64) throws -> Int {
        guard available >= mtraceHeaderSize else { throw fail(.truncatedHeader(available: available), at: at) }
        let type = loadLE32(p, 0)
        let size = Int(loadLE16(p, 4))
        guard size >= mtraceHeaderSize else { throw fail(.sizeTooSmall(type: type, size: size), at: at) }
        guard size <= mtraceMaximumRecordSize else { throw fail(.sizeTooLarge(type: type, size: size), at: at) }
        if let known = MTraceEntryType(rawValue: type), !known.accepts(size: size) {
            throw fail(.wrongSize(known, size: size), at: at)
        }
        guard size <= available else {
            throw fail(.truncatedRecord(type: type, size: size, available: available), at: at)
        }
        return size
    }

    private func countUnknown(_ type: UInt32) {
        unknownRecords &+= 1
        unknownTypes[type, default: 0] &+= 1
    }

    /// Moves the unconsumed tail to the front and reads until a largest record fits or the
    /// input ends.
    private func refill() throws {
        let carried = limit - position
        if carried > 0 && position > 0 {
            UnsafeMutableRawPointer(base).copyMemory(from: base + position, byteCount: carried)  // memmove
        }
        baseOffset &+= UInt64(position)
        position = 0
        limit = carried
        while limit < mtraceMaximumRecordSize && !inputEnded {
            let room = chunkSize + mtraceMaximumRecordSize - limit
            let got: Int
            do {
                got = try input.read(into: UnsafeMutableRawBufferPointer(start: base + limit, count: room))
            } catch var error as TraceError {
                // A damaged gzip stream: say how far the log got.
                error.offset = baseOffset &+ UInt64(limit)
                failure = error
                throw error
            }
            if got == 0 { inputEnded = true } else { limit += got }
        }
    }

    @inline(never)
    private func fail(_ fault: MTraceFault, at offset: UInt64) -> TraceError {
        let error = TraceError(file: displayName, offset: offset, message: fault.message)
        failure = error
        return error
    }

    // MARK: The access fast path

    /// Fills `buffer` with the accesses of the next access records, skipping (and checking)
    /// every other record, and returns how many it wrote; 0 at the end of the log.
    ///
    /// The CPU is the header's, the address the guest address, the size `bytes` and the pc
    /// the record's. A load is `.load`; a store or an I/O write is `.store`, or `.atomic`
    /// when the lock flag is set; the lock flag also becomes ``AccessFlags/locked``. A
    /// locked load immediately followed by a locked store of the same CPU, address and
    /// size is one `.atomic` (what mtrace logged for a locked read-modify-write), with the
    /// load's pc. An access by a CPU not below `cpus`, of 0 bytes, of an unknown access
    /// type or running past 2^64 throws ``TraceError`` with the record's byte offset.
    public func readAccesses(into buffer: UnsafeMutableBufferPointer<Access>, cpus: Int) throws -> Int {
        if let failure { throw failure }
        guard let out = buffer.baseAddress else { return 0 }
        let count = buffer.count
        let cpuLimit = UInt32(clamping: cpus)
        var produced = 0
        while produced < count {
            if limit - position < mtraceMaximumRecordSize {
                if !inputEnded { try refill() }
                if limit - position < mtraceMaximumRecordSize {
                    // The last bytes of the log: check every record against what is left.
                    if limit == position { break }
                    let p = UnsafeRawPointer(base + position)
                    let at = baseOffset + UInt64(position)
                    let size = try frame(p, available: limit - position, at: at)
                    position += size
                    if loadLE32(p, 0) == MTraceEntryType.access.rawValue {
                        var a = try access(p, cpus: cpuLimit, at: at)
                        if a.kind == .load && a.flags.contains(.locked) && limit - position >= 54 && isLockedPair(p) {
                            a.kind = .atomic
                            position += 54
                            recordsRead &+= 1
                            lockedPairs &+= 1
                        }
                        out[produced] = a
                        produced += 1
                    } else {
                        try check(p, at: at)
                    }
                    continue
                }
            }
            // Whole records only: while a largest record fits, no bounds checks are needed.
            let start = UnsafeRawPointer(base)
            var p = position
            let before = produced
            var pairs = 0
            defer {
                recordsRead &+= UInt64(produced &- before &+ pairs)
                lockedPairs &+= UInt64(pairs)
            }
            let end = limit - mtraceMaximumRecordSize
            while p <= end && produced < count {
                let r = start + p
                let type = loadLE32(r, 0)
                var size = Int(loadLE16(r, 4))
                if type == MTraceEntryType.access.rawValue && size == 54 {
                    let accessType = loadLE32(r, 24)
                    let flags = loadByte(r, 28)
                    let cpu = UInt32(loadLE16(r, 6))
                    let address = loadLE64(r, 45)
                    let bytes = UInt64(loadByte(r, 53))
                    // One branch for every way an access can be bad; the details are out of line.
                    if (cpu >= cpuLimit) || (bytes == 0) || (accessType &- 1 > 2) || (bytes &- 1 > ~address) {
                        position = p
                        out[produced] = try access(r, cpus: cpuLimit, at: baseOffset + UInt64(p))
                        preconditionFailure("access(_:cpus:at:) accepted what the fast path refused")
                    }
                    // load (1) → 0; store (2) or I/O write (3) → 1, or 2 when locked.
                    let isStore = UInt8(truncatingIfNeeded: accessType >> 1)
                    let locked = (flags >> 1) & 1
                    var kind = isStore &+ (isStore & locked)
                    // A locked load: the next record lies whole in the buffer (two access
                    // records are shorter than a largest one) and may be its store.
                    if locked & ~isStore & 1 != 0 && isLockedPair(r) {
                        kind = AccessKind.atomic.rawValue
                        size &+= 54
                        pairs &+= 1
                    }
                    out[produced] = Access(
                        cpu: Int(cpu), kind: unsafeBitCast(kind, to: AccessKind.self),
                        address: address, size: Int(bytes), pc: loadLE64(r, 29),
                        flags: AccessFlags(rawValue: flags & AccessFlags.locked.rawValue))
                    produced &+= 1
                } else {
                    position = p
                    try check(r, at: baseOffset + UInt64(p))
                }
                p &+= size
            }
            position = p
        }
        return produced
    }

    /// Whether the access record at `r`, a locked load, is followed by the locked store of
    /// the same CPU to the same bytes: one locked read-modify-write, as mtrace logged it. The
    /// next record's 54 bytes must lie in the buffer.
    @inline(__always)
    private func isLockedPair(_ r: UnsafeRawPointer) -> Bool {
        let n = r + 54
        return loadLE32(n, 0) == MTraceEntryType.access.rawValue && loadLE16(n, 4) == 54
            && loadLE32(n, 24) == MTraceAccessType.store.rawValue && loadByte(n, 28) & MTraceAccessFlags.lock.rawValue != 0
            && loadLE16(n, 6) == loadLE16(r, 6) && loadLE64(n, 45) == loadLE64(r, 45) && loadByte(n, 53) == loadByte(r, 53)
    }

    /// Checks a record other than a well-formed access, inside a buffer holding at least a
    /// largest record (or a framed record): size, known-type size and string termination.
    /// Unknown types are counted.
    @inline(never)
    private func check(_ r: UnsafeRawPointer, at: UInt64) throws {
        let type = loadLE32(r, 0)
        let size = Int(loadLE16(r, 4))
        guard size >= mtraceHeaderSize else { throw fail(.sizeTooSmall(type: type, size: size), at: at) }
        guard size <= mtraceMaximumRecordSize else { throw fail(.sizeTooLarge(type: type, size: size), at: at) }
        guard let known = MTraceEntryType(rawValue: type) else {
            countUnknown(type)
            return
        }
        guard known.accepts(size: size) else { throw fail(.wrongSize(known, size: size), at: at) }
        if let field = terminatedStringFieldOffset(known, r), memchr(r + field, 0, MTraceName.fieldSize) == nil {
            throw fail(.unterminatedString(known, field: stringFieldName(known), offset: field), at: at)
        }
        recordsRead &+= 1
    }

    /// The access of the well-framed access record at `r`, or the error that refuses it.
    private func access(_ r: UnsafeRawPointer, cpus: UInt32, at: UInt64) throws -> Access {
        let accessType = loadLE32(r, 24)
        let flags = loadByte(r, 28)
        let cpu = UInt32(loadLE16(r, 6))
        let address = loadLE64(r, 45)
        let bytes = Int(loadByte(r, 53))
        guard cpu < cpus else { throw fail(.cpuOutOfRange(cpu: Int(cpu), cpus: Int(cpus)), at: at) }
        guard bytes > 0 else { throw fail(.zeroBytes, at: at) }
        guard (1...3).contains(accessType) else { throw fail(.badAccessType(accessType), at: at) }
        guard UInt64(bytes) - 1 <= ~address else { throw fail(.wrapsAround(address: address, bytes: bytes), at: at) }
        recordsRead &+= 1
        let locked = flags & AccessFlags.locked.rawValue != 0
        let kind: AccessKind = accessType == 1 ? .load : (locked ? .atomic : .store)
        return Access(cpu: Int(cpu), kind: kind, address: address, size: bytes, pc: loadLE64(r, 29),
                      flags: AccessFlags(rawValue: flags & AccessFlags.locked.rawValue))
    }
}

/// The accesses of an mtrace log as a ``TraceSource``: what `mtlab run` simulates for a
/// `.mtrace` workload. Every other record is checked and skipped. Copies share one reader.
public struct MTraceAccessSource: TraceSource {
    public let reader: MTraceLogReader
    public let cpus: Int

    /// Opens `path`; `cpus` is the run's CPU count (every access's CPU must be below it).
    public init(path: String, displayName: String? = nil, cpus: Int, chunkSize: Int = 1 << 20) throws {
        reader = try MTraceLogReader(path: path, displayName: displayName, chunkSize: chunkSize)
        self.cpus = cpus
    }

    /// The accesses of an open reader, from its current record on.
    public init(reader: MTraceLogReader, cpus: Int) {
        self.reader = reader
        self.cpus = cpus
    }

    public mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        try reader.readAccesses(into: buffer, cpus: cpus)
    }
}
