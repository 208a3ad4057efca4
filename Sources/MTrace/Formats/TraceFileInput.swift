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
///
/// Gzip data is read as gzip(1) reads it: member after member (`cat a.gz b.gz` is one
/// stream), and anything after the last member that is not another member is an error
/// naming its byte offset in the file. A file whose name ends in `.gz` must hold gzip data:
/// an empty one, or one that does not start with a gzip member, is an error too.
public final class TraceFileInput {
    /// The name errors print (the path unless the caller chose another).
    public let displayName: String
    /// Uncompressed bytes delivered so far.
    public private(set) var bytesRead: UInt64 = 0
    /// A plain file, read on the caller's thread.
    private var file: FileDecoder?
    /// A gzip file, inflated on a background thread.
    private var ahead: InflateAhead?

    /// Opens `path` for reading; `bufferSize` is the compressed input buffer.
    /// Throws ``TraceError`` `cannot open: <reason>` when the file cannot be read, and
    /// for a `.gz` file that is empty or not gzip data.
    public init(path: String, displayName: String? = nil, bufferSize: Int = 256 << 10) throws {
        let name = displayName ?? path
        self.displayName = name
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TraceError(file: name, message: "cannot open: \(describeErrno(errno))")
        }
        var status = stat()
        if fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            closeDescriptor(fd)
            throw TraceError(file: name, message: "cannot open: \(describeErrno(EISDIR))")
        }
        let decoder = FileDecoder(fd: fd, bufferSize: max(bufferSize, 8 << 10),
                                  requireGzip: path.lowercased().hasSuffix(".gz"))
        if let failure = decoder.startFailure {
            throw TraceError(file: name, message: failure.message)
        }
        // Gzip data is worth a thread of its own.
        if decoder.isGzip, let thread = InflateAhead(decoder: decoder) {
            ahead = thread
        } else {
            file = decoder
        }
    }

    deinit {
        file?.close()
        ahead?.stop()
    }

    /// Fills the start of `buffer` and returns the number of bytes written; 0 means the
    /// file has ended cleanly (and is then closed). Throws ``TraceError`` on a read
    /// error, a truncated or corrupt compressed stream, or trailing garbage after it.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let outcome: ReadOutcome
        if let ahead {
            outcome = ahead.read(into: base, count: buffer.count)
        } else if let decoder = file {
            outcome = decoder.read(into: base, count: buffer.count)
            if case .bytes = outcome {} else { file = nil }  // the decoder has closed the file
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
        file?.close()
        file = nil
        ahead?.stop()
        ahead = nil
    }
}

/// Why reading stopped early, kept as zlib and the C library reported it.
struct ReadFailure: Error {
    var code: Int32
    var zlibMessage: String = ""
    var errnoValue: Int32 = 0
    /// For ``trailingGarbage``: the file offset of the first byte that is not gzip data.
    var offset: UInt64 = 0

    /// Not a zlib code: bytes after the last gzip member that do not start another.
    static let trailingGarbage: Int32 = -1000
    /// Not a zlib code: a `.gz` file that is empty.
    static let emptyGzip: Int32 = -1001
    /// Not a zlib code: a `.gz` file that does not start with a gzip member.
    static let notGzip: Int32 = -1002

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
        case Self.trailingGarbage:
            return "trailing garbage after the gzip data, at byte \(offset) of the file (not the start of a gzip member)"
        case Self.emptyGzip:
            return "empty file: a .gz file holds at least one gzip member"
        case Self.notGzip:
            return "not gzip data: a .gz file starts with the gzip magic bytes 1f 8b"
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

/// Reads an open file as raw bytes or, when it starts with the gzip magic, as a sequence
/// of gzip members inflated with zlib. zlib's own gz* reader would silently drop trailing
/// garbage, so the members are walked here.
///
/// At the end of the data, or on a failure, the file is closed and the decoder returns
/// only that outcome again. Used by one thread at a time.
final class FileDecoder: @unchecked Sendable {
    private var fd: Int32
    /// Compressed (or raw) bytes read ahead; `pending` of them from `next` are unused.
    private let input: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var next = 0
    private var pending = 0
    /// The file offset of `input[0]`.
    private var inputOffset: UInt64 = 0
    private var atEndOfFile = false
    /// zlib's state, for gzip data (it must not move, so it is on the heap).
    private var stream: UnsafeMutablePointer<z_stream>? = nil
    private enum State { case member, betweenMembers, finished }
    private var state = State.member
    /// The outcome after the last bytes: kept so that bytes inflated before a failure are
    /// delivered first, and so that an ended decoder keeps saying so.
    private var final: ReadOutcome?
    /// zlib's state is initialised (and must be ended).
    private var streamReady = false

    var isGzip: Bool { stream != nil }
    /// Why the file cannot be read at all (it is then closed): a read error, or a `.gz`
    /// file that is empty or not gzip data.
    private(set) var startFailure: ReadFailure?

    /// Takes over `fd` and looks at the first bytes to tell gzip data from raw bytes.
    init(fd: Int32, bufferSize: Int, requireGzip: Bool) {
        self.fd = fd
        capacity = bufferSize
        input = .allocate(capacity: bufferSize)
        var failure: ReadFailure?
        while pending < 2 && !atEndOfFile && failure == nil { failure = fill() }
        let gzip = pending >= 2 && input[0] == 0x1F && input[1] == 0x8B
        if failure == nil && requireGzip && !gzip {
            failure = ReadFailure(code: pending == 0 ? ReadFailure.emptyGzip : ReadFailure.notGzip)
        }
        stream = failure == nil && gzip ? .allocate(capacity: 1) : nil
        if let stream {
            stream.initialize(to: z_stream())
            // 16 + 15: a gzip wrapper, the largest window.
            let status = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            if status != Z_OK { failure = ReadFailure(code: status) }
            streamReady = status == Z_OK
        }
        if let failure {
            startFailure = failure
            _ = finish(.failed(failure), produced: 0)
        }
    }

    deinit {
        closeFile()
        stream?.deallocate()
        input.deallocate()
    }

    /// Closes the file early; later reads return `.end`.
    func close() {
        if final == nil { final = .end }
        closeFile()
    }

    /// Reads more of the file after the unused input (moved to the front). Returns a
    /// failure for a read error; at the end of the file sets `atEndOfFile`.
    private func fill() -> ReadFailure? {
        if next > 0 {
            if pending > 0 { UnsafeMutableRawPointer(input).copyMemory(from: input + next, byteCount: pending) }
            inputOffset &+= UInt64(next)
            next = 0
        }
        while true {
            let got = readDescriptor(fd, input + pending, capacity - pending)
            if got > 0 {
                pending += got
                return nil
            }
            if got == 0 {
                atEndOfFile = true
                return nil
            }
            if errno != EINTR { return ReadFailure(code: Z_ERRNO, errnoValue: errno) }
        }
    }

    /// Up to `count` bytes of data at `base`, or why there are none.
    func read(into base: UnsafeMutableRawPointer, count: Int) -> ReadOutcome {
        if let final { return finish(final, produced: 0) }
        guard let stream else { return readRaw(into: base, count: count) }
        var produced = 0
        while produced < count {
            switch state {
            case .finished:
                return finish(.end, produced: produced)
            case .betweenMembers:
                // Another member, the end of the file, or garbage.
                if pending < 2 && !atEndOfFile, let failure = fill() { return finish(.failed(failure), produced: produced) }
                if pending < 2 && !atEndOfFile { continue }
                if pending == 0 {
                    state = .finished
                    continue
                }
                if pending >= 2 && input[next] == 0x1F && input[next + 1] == 0x8B {
                    inflateReset(stream)
                    state = .member
                    continue
                }
                if pending == 1 && input[next] == 0x1F {
                    return finish(.failed(ReadFailure(code: Z_BUF_ERROR)), produced: produced)
                }
                let offset = inputOffset &+ UInt64(next)
                return finish(.failed(ReadFailure(code: ReadFailure.trailingGarbage, offset: offset)), produced: produced)
            case .member:
                if pending == 0 {
                    if atEndOfFile { return finish(.failed(ReadFailure(code: Z_BUF_ERROR)), produced: produced) }
                    if let failure = fill() { return finish(.failed(failure), produced: produced) }
                    continue
                }
                let room = Int(UInt32(clamping: count - produced))
                stream.pointee.next_in = input + next
                stream.pointee.avail_in = UInt32(clamping: pending)
                stream.pointee.next_out = (base + produced).assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(room)
                let status = inflate(stream, Z_NO_FLUSH)
                let used = pending - Int(stream.pointee.avail_in)
                let made = room - Int(stream.pointee.avail_out)
                next += used
                pending -= used
                produced += made
                if status == Z_BUF_ERROR && used == 0 && made == 0 {
                    // Input and room were both offered: no progress means the data is bad.
                    return finish(.failed(ReadFailure(code: Z_DATA_ERROR)), produced: produced)
                }
                switch status {
                case Z_STREAM_END:
                    state = .betweenMembers
                    // Hand over what this member gave before looking past its end.
                    if produced > 0 { return .bytes(produced) }
                case Z_OK, Z_BUF_ERROR:
                    break  // more input or more room needed; the loop provides either
                case Z_NEED_DICT:
                    return finish(.failed(ReadFailure(code: Z_DATA_ERROR, zlibMessage: "needs a preset dictionary")),
                                  produced: produced)
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? ""
                    return finish(.failed(ReadFailure(code: status, zlibMessage: message)), produced: produced)
                }
            }
        }
        return .bytes(produced)
    }

    /// Raw bytes: the ones read ahead first, then straight from the file.
    private func readRaw(into base: UnsafeMutableRawPointer, count: Int) -> ReadOutcome {
        if pending == 0 && count < capacity {
            if let failure = fill() { return finish(.failed(failure), produced: 0) }
        }
        if pending > 0 {
            let n = min(pending, count)
            base.copyMemory(from: input + next, byteCount: n)
            next += n
            pending -= n
            return .bytes(n)
        }
        if atEndOfFile { return finish(.end, produced: 0) }
        while true {
            let got = readDescriptor(fd, base, count)
            if got > 0 { return .bytes(got) }
            if got == 0 { return finish(.end, produced: 0) }
            if errno != EINTR { return finish(.failed(ReadFailure(code: Z_ERRNO, errnoValue: errno)), produced: 0) }
        }
    }

    /// Ends the data with `outcome` (closing the file), delivering `produced` bytes first.
    private func finish(_ outcome: ReadOutcome, produced: Int) -> ReadOutcome {
        if final == nil {
            final = outcome
            closeFile()
        }
        return produced > 0 ? .bytes(produced) : outcome
    }

    private func closeFile() {
        if let stream, streamReady { inflateEnd(stream) }
        streamReady = false
        if fd >= 0 { closeDescriptor(fd) }
        fd = -1
    }
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

    private let decoder: FileDecoder
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

    /// Starts inflating with `decoder` (which only the thread then uses), or returns nil if
    /// no thread can be started, in which case the caller may still use `decoder`.
    init?(decoder: FileDecoder) {
        self.decoder = decoder
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
                decoder.close()
                return
            }
            let slot = tail
            pthread_mutex_unlock(mutex)
            let outcome = decoder.read(into: storage + slot * InflateAhead.slotSize, count: InflateAhead.slotSize)
            pthread_mutex_lock(mutex)
            switch outcome {
            case .bytes(let count):
                counts[slot] = count
                tail = (tail + 1) % InflateAhead.slotCount
                full += 1
                pthread_cond_broadcast(condition)
            case .end, .failed:
                // The decoder has closed the file.
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

/// read(2), reachable from inside types that have a `read` method of their own.
func readDescriptor(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, base, count)
}

/// close(2), reachable from inside types that have a `close()` method of their own.
@discardableResult
func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}
