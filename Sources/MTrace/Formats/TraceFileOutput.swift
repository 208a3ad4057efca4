import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered output file that only appears under its final name when finished.
///
/// Bytes go to a temporary file in the destination's folder (so the final rename
/// stays on one file system and is atomic); ``finish()`` renames it into place, and
/// anything else (an error, ``discard()``, deinit) removes it. A path ending in `.gz`
/// is gzip-compressed (level 1).
final class TraceFileOutput {
    let path: String
    let displayName: String
    let temporaryPath: String
    let compressed: Bool
    /// Buffered bytes not yet handed to the file.
    let buffer: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var used = 0

    private enum State { case open, closed, committed, discarded }
    private var state = State.open
    private var fd: Int32
    private var gz: gzFile?

    init(path: String, displayName: String?, capacity: Int = 1 << 20) throws {
        let name = displayName ?? path
        self.path = path
        self.displayName = name
        compressed = path.lowercased().hasSuffix(".gz")
        self.capacity = capacity

        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let file = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var attempt = 0
        var descriptor: Int32 = -1
        var candidate = ""
        while true {
            candidate = "\(folder).\(file).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            // O_EXCL: never clobber another writer's temporary; mode 0666 lets the umask decide.
            descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 { break }
            let code = errno
            attempt += 1
            if code != EEXIST || attempt >= 100 {
                throw TraceError(file: name, message: "cannot create: \(describeErrno(code))")
            }
        }
        temporaryPath = candidate
        fd = descriptor
        if compressed {
            // Level 1: traces are large and written often; it deflates about three times
            // faster than the default level 6, for files about a third larger.
            guard let handle = gzdopen(descriptor, "wb1") else {
                closeDescriptor(descriptor)
                unlink(candidate)
                throw TraceError(file: name, message: "cannot create: zlib could not start a gzip stream")
            }
            _ = gzbuffer(handle, 256 << 10)
            gz = handle
        }
        buffer = .allocate(capacity: capacity)
    }

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
        var offset = 0
        if let gz {
            while offset < used {
                let chunk = UInt32(min(used - offset, Int(Int32.max)))
                let wrote = gzwrite(gz, buffer + offset, chunk)
                if wrote <= 0 {
                    var code: Int32 = Z_OK
                    let text = gzerror(gz, &code).map { String(cString: $0) } ?? ""
                    throw fail(code == Z_ERRNO ? describeErrno(errno) : text)
                }
                offset += Int(wrote)
            }
        } else {
            while offset < used {
                let wrote = write(fd, buffer + offset, used - offset)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw fail(describeErrno(errno))
                }
                offset += wrote
            }
        }
        used = 0
    }

    /// Flushes and closes the temporary file, leaving it in place (see ``commit()``).
    func close() throws {
        if state == .closed { return }
        guard state == .open else { throw notOpen() }
        try flush()
        state = .closed
        if let gz {
            self.gz = nil
            let result = gzclose_w(gz)
            if result != Z_OK { throw fail(result == Z_ERRNO ? describeErrno(errno) : "zlib error \(result)") }
        } else {
            if closeDescriptor(fd) != 0 { throw fail(describeErrno(errno)) }
        }
        fd = -1
    }

    /// Closes the file and moves it to its final name.
    func finish() throws {
        if state == .committed { return }
        try close()
        if rename(temporaryPath, path) != 0 { throw fail(describeErrno(errno)) }
        state = .committed
    }

    /// Abandons the output: closes and removes the temporary file. Safe to call twice.
    func discard() {
        switch state {
        case .open:
            if let gz { gzclose_w(gz) } else { closeDescriptor(fd) }
            gz = nil
            fd = -1
            unlink(temporaryPath)
        case .closed:
            unlink(temporaryPath)
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

    /// Discards the output and returns the error to throw for `reason`.
    private func fail(_ reason: String) -> TraceError {
        discard()
        return TraceError(file: displayName, message: "cannot write: \(reason)")
    }
}
