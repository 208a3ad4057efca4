/// Reads a text trace (`.trace`, optionally gzipped): one access per line,
/// `<cpu> <op> <address> [<size>]`, as defined in the trace specification.
///
/// Fields are separated by spaces or tabs; `op` is `R`, `W` or `A`; the address is
/// `0x`-prefixed hex or decimal; the size is 1...4096 (default 1); `#` starts a comment;
/// blank lines are ignored and CRLF line ends are accepted. Any other input throws a
/// ``TraceError`` naming the file, the line and what was expected. Copies of a reader
/// share one file position.
public struct TextTraceReader: TraceSource {
    private let chunks: LineChunks
    private let cpus: UInt64

    /// Opens `path`; `cpus` is the run's CPU count, 1...65536 (every `cpu` field must be
    /// below it), `displayName` is what errors print, and `chunkSize` the bytes read at a time.
    public init(path: String, displayName: String? = nil, cpus: Int, chunkSize: Int = 1 << 20) throws {
        precondition(cpus >= 1 && cpus <= Int(UInt16.max) + 1, "cpus must be 1...65536")
        let input = try TraceFileInput(path: path, displayName: displayName)
        chunks = LineChunks(input: input, chunkSize: chunkSize)
        self.cpus = UInt64(cpus)
    }

    /// Lines consumed so far, blank and comment lines included.
    public var linesRead: Int { chunks.line }

    public mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        let cpus = self.cpus
        let tables = ByteTables.shared
        return try chunks.read(into: buffer, parseLine: { p, _, slot throws(LineFault) in
            if parsePlainTextLine(&p, cpus: cpus, tables: tables, into: slot) { return true }
            return try parseTextLine(&p, cpus: cpus, tables: tables, into: slot)
        }, traceError: { fault, lineStart, file, line in
            textTraceError(fault, lineStart: lineStart, file: file, line: line, cpus: cpus)
        })
    }
}

/// The kind and flags of an operation from ``ByteTables/textOperation`` (R 1, W 2, A 3).
@inline(__always)
func textAccessKind(_ operation: UInt8) -> (AccessKind, AccessFlags) {
    // The table holds only valid raw values + 1, so the unchecked conversion is safe;
    // .locked for A (3) alone, computed without a branch.
    (unsafeBitCast(operation &- 1, to: AccessKind.self), AccessFlags(rawValue: ((operation >> 1) & operation & 1) << 1))
}

/// The common text line, exactly `<cpu> <R|W|A> 0x<1-15 hex digits>[ <size>]\n` with single
/// spaces, a CPU below `cpus` and a size of 1...4096, read with the address scanned a word
/// at a time. Returns false, having moved nothing, for any other line (blanks, tabs,
/// comments, decimal addresses, `\r`, anything out of range or malformed):
/// ``parseTextLine`` reads those, and reports the errors.
@inline(__always)
func parsePlainTextLine(_ cursor: inout UnsafePointer<UInt8>, cpus: UInt64, tables: ByteTables,
                        into slot: UnsafeMutablePointer<Access>) -> Bool {
    var q = cursor
    var digit = q.pointee &- asciiZero
    guard digit < 10 else { return false }
    var cpu: UInt64 = 0
    repeat {
        cpu = cpu &* 10 &+ UInt64(digit)
        q += 1
        digit = q.pointee &- asciiZero
    } while digit < 10 && cpu < cpus
    // Every byte tested here is before the line's newline, so each read is in the buffer.
    guard cpu < cpus && q[0] == asciiSpace else { return false }
    let operation = tables.textOperation[Int(q[1])]  // kind + 1: R 1, W 2, A 3
    guard operation != 0 && q[2] == asciiSpace && q[3] == asciiZero && q[4] == 0x78 else { return false }
    // The newline comes after "0x", so the 16 bytes the scan reads are in the buffer or its slack.
    guard let field = scanPlainHex(q + 5) else { return false }
    let address = field.value
    q += 5 &+ field.digits
    var size: UInt64 = 1
    if field.ends(with: asciiSpace) {
        q += 1
        digit = q.pointee &- asciiZero
        guard digit < 10 else { return false }
        size = 0
        repeat {
            size = size &* 10 &+ UInt64(digit)
            q += 1
            digit = q.pointee &- asciiZero
        } while digit < 10 && size <= UInt64(maximumAccessSize)
        guard size >= 1 && size <= UInt64(maximumAccessSize) && q.pointee == asciiNewline else { return false }
    } else {
        guard field.ends(with: asciiNewline) else { return false }
    }
    guard size &- 1 <= ~address else { return false }
    let (kind, flags) = textAccessKind(operation)
    slot.pointee = Access(cpu: Int(cpu), kind: kind, address: address, size: Int(size), flags: flags)
    cursor = q + 1
    return true
}

/// Parses the line at `cursor` and moves `cursor` past its newline. Returns true and
/// fills `slot` for an access; returns false for a blank or comment line.
@inline(__always)
func parseTextLine(_ cursor: inout UnsafePointer<UInt8>, cpus: UInt64, tables: ByteTables,
                   into slot: UnsafeMutablePointer<Access>) throws(LineFault) -> Bool {
    let start = cursor
    var q = start
    while isBlank(q.pointee) { q += 1 }
    var c = q.pointee
    if c == asciiNewline { cursor = q + 1; return false }
    if c == asciiHash { cursor = skipToNewline(q) + 1; return false }
    if c == asciiReturn {
        guard q[1] == asciiNewline else { throw LineFault(.strayCarriageReturn, q - start) }
        cursor = q + 2
        return false
    }

    // cpu: decimal.
    let cpuAt = q
    var digit = c &- asciiZero
    guard digit < 10 else { throw LineFault(.cpu, cpuAt - start) }
    let cpu = scanSaturatedDecimal(&q, firstDigit: digit)
    c = q.pointee
    guard isBlank(c) else {
        throw LineFault(isTextFieldEnd(c) ? .operation : .cpu, (isTextFieldEnd(c) ? q : cpuAt) - start)
    }
    guard cpu < cpus else { throw LineFault(.cpuOutOfRange, cpuAt - start) }
    repeat { q += 1 } while isBlank(q.pointee)

    // op
    let operation = tables.textOperation[Int(q.pointee)]  // kind + 1: R 1, W 2, A 3
    guard operation != 0 else { throw LineFault(.operation, q - start) }
    let (kind, flags) = textAccessKind(operation)
    q += 1
    c = q.pointee
    guard isBlank(c) else {
        throw LineFault(isTextFieldEnd(c) ? .textAddress : .operation, (isTextFieldEnd(c) ? q : q - 1) - start)
    }
    repeat { q += 1 } while isBlank(q.pointee)

    // address: 0x-hex or decimal, 64 bits.
    let addressAt = q
    var address: UInt64 = 0
    if q.pointee == asciiZero && q[1] == 0x78 {  // "0x"
        q += 2
        guard tables.hex[Int(q.pointee)] < 16 else { throw LineFault(.textAddress, addressAt - start) }
        guard let hexAddress = scanHex(&q, hex: tables.hex) else { throw LineFault(.addressTooLarge, addressAt - start) }
        address = hexAddress
    } else {
        digit = q.pointee &- asciiZero
        guard digit < 10 else { throw LineFault(.textAddress, addressAt - start) }
        repeat {
            let (times10, o1) = address.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !(o1 || o2) else { throw LineFault(.addressTooLarge, addressAt - start) }
            address = sum
            q += 1
            digit = q.pointee &- asciiZero
        } while digit < 10
    }
    c = q.pointee
    guard isTextFieldEnd(c) else { throw LineFault(.textAddress, addressAt - start) }
    while isBlank(c) { q += 1; c = q.pointee }

    // optional size
    var size: UInt64 = 1
    digit = c &- asciiZero
    if digit < 10 {
        let sizeAt = q
        size = scanSaturatedDecimal(&q, firstDigit: digit)
        c = q.pointee
        guard isTextFieldEnd(c) else { throw LineFault(.textSize, sizeAt - start) }
        guard size >= 1 && size <= UInt64(maximumAccessSize) else {
            throw LineFault(.textSizeOutOfRange, sizeAt - start)
        }
        while isBlank(c) { q += 1; c = q.pointee }
    } else if c != asciiNewline && c != asciiHash && c != asciiReturn {
        throw LineFault(.textSize, q - start)
    }

    // end of line
    if c == asciiNewline {
        cursor = q + 1
    } else if c == asciiHash {
        cursor = skipToNewline(q) + 1
    } else if c == asciiReturn {
        guard q[1] == asciiNewline else { throw LineFault(.strayCarriageReturn, q - start) }
        cursor = q + 2
    } else {
        throw LineFault(.fifthField, q - start)
    }
    // [address, address + size) must stay below 2^64.
    guard size &- 1 <= ~address else { throw LineFault(.wrapsAround, addressAt - start, address: address, size: size) }
    slot.pointee = Access(cpu: Int(cpu), kind: kind, address: address, size: Int(size), flags: flags)
    return true
}

/// Reads the decimal number at `q`, whose first digit's value is `firstDigit`, and moves
/// `q` past its digits. The value saturates at 2^32, so that a huge number is simply out
/// of range rather than an overflow.
@inline(__always)
func scanSaturatedDecimal(_ q: inout UnsafePointer<UInt8>, firstDigit: UInt8) -> UInt64 {
    var value: UInt64 = 0
    var digit = firstDigit
    repeat {
        value = min(value &* 10 &+ UInt64(digit), 1 << 32)
        q += 1
        digit = q.pointee &- asciiZero
    } while digit < 10
    return value
}

/// The ``TraceError`` for a fault in the text-trace line at `lineStart`. Kept out of
/// line: it builds strings, which the parsing loop never does.
@inline(never)
func textTraceError(_ fault: LineFault, lineStart: UnsafePointer<UInt8>, file: String, line: Int,
                    cpus: UInt64) -> TraceError {
    let at = lineStart + fault.column
    let found = describeField(at: at)
    let message: String
    switch fault.kind {
    case .cpu:
        message = "expected a CPU number (decimal), found \(found)"
    case .cpuOutOfRange:
        message = "cpu \(found.dropFirst().dropLast()) is out of range: system.cpus is \(cpus)"
    case .operation:
        message = "expected an operation R, W or A, found \(found)"
    case .textAddress:
        message = "expected an address (0x-prefixed hex or decimal), found \(found)"
    case .textSize:
        message = "expected a size in bytes (decimal 1...\(maximumAccessSize)), found \(found)"
    case .textSizeOutOfRange:
        message = "size must be 1...\(maximumAccessSize), found \(found.dropFirst().dropLast())"
    case .fifthField:
        message = "unexpected fifth field \(found): a line is <cpu> <op> <address> [<size>]"
    default:
        message = sharedLineFaultMessage(fault, found: found) ?? "malformed line"
    }
    return TraceError(file: file, line: line, message: message)
}
