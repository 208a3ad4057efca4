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
    /// bytes of payload; anything else throws ``TraceError`` and abandons the file.
    public func write(_ record: MTraceRecord) throws {
        try output.ensureOpen()
        if case let .unknown(type, payload) = record.entry,
           MTraceEntryType(rawValue: type) != nil || payload.count > mtraceMaximumRecordSize - mtraceHeaderSize {
            output.discard()
            throw TraceError(file: output.displayName, message: "cannot write an unknown record of type \(type) with "
                + "\(payload.count) bytes of payload: unknown types lie outside 1...15 and carry at most "
                + "\(mtraceMaximumRecordSize - mtraceHeaderSize) bytes")
        }
        if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
        record.encode(into: UnsafeMutableRawPointer(output.buffer + output.used))
        output.used += record.size
        recordsWritten &+= 1
    }

    /// Writes one record given as its bytes, unchanged (padding and string tails included):
    /// the way to copy records byte for byte. The bytes must frame a record: 24...124 of
    /// them, the header's `size` equal to their count, and a known type's own size;
    /// anything else throws ``TraceError`` and abandons the file.
    public func write(rawRecord bytes: [UInt8]) throws {
        try output.ensureOpen()
        let framed = bytes.count >= mtraceHeaderSize && bytes.count <= mtraceMaximumRecordSize
            && Int(bytes[4]) | Int(bytes[5]) << 8 == bytes.count
        let type = framed ? UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24 : 0
        guard framed, MTraceEntryType(rawValue: type).map({ $0.recordSize == bytes.count }) ?? true else {
            output.discard()
            throw TraceError(file: output.displayName, message: "cannot write \(bytes.count) raw bytes as a record: "
                + "they must be 24...124 bytes, as many as the header's size says, and a known type's own size")
        }
        if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
        bytes.withUnsafeBytes { (UnsafeMutableRawPointer(output.buffer + output.used)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        output.used += bytes.count
        recordsWritten &+= 1
    }

    /// Writes one access record for `access` stamped with `accessCount`, with the traffic
    /// flag when `traffic` is set (see ``consume(_:)`` for the mapping).
    public func writeAccess(_ access: Access, accessCount: UInt64, traffic: Bool = false) throws {
        try output.ensureOpen()
        if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
        try encodeAccess(access, accessCount: accessCount, traffic: traffic)
    }

    /// Writes a batch of accesses as access records stamped with ``accessClock``: a load as
    /// a load, a store as a store, an atomic as a store with the lock flag (and a locked
    /// load keeps the flag). The header CPU is the access's, `ts` is 0 and the host address
    /// 0. An access record holds 1...255 bytes and only loads, stores and atomics; anything
    /// else throws ``TraceError`` and abandons the file.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        try output.ensureOpen()
        var clock = accessClock
        defer { accessClock = clock }
        for access in accesses {
            if output.used > output.capacity - mtraceMaximumRecordSize { try output.flush() }
            try encodeAccess(access, accessCount: clock, traffic: false)
            clock &+= 1
        }
    }

    @inline(__always)
    private func encodeAccess(_ access: Access, accessCount: UInt64, traffic: Bool) throws {
        let type: UInt32
        switch access.kind {
        case .load: type = MTraceAccessType.load.rawValue
        case .store, .atomic: type = MTraceAccessType.store.rawValue
        default: throw refuse(access, "an mtrace log holds only loads, stores and atomics, found a \(access.kind) access")
        }
        guard access.size >= 1 && access.size <= 255 else {
            throw refuse(access, "an mtrace access record holds 1...255 bytes, found an access of \(access.size) bytes")
        }
        var flags: UInt8 = traffic ? MTraceAccessFlags.traffic.rawValue : 0
        if access.kind == .atomic || access.flags.contains(.locked) { flags |= MTraceAccessFlags.lock.rawValue }
        let p = UnsafeMutableRawPointer(output.buffer + output.used)
        storeLE32(p, 0, MTraceEntryType.access.rawValue)
        storeLE16(p, 4, 54)
        storeLE16(p, 6, access.cpu)
        storeLE64(p, 8, accessCount)
        storeLE64(p, 16, 0)
        storeLE32(p, 24, type)
        storeByte(p, 28, flags)
        storeLE64(p, 29, access.pc)
        storeLE64(p, 37, 0)
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
