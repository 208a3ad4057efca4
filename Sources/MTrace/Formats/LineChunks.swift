/// Whole lines of a trace file, a large chunk at a time.
///
/// The bytes in `base[position..<limit]` are complete lines, the last of which ends in
/// "\n", so a parser can scan to the next newline without bounds checks. A partial last
/// line is carried to the front of the buffer before the next read, and a final line
/// without a newline gets one. The buffer grows only for a line longer than a chunk,
/// up to ``maximumLineLength``; memory never grows with the length of the trace.
final class LineChunks {
    /// The longest line that may span two chunks; anything longer is surely not a trace.
    static let maximumLineLength = 1 << 20

    let input: TraceFileInput
    /// Bytes requested from the input per read.
    let chunkSize: Int
    private(set) var base: UnsafeMutablePointer<UInt8>
    /// Allocated bytes; one is always kept free for the newline added at the end.
    private var capacity: Int
    /// First byte not yet parsed.
    var position = 0
    /// One past the last "\n" available.
    private(set) var limit = 0
    /// One past the last byte read.
    private var end = 0
    /// Lines parsed so far, so the line at `position` is `line + 1`.
    var line = 0
    private var inputEnded = false

    init(input: TraceFileInput, chunkSize: Int) {
        precondition(chunkSize >= 1, "chunk size must be positive")
        self.input = input
        self.chunkSize = chunkSize
        capacity = chunkSize + 1
        base = Self.allocateBuffer(capacity)
    }

    /// A line buffer of `capacity` bytes and zeroed ``lineBufferSlack`` after them.
    private static func allocateBuffer(_ capacity: Int) -> UnsafeMutablePointer<UInt8> {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + lineBufferSlack)
        (p + capacity).initialize(repeating: 0, count: lineBufferSlack)
        return p
    }

    deinit { base.deallocate() }

    /// The first error the reader met: every later read throws it again rather than
    /// resuming mid-file as if nothing had happened.
    private(set) var failure: TraceError?

    /// Records `error` as the reader's failure and returns it, for throwing.
    func fail(_ error: TraceError) -> TraceError {
        failure = error
        return error
    }

    /// Whether unparsed complete lines are available, refilling when all were parsed;
    /// false at the clean end of the input. Throws the reader's failure, old or new.
    func hasLines() throws -> Bool {
        if let failure { throw failure }
        if position < limit { return true }
        do { return try refill() } catch let error as TraceError { throw fail(error) }
    }

    /// Makes more complete lines available after the parser has consumed all of them
    /// (`position == limit`); returns false once the input is exhausted.
    func refill() throws -> Bool {
        precondition(position == limit, "refill before the available lines were parsed")
        if inputEnded { return false }
        let carried = end - position
        if carried > 0 && position > 0 {
            UnsafeMutableRawPointer(base).copyMemory(from: base + position, byteCount: carried)  // memmove
        }
        end = carried
        position = 0
        limit = 0
        while true {
            if end == capacity - 1 {
                // No newline in a full buffer: one line is longer than a chunk.
                let grown = Self.allocateBuffer(capacity * 2)
                grown.moveInitialize(from: base, count: end)
                base.deallocate()
                base = grown
                capacity *= 2
            }
            let room = min(chunkSize, capacity - 1 - end)
            let got = try input.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: room))
            if got == 0 {
                inputEnded = true
                if end == 0 { return false }
                if base[end - 1] != asciiNewline {
                    base[end] = asciiNewline
                    end += 1
                }
                limit = end
                return true
            }
            let start = end
            end += got
            // Only the bytes just read can hold the last newline: the carried part had none.
            var q = end
            while q > start && base[q - 1] != asciiNewline { q -= 1 }
            if q > start {
                limit = q
                return true
            }
            if end > LineChunks.maximumLineLength {
                throw TraceError(
                    file: input.displayName, line: line + 1,
                    message: "line is longer than \(LineChunks.maximumLineLength) bytes; is this a text trace?")
            }
        }
    }
}

extension LineChunks {
    /// Fills `buffer` from the front with the accesses of the lines that follow, and
    /// returns how many (fewer only at the end of the input); the driver of every
    /// line-based reader. `parseLine` is the format's line parser: it reads the line at its
    /// cursor, number `line` of the file, moves the cursor past the line's newline, and
    /// returns true having filled the slot or false for a line without an access (blank,
    /// comment). A fault it throws becomes, through `traceError` (given the fault and the
    /// line's start, file and number), the reader's failure: thrown now and by every later
    /// read.
    ///
    /// Always inlined, with its non-escaping closures, so that each reader's loop has its
    /// parser compiled into it: no call, context or dispatch per line. (A protocol
    /// conformance would not do: its witness thunk swallows the always-inlined parser and
    /// is then called once per line.)
    @inline(__always)
    func read(into buffer: UnsafeMutableBufferPointer<Access>,
              parseLine: (_ cursor: inout UnsafePointer<UInt8>, _ line: Int,
                          _ slot: UnsafeMutablePointer<Access>) throws(LineFault) -> Bool,
              traceError: (LineFault, _ lineStart: UnsafePointer<UInt8>, _ file: String, _ line: Int) -> TraceError)
        throws -> Int {
        guard let out = buffer.baseAddress else { return 0 }
        let outEnd = out + buffer.count
        var slot = out
        while slot < outEnd {
            guard try hasLines() else { break }
            // Work on locals: class properties in the loop would cost an exclusivity check each.
            let base = UnsafePointer(self.base)
            let limit = base + self.limit
            var p = base + position
            var line = self.line
            var lineStart = p
            do throws(LineFault) {
                while p < limit && slot < outEnd {
                    lineStart = p
                    line &+= 1
                    if try parseLine(&p, line, slot) {
                        slot += 1
                    }
                }
            } catch {
                throw fail(traceError(error, lineStart, input.displayName, line))
            }
            position = p - base
            self.line = line
        }
        return slot - out
    }
}

/// The message for a fault that both line formats report alike (an address too large, an
/// access past the end of the address space, a stray carriage return), where `found` is
/// the quoted field at the fault; nil for a fault of one format's own.
func sharedLineFaultMessage(_ fault: LineFault, found: String) -> String? {
    switch fault.kind {
    case .addressTooLarge:
        return "address \(found) does not fit in 64 bits"
    case .wrapsAround:
        return "access at 0x\(String(fault.address, radix: 16)) of \(fault.size) bytes "
            + "runs past the end of the 64-bit address space"
    case .strayCarriageReturn:
        return "unexpected carriage return inside a line"
    default:
        return nil
    }
}
