import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a trace file, read through zlib: gzip data is inflated and plain files
/// pass through unchanged, so one reader serves `.gz` and raw traces alike.
///
/// Gzip data is inflated ahead on a background thread, so that decompression overlaps
/// parsing. A truncated or corrupt gzip stream is reported as an error, never taken
/// for the end of the trace. Memory use is fixed, whatever the file's length.
public final class TraceFileInput {
    /// The name errors print (the path unless the caller chose another).
    public let displayName: String
    /// Uncompressed bytes delivered so far.
    public private(set) var bytesRead: UInt64 = 0
    /// A plain file, read on the caller's thread.
    private var file: gzFile?
    /// A gzip file, inflated on a background thread.
    private var ahead: InflateAhead?

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
        // gzdirect peeks at the first bytes: 0 means gzip data, worth a thread of its own.
        if gzdirect(handle) == 0, let thread = InflateAhead(file: handle) {
            ahead = thread
        } else {
            file = handle
        }
    }

    deinit {
        if let file { gzclose_r(file) }
        ahead?.stop()
    }

    /// Fills the start of `buffer` and returns the number of bytes written; 0 means the
    /// file has ended cleanly (and is then closed). Throws ``TraceError`` on a read
    /// error or a truncated or corrupt compressed stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let outcome: ReadOutcome
        if let ahead {
            outcome = ahead.read(into: base, count: buffer.count)
        } else if let handle = file {
            outcome = readChunk(handle, into: base, count: buffer.count)
            if case .bytes = outcome {} else { file = nil }  // readChunk closed it
        } else {
            return 0
        }
        switch outcome {
        case .bytes(let count):
            bytesRead &+= UInt64(count)
            return count
        case .end:
            return 0
        case .failed(let failure):
            throw TraceError(file: displayName, message: failure.message)
        }
    }

    /// Closes the file early; later reads return 0.
    public func close() {
        if let file { gzclose_r(file) }
        file = nil
        ahead?.stop()
        ahead = nil
    }
}

/// Why reading stopped early, kept as zlib and the C library reported it.
struct ReadFailure: Error {
    var code: Int32
    var zlibMessage: String
    var errnoValue: Int32

    var message: String {
        switch code {
        case Z_BUF_ERROR:
            return "compressed stream ends early (truncated .gz?)"
        case Z_DATA_ERROR:
            return "corrupt compressed data: \(zlibMessage.isEmpty ? "invalid gzip stream" : zlibMessage)"
        case Z_MEM_ERROR:
            return "out of memory while decompressing"
        case Z_ERRNO:
            return "read error: \(describeErrno(errnoValue))"
        default:
            return "read error: \(zlibMessage.isEmpty ? "zlib error \(code)" : zlibMessage)"
        }
    }
}

enum ReadOutcome {
    case bytes(Int)
    case end
    case failed(ReadFailure)
}

/// One gzread into `base`. At the end of the data, or on a failure, the handle is closed
/// and must not be used again.
func readChunk(_ handle: gzFile, into base: UnsafeMutableRawPointer, count: Int) -> ReadOutcome {
    let got = gzread(handle, base, UInt32(min(count, Int(Int32.max))))
    if got > 0 { return .bytes(Int(got)) }
    // gzread reports a stream that stops mid-member as a plain end of file
    // (Z_BUF_ERROR, so that growing files can be followed); for a trace that is
    // damage, so the error state is checked at every end.
    let savedErrno = errno
    var code: Int32 = Z_OK
    let zlibMessage = gzerror(handle, &code).map { String(cString: $0) } ?? ""
    if got < 0 || code != Z_OK {
        gzclose_r(handle)
        return .failed(ReadFailure(code: code, zlibMessage: zlibMessage, errnoValue: savedErrno))
    }
    let closed = gzclose_r(handle)
    if closed != Z_OK {
        return .failed(ReadFailure(code: closed, zlibMessage: "", errnoValue: errno))
    }
    return .end
}

/// Inflates a gzip file on a background thread into a small ring of buffers, so that
/// decompression (the slow part of reading a `.gz` trace) runs while the caller parses.
///
/// One producer (the thread) and one consumer (``read(into:count:)``), one mutex and one
/// condition variable; the producer only writes the slot at `tail` while the ring is not
/// full, the consumer only reads the slot at `head` while it is not empty.
final class InflateAhead: @unchecked Sendable {
    private static let slotCount = 3
    private static let slotSize = 1 << 20

    private let file: gzFile
    private let storage: UnsafeMutablePointer<UInt8>
    private var counts = [Int](repeating: 0, count: InflateAhead.slotCount)
    private var head = 0
    private var tail = 0
    private var full = 0
    /// Bytes of the head slot already handed out.
    private var offset = 0
    /// Set by the producer when it has read the last byte or failed.
    private var ended = false
    private var failure: ReadFailure?
    /// Set by the consumer to make the producer quit.
    private var stopping = false
    private var joined = false

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var thread = pthread_t(bitPattern: 0)

    /// Starts inflating `file` (which this object then owns), or returns nil if no thread
    /// can be started, in which case the caller still owns `file`.
    init?(file: gzFile) {
        self.file = file
        storage = .allocate(capacity: InflateAhead.slotCount * InflateAhead.slotSize)
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
        var handle = pthread_t()
        #else
        var handle: pthread_t?
        #endif
        let started = pthread_create(&handle, nil, { context in
            #if canImport(Glibc)
            let me = Unmanaged<InflateAhead>.fromOpaque(context!).takeRetainedValue()
            #else
            let me = Unmanaged<InflateAhead>.fromOpaque(context).takeRetainedValue()
            #endif
            me.produce()
            return nil
        }, context)
        guard started == 0 else {
            Unmanaged<InflateAhead>.fromOpaque(context).release()
            joined = true
            return nil
        }
        #if canImport(Glibc)
        thread = handle
        #else
        thread = handle!
        #endif
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
        storage.deallocate()
    }

    /// The producer: fills free slots until the data ends, fails, or the consumer stops it.
    private func produce() {
        pthread_mutex_lock(mutex)
        while true {
            while full == InflateAhead.slotCount && !stopping { pthread_cond_wait(condition, mutex) }
            if stopping {
                pthread_mutex_unlock(mutex)
                gzclose_r(file)
                return
            }
            let slot = tail
            pthread_mutex_unlock(mutex)
            let outcome = readChunk(file, into: storage + slot * InflateAhead.slotSize, count: InflateAhead.slotSize)
            pthread_mutex_lock(mutex)
            switch outcome {
            case .bytes(let count):
                counts[slot] = count
                tail = (tail + 1) % InflateAhead.slotCount
                full += 1
                pthread_cond_broadcast(condition)
            case .end, .failed:
                // readChunk has closed the file.
                if case .failed(let why) = outcome { failure = why }
                ended = true
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
                return
            }
        }
    }

    /// Copies up to `count` inflated bytes to `base`, waiting for the producer if needed.
    func read(into base: UnsafeMutableRawPointer, count: Int) -> ReadOutcome {
        pthread_mutex_lock(mutex)
        while full == 0 && !ended { pthread_cond_wait(condition, mutex) }
        if full == 0 {
            let outcome: ReadOutcome = failure.map { .failed($0) } ?? .end
            pthread_mutex_unlock(mutex)
            return outcome
        }
        let slot = head
        let available = counts[slot] - offset
        let start = offset
        pthread_mutex_unlock(mutex)

        // The slot is the consumer's until it is released below.
        let copied = min(available, count)
        base.copyMemory(from: storage + slot * InflateAhead.slotSize + start, byteCount: copied)

        pthread_mutex_lock(mutex)
        offset += copied
        if offset == counts[slot] {
            offset = 0
            head = (head + 1) % InflateAhead.slotCount
            full -= 1
            pthread_cond_broadcast(condition)
        }
        pthread_mutex_unlock(mutex)
        return .bytes(copied)
    }

    /// Stops the producer (it closes the file) and waits for it. Safe to call twice.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        let mustJoin = !joined
        joined = true
        pthread_mutex_unlock(mutex)
        if mustJoin { pthread_join(thread, nil) }
    }
}

/// close(2), reachable from inside types that have a `close()` method of their own.
@discardableResult
func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}
