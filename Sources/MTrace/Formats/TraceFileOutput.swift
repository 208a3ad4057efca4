import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered trace output that only appears under its final name when finished.
///
/// Bytes go through an ``OutputFile``: for a regular file, a temporary in the destination's
/// folder that ``finish()`` renames into place; anything else (an error, ``discard()``,
/// deinit) removes it. A path ending in `.gz` is gzip-compressed (level 1).
final class TraceFileOutput {
    let path: String
    let displayName: String
    let compressed: Bool
    /// Buffered bytes not yet handed to the file.
    let buffer: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var used = 0

    private enum State { case open, closed, committed, discarded }
    private var state = State.open
    private let file: OutputFile
    private var gz: gzFile?

    /// `staged`: see ``OutputFile/init(destination:name:staged:)``.
    init(path: String, displayName: String?, staged: Bool = false, capacity: Int = 1 << 20) throws {
        let given = displayName ?? path
        let name = given == "-" ? "standard output" : given
        self.path = path
        self.displayName = name
        compressed = path.lowercased().hasSuffix(".gz")
        self.capacity = capacity
        do {
            file = try OutputFile(destination: OutputDestination.resolve(path), name: path, staged: staged)
        } catch let error as OutputError {
            throw TraceError(file: name, message: error.message)
        }
        if compressed {
            // Level 1: traces are large and written often; it deflates about three times
            // faster than the default level 6, for files about a third larger. zlib gets its
            // own descriptor, so closing the stream never closes stdout.
            let fd = file.descriptor == 1 ? dup(1) : file.descriptor
            guard fd >= 0, let handle = gzdopen(fd, "wb1") else {
                file.discard()
                throw TraceError(file: name, message: "cannot create: zlib could not start a gzip stream")
            }
            _ = gzbuffer(handle, 256 << 10)
            gz = handle
        }
        buffer = .allocate(capacity: capacity)
    }

    /// The temporary file, for a writer that rereads what it wrote (see `staged`).
    var temporaryPath: String? { file.temporaryPath }

    deinit {
        discard()
        buffer.deallocate()
    }

    /// Throws unless the output can still take bytes (not finished, not abandoned).
    func ensureOpen() throws {
        guard state == .open else { throw notOpen() }
    }

    /// Hands the buffered bytes to the file (compressing them for `.gz`).
    func flush() throws {
        guard state == .open else { throw notOpen() }
        if let gz {
            var offset = 0
            while offset < used {
                let chunk = UInt32(min(used - offset, Int(Int32.max)))
                let wrote = gzwrite(gz, buffer + offset, chunk)
                if wrote <= 0 {
                    var code: Int32 = Z_OK
                    // zlib prefixes its messages with the name it knows the file by, "<fd:3>: ".
                    var text = gzerror(gz, &code).map { String(cString: $0) } ?? ""
                    if text.hasPrefix("<fd:"), let colon = text.range(of: ": ") { text = String(text[colon.upperBound...]) }
                    throw fail(code == Z_ERRNO ? file.failure(errno) : nil, text)
                }
                offset += Int(wrote)
            }
        } else {
            do {
                try file.write(UnsafeRawBufferPointer(start: buffer, count: used))
            } catch let error as OutputError {
                throw fail(error, error.message)
            }
        }
        used = 0
    }

    /// Flushes and closes the compressor, leaving the file unpublished (see ``finish()``).
    func close() throws {
        if state == .closed { return }
        guard state == .open else { throw notOpen() }
        try flush()
        state = .closed
        if let gz {
            self.gz = nil
            let result = gzclose_w(gz)
            if result != Z_OK {
                let error = result == Z_ERRNO ? file.failure(errno) : nil
                throw fail(error, error?.message ?? "zlib error \(result)")
            }
        }
    }

    /// Closes the file and publishes it under its final name.
    func finish() throws {
        if state == .committed { return }
        try close()
        do {
            try file.commit(descriptorClosed: compressed && file.descriptor != 1)
        } catch let error as OutputError {
            throw fail(error, error.message)
        }
        state = .committed
    }

    /// Abandons the output: closes and removes the temporary file. Safe to call twice.
    func discard() {
        switch state {
        case .open:
            if let gz { gzclose_w(gz) }
            gz = nil
            file.discard(descriptorClosed: compressed && file.descriptor != 1)
        case .closed:
            file.discard(descriptorClosed: compressed && file.descriptor != 1)
        case .committed, .discarded:
            return
        }
        state = .discarded
    }

    private func notOpen() -> TraceError {
        TraceError(file: displayName, message: state == .committed
            ? "cannot write: the trace file is already finished"
            : "cannot write: an earlier error abandoned this trace file")
    }

    /// Discards the output and returns the error to throw: a broken pipe as itself (the
    /// command ends quietly), anything else as a ``TraceError``.
    private func fail(_ error: OutputError?, _ reason: String) -> Error {
        discard()
        if let error, error.isBrokenPipe { return error }
        return TraceError(file: displayName, message: reason.hasPrefix("cannot") ? reason : "cannot write: \(reason)")
    }
}
