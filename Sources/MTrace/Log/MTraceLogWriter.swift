/// Writes an mtrace binary log, raw or gzip-compressed when `path` ends in `.gz`.
///
/// Records go out exactly as ``MTraceRecord/encode(into:)`` lays them out, so reading
/// the file back gives the same records, byte for byte. The file appears under `path` only
/// when ``finish()`` succeeds: until then it is a temporary file beside it, removed if a
/// write fails or the writer is dropped.
public final class MTraceLogWriter: AccessSink {
    private let output: TraceFileOutput
    /// Records written so far (accesses included).
    public private(set) var recordsWritten: UInt64 = 0
    /// The `access_count` that ``consume(_:)`` gives the next access; it counts up by one
    /// per access, as mtrace's clock did.
    public var accessClock: UInt64 = 0

    /// Starts a log at `path`; `displayName` is what errors print.
    public init(path: String, displayName: String? = nil) throws {
        output = try TraceFileOutput(path: path, displayName: displayName)
    }

    /// The name errors print.
    public var displayName: String { output.displayName }

    /// Writes one record. An unknown entry must have a type outside 1...15 and at most 100
    /// bytes of payload, and a 64-byte name only fits an ascope, avar or gc record; anything
    /// else throws ``TraceError`` and abandons the file.
    public func write(_ record: MTraceRecord) throws {
        try output.ensureOpen()
        if case let .unknown(type, payload) = record.entry,
           MTraceEntryType(rawValue: type) != nil || payload.count > mtraceMaximumRecordSize - mtraceHeaderSize {
            output.discard()
            throw TraceError(file: output.displayName, message: "cannot write an unknown record of type \(type) with "
                + "\(payload.count) bytes of payload: unknown types lie outside 1...15 and carry at most "
                + "\(mtraceMaximumRecordSize - mtraceHeaderSize) bytes")
        }
        if let field = record.unterminatedName {
            output.discard()
            throw TraceError(file: output.displayName, message: "cannot write a \(field) of 64 bytes: that field must "
                + "end with a NUL, so it holds at most 63 (only ascope, avar and gc names may fill 64)")
        }
        if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
        record.encode(into: UnsafeMutableRawPointer(output.buffer + output.used))
        output.used += record.size
        recordsWritten &+= 1
    }

    /// Writes one record given as its bytes, unchanged (padding and string tails included):
    /// the way to copy records byte for byte. The bytes must frame a record: 24...124 of
    /// them, the header's `size` equal to their count, and a size a known type may have
    /// (its own, or 104 for a 32-bit guest's host record); anything else throws
    /// ``TraceError`` and abandons the file.
    public func write(rawRecord bytes: [UInt8]) throws {
        try output.ensureOpen()
        let framed = bytes.count >= mtraceHeaderSize && bytes.count <= mtraceMaximumRecordSize
            && Int(bytes[4]) | Int(bytes[5]) << 8 == bytes.count
        let type = framed ? UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24 : 0
        guard framed, MTraceEntryType(rawValue: type).map({ $0.accepts(size: bytes.count) }) ?? true else {
            output.discard()
            throw TraceError(file: output.displayName, message: "cannot write \(bytes.count) raw bytes as a record: "
                + "they must be 24...124 bytes, as many as the header's size says, and a known type's own size")
        }
        if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
        bytes.withUnsafeBytes { (UnsafeMutableRawPointer(output.buffer + output.used)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        output.used += bytes.count
        recordsWritten &+= 1
    }

    /// Writes the access record(s) of `access` stamped with `accessCount` (see
    /// ``consume(_:)`` for the mapping): `traffic` sets the traffic flag of its record, or of
    /// the load of an atomic, and `storeTraffic` that of an atomic's store.
    public func writeAccess(_ access: Access, accessCount: UInt64, traffic: Bool = false, storeTraffic: Bool = false) throws {
        try output.ensureOpen()
        if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
        try encodeAccess(access, accessCount: accessCount, traffic: traffic, storeTraffic: storeTraffic)
    }

    /// Writes a batch of accesses as access records stamped with ``accessClock``, which
    /// counts one per access. A load is a load record and a store a store record, each with
    /// the lock flag when the access carries ``AccessFlags/locked``. An atomic is what
    /// mtrace logged for a locked read-modify-write instruction: a load and then a store,
    /// both with the lock flag and the same access count (readers take such a pair as one
    /// atomic again). The header CPU is the access's, `ts` is 0 (as mtrace left it) and the
    /// host address is the guest address: guest memory is the host's in mtlab, as label
    /// records also say. An access record holds 1...255 bytes and only loads, stores and
    /// atomics; anything else throws ``TraceError`` and abandons the file.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        try output.ensureOpen()
        var clock = accessClock
        defer { accessClock = clock }
        for access in accesses {
            if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
            try encodeAccess(access, accessCount: clock, traffic: false, storeTraffic: false)
            clock &+= 1
        }
    }

    /// Encodes one access: one record, or two for an atomic. The buffer must have room for
    /// a largest record (two access records fit in it).
    @inline(__always)
    private func encodeAccess(_ access: Access, accessCount: UInt64, traffic: Bool, storeTraffic: Bool) throws {
        let type: UInt32
        switch access.kind {
        case .load: type = MTraceAccessType.load.rawValue
        case .store, .atomic: type = MTraceAccessType.store.rawValue
        default: throw refuse(access, "an mtrace log holds only loads, stores and atomics, found a \(access.kind) access")
        }
        guard access.size >= 1 && access.size <= 255 else {
            throw refuse(access, "an mtrace access record holds 1...255 bytes, found an access of \(access.size) bytes")
        }
        let lock: UInt8 = access.kind == .atomic || access.flags.contains(.locked) ? MTraceAccessFlags.lock.rawValue : 0
        let trafficFlag = MTraceAccessFlags.traffic.rawValue
        if access.kind == .atomic {
            putAccess(access, type: MTraceAccessType.load.rawValue, flags: lock | (traffic ? trafficFlag : 0),
                      accessCount: accessCount)
            putAccess(access, type: type, flags: lock | (storeTraffic ? trafficFlag : 0), accessCount: accessCount)
        } else {
            putAccess(access, type: type, flags: lock | (traffic ? trafficFlag : 0), accessCount: accessCount)
        }
    }

    @inline(__always)
    private func putAccess(_ access: Access, type: UInt32, flags: UInt8, accessCount: UInt64) {
        let p = UnsafeMutableRawPointer(output.buffer + output.used)
        storeLE32(p, 0, MTraceEntryType.access.rawValue)
        storeLE16(p, 4, 54)
        storeLE16(p, 6, access.cpu)
        storeLE64(p, 8, accessCount)
        storeLE64(p, 16, 0)
        storeLE32(p, 24, type)
        storeByte(p, 28, flags)
        storeLE64(p, 29, access.pc)
        storeLE64(p, 37, access.address)
        storeLE64(p, 45, access.address)
        storeByte(p, 53, UInt8(access.size))
        output.used += 54
        recordsWritten &+= 1
    }

    @inline(never)
    private func refuse(_ access: Access, _ why: String) -> TraceError {
        output.discard()
        return TraceError(file: output.displayName,
                          message: "cannot write the access by cpu \(access.cpu) at 0x\(String(access.address, radix: 16)): \(why)")
    }

    /// Flushes everything and moves the file to its final name. Throws ``TraceError`` if
    /// the data cannot be written, in which case no file is left under `path`.
    public func finish() throws {
        try output.finish()
    }

    /// Abandons the log: nothing is left under `path`.
    public func discard() {
        output.discard()
    }
}
