/// Writes a text trace, one `<cpu> <R|W|A> 0x<hex address> <size>` line per access,
/// buffered and gzip-compressed when `path` ends in `.gz`.
///
/// The file appears under `path` only when ``finish()`` succeeds: until then it is a
/// temporary file beside it, removed if a write fails or the writer is dropped.
public final class TextTraceWriter: AccessSink {
    private let output: TraceFileOutput
    /// Accesses written so far.
    public private(set) var accessesWritten: UInt64 = 0

    /// Starts a text trace at `path`; `displayName` is what errors print.
    public init(path: String, displayName: String? = nil) throws {
        output = try TraceFileOutput(path: path, displayName: displayName)
    }

    /// Writes a batch of accesses. Only loads, stores and atomics of 1...4096 bytes can be
    /// written; anything else throws ``TraceError`` and abandons the file.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        try output.ensureOpen()
        let out = output.buffer
        let flushAt = output.capacity - 64  // a line is at most 32 bytes
        var used = output.used
        for access in accesses {
            if used > flushAt {
                output.used = used
                try output.flush()
                used = 0
            }
            let op: UInt8
            switch access.kind {
            case .load: op = 0x52  // R
            case .store: op = 0x57  // W
            case .atomic: op = 0x41  // A
            default:
                output.discard()
                throw TraceError(file: output.displayName,
                                 message: "a text trace holds only loads, stores and atomics, found a \(access.kind) access")
            }
            let size = UInt64(access.size)
            guard size >= 1 && size <= UInt64(maximumAccessSize), size &- 1 <= ~access.address else {
                output.discard()
                throw TraceError(file: output.displayName,
                                 message: "cannot write an access of \(size) bytes at 0x\(String(access.address, radix: 16)): "
                                    + "sizes are 1...\(maximumAccessSize) and must not run past 2^64")
            }
            var p = out + used
            p += putDecimal(UInt64(access.cpu), at: p)
            p[0] = asciiSpace
            p[1] = op
            p[2] = asciiSpace
            p[3] = asciiZero
            p[4] = 0x78  // x
            p += 5
            p += putHex(access.address, at: p)
            p[0] = asciiSpace
            p += 1
            p += putDecimal(size, at: p)
            p[0] = asciiNewline
            used = p + 1 - out
        }
        output.used = used
        accessesWritten &+= UInt64(accesses.count)
    }

    /// Flushes everything and moves the file to its final name. Throws ``TraceError`` if
    /// the data cannot be written, in which case no file is left under `path`.
    public func finish() throws {
        try output.finish()
    }
}

/// Writes a Dinero IV din trace, buffered and gzip-compressed when `path` ends in `.gz`.
///
/// Traditional din (`<type 0-5> <hexaddr>`) is written while every access is 4 bytes at
/// a multiple of 4; otherwise the file is extended din (`<type> <hexaddr> <hexsize>`).
/// Without a requested form, a first access that traditional din cannot express
/// converts what was written so far, so the whole file is always in one form. Din has
/// no CPU field, so only CPU 0's accesses can be written, and no atomics: an atomic is
/// written as a store, which is how coherence treats it. The file appears under `path`
/// only when ``finish()`` succeeds.
public final class DinTraceWriter: AccessSink {
    private let path: String
    private let displayName: String
    private let requestedForm: DinForm?
    private var output: TraceFileOutput
    /// The form of the file so far: the requested one, or the one the accesses needed.
    public private(set) var form: DinForm?
    /// Accesses written so far.
    public private(set) var accessesWritten: UInt64 = 0

    /// Starts a din trace at `path`. `form` forces traditional or extended din; nil
    /// chooses from the accesses.
    public init(path: String, displayName: String? = nil, form: DinForm? = nil) throws {
        self.path = path
        self.displayName = displayName ?? path
        requestedForm = form
        self.form = form
        output = try TraceFileOutput(path: path, displayName: displayName, staged: true)
    }

    /// Writes a batch of accesses; throws ``TraceError`` (abandoning the file) for an access
    /// din cannot hold: another CPU's, a data size outside 1...4096, or one that traditional
    /// din cannot express when traditional din was requested.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        try output.ensureOpen()
        var index = 0
        while index < accesses.count {
            index += try append(UnsafeBufferPointer(rebasing: accesses[index...]))
            if index < accesses.count {
                // append stopped at an access that needs extended din.
                try convertToExtended()
            }
        }
        accessesWritten &+= UInt64(accesses.count)
    }

    /// Flushes everything and moves the file to its final name. Throws ``TraceError`` if
    /// the data cannot be written, in which case no file is left under `path`.
    public func finish() throws {
        try output.finish()
    }

    /// Writes accesses until one needs extended din while the file is traditional and
    /// no form was requested; returns how many it wrote.
    private func append(_ accesses: UnsafeBufferPointer<Access>) throws -> Int {
        let out = output.buffer
        let flushAt = output.capacity - 64  // a record is at most 44 bytes
        var used = output.used
        defer { output.used = used }
        for (index, access) in accesses.enumerated() {
            if used > flushAt {
                output.used = used
                try output.flush()
                used = 0
            }
            try check(access)
            let fitsTraditional = access.size == 4 && access.address & 3 == 0
            if form == nil {
                form = fitsTraditional ? .traditional : .extended
            } else if form == .traditional && !fitsTraditional {
                if requestedForm == .traditional {
                    output.discard()
                    throw TraceError(file: displayName, message: "cannot write an access of \(access.size) bytes at "
                        + "0x\(String(access.address, radix: 16)) as traditional din: it holds only 4-byte accesses "
                        + "at multiples of 4")
                }
                return index
            }
            var p = out + used
            if form == .traditional {
                p[0] = traditionalDinType(access.kind)
                p[1] = asciiSpace
                p += 2
                p += putHex(access.address, at: p)
            } else {
                p[0] = extendedDinType(access.kind)
                p[1] = asciiSpace
                p += 2
                p += putHex(access.address, at: p)
                p[0] = asciiSpace
                p += 1
                p += putHex(UInt64(access.size), at: p)
            }
            p[0] = asciiNewline
            used = p + 1 - out
        }
        return accesses.count
    }

    private func check(_ access: Access) throws {
        let size = UInt64(access.size)
        var problem: String?
        if access.cpu != 0 {
            problem = "din traces have no CPU field and hold only CPU 0's accesses, found one by CPU \(access.cpu)"
        } else if (access.kind.isDataAccess || access.kind == .fetch) && (size < 1 || size > UInt64(maximumAccessSize)) {
            problem = "cannot write an access of \(size) bytes: sizes are 1...\(maximumAccessSize)"
        } else if size > 0 && size &- 1 > ~access.address {
            problem = "cannot write an access of \(size) bytes at 0x\(String(access.address, radix: 16)): "
                + "it runs past the end of the 64-bit address space"
        }
        if let problem {
            output.discard()
            throw TraceError(file: displayName, message: problem)
        }
    }

    /// Rewrites the traditional records written so far as extended din in a fresh
    /// temporary file; later accesses continue there.
    private func convertToExtended() throws {
        let old = output
        do {
            try old.close()
            output = try TraceFileOutput(path: path, displayName: displayName, staged: true)
            form = .extended
            guard let written = old.temporaryPath else {
                throw TraceError(file: displayName, message: "cannot reread the din records written so far")
            }
            var reader = try DinTraceReader(path: written, displayName: displayName)
            let batch = UnsafeMutableBufferPointer<Access>.allocate(capacity: defaultBatchSize)
            defer { batch.deallocate() }
            while true {
                let count = try reader.read(into: batch)
                if count == 0 { break }
                _ = try append(UnsafeBufferPointer(rebasing: batch[0..<count]))
            }
            old.discard()
        } catch {
            old.discard()
            output.discard()
            throw error
        }
    }
}

@inline(__always)
private func traditionalDinType(_ kind: AccessKind) -> UInt8 {
    switch kind {
    case .load: return 0x30  // 0
    case .store, .atomic: return 0x31  // 1
    case .fetch: return 0x32  // 2
    case .copyBack: return 0x34  // 4
    case .invalidate: return 0x35  // 5
    }
}

@inline(__always)
private func extendedDinType(_ kind: AccessKind) -> UInt8 {
    switch kind {
    case .load: return 0x72  // r
    case .store, .atomic: return 0x77  // w
    case .fetch: return 0x69  // i
    case .copyBack: return 0x63  // c
    case .invalidate: return 0x76  // v
    }
}
