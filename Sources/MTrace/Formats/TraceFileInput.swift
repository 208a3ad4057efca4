import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a trace file, read through zlib: gzip data is inflated and plain files
/// pass through unchanged, so one reader serves `.gz` and raw traces alike.
///
/// A truncated or corrupt gzip stream is reported as an error, never taken for the
/// end of the trace. Memory use is fixed by the buffer size, not the file's length.
public final class TraceFileInput {
    /// The name errors print (the path unless the caller chose another).
    public let displayName: String
    /// Uncompressed bytes delivered so far.
    public private(set) var bytesRead: UInt64 = 0
    private var file: gzFile?

    /// Opens `path` for reading; `bufferSize` is zlib's input buffer.
    /// Throws ``TraceError`` `cannot open: <reason>` when the file cannot be read.
    public init(path: String, displayName: String? = nil, bufferSize: Int = 256 << 10) throws {
        let name = displayName ?? path
        self.displayName = name
        // open(2) first rather than gzopen, so that errno is reliable and a directory
        // is refused here instead of failing obscurely at the first read.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TraceError(file: name, message: "cannot open: \(describeErrno(errno))")
        }
        var status = stat()
        if fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            closeDescriptor(fd)
            throw TraceError(file: name, message: "cannot open: \(describeErrno(EISDIR))")
        }
        guard let handle = gzdopen(fd, "rb") else {
            let code = errno
            closeDescriptor(fd)
            throw TraceError(file: name, message: "cannot open: \(describeErrno(code == 0 ? ENOMEM : code))")
        }
        _ = gzbuffer(handle, UInt32(clamping: max(bufferSize, 8 << 10)))
        file = handle
    }

    deinit {
        if let file { gzclose_r(file) }
    }

    /// Fills the start of `buffer` and returns the number of bytes written; 0 means the
    /// file has ended cleanly (and is then closed). Throws ``TraceError`` on a read
    /// error or a truncated or corrupt compressed stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let handle = file, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let request = UInt32(min(buffer.count, Int(Int32.max)))
        let got = gzread(handle, base, request)
        if got > 0 {
            bytesRead &+= UInt64(got)
            return Int(got)
        }
        // gzread reports a stream that stops mid-member as a plain end of file
        // (Z_BUF_ERROR, so that growing files can be followed); for a trace that is
        // damage, so the error state is checked on every end.
        let savedErrno = errno
        var code: Int32 = Z_OK
        let zlibMessage = gzerror(handle, &code).map { String(cString: $0) } ?? ""
        if got < 0 || code != Z_OK {
            file = nil
            gzclose_r(handle)
            throw failure(code: code, zlibMessage: zlibMessage, errnoValue: savedErrno)
        }
        file = nil
        let closed = gzclose_r(handle)
        if closed != Z_OK {
            throw failure(code: closed, zlibMessage: "", errnoValue: errno)
        }
        return 0
    }

    /// Closes the file early; later reads return 0.
    public func close() {
        if let file { gzclose_r(file) }
        file = nil
    }

    private func failure(code: Int32, zlibMessage: String, errnoValue: Int32) -> TraceError {
        let message: String
        switch code {
        case Z_BUF_ERROR:
            message = "compressed stream ends early (truncated .gz?)"
        case Z_DATA_ERROR:
            message = "corrupt compressed data: \(zlibMessage.isEmpty ? "invalid gzip stream" : zlibMessage)"
        case Z_MEM_ERROR:
            message = "out of memory while decompressing"
        case Z_ERRNO:
            message = "read error: \(describeErrno(errnoValue))"
        default:
            message = "read error: \(zlibMessage.isEmpty ? "zlib error \(code)" : zlibMessage)"
        }
        return TraceError(file: displayName, message: message)
    }
}

/// close(2), reachable from inside types that have a `close()` method of their own.
@discardableResult
func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}
