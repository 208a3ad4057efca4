/// The two line forms of Dinero IV's din trace format.
public enum DinForm: String, Sendable, CaseIterable {
    /// `-informat d`: `<type 0-5> <hexaddr>`; the address is rounded down to a multiple
    /// of 4 and every access is 4 bytes.
    case traditional
    /// `-informat D`: `<r|w|i|m|c|v> <hexaddr> <hexsize>` with real sizes.
    case extended
}

/// Reads a Dinero IV din trace (`.din`, optionally gzipped); every access is CPU 0's.
///
/// The first record decides whether the file is traditional or extended din; a later
/// record in the other form is an error. Types map to kinds as 0/r read → load,
/// 1/w write → store, 2/i fetch → fetch, 3/m misc read → load, 4/c copy-back → copyBack,
/// 5/v invalidate → invalidate. As in Dinero IV, extended types may be upper case and
/// fields after the last are ignored. Copies of a reader share one file position.
public struct DinTraceReader: TraceSource {
    private let chunks: LineChunks
    /// 0 until the first record, then 1 traditional or 2 extended (a byte is cheap to test per line).
    private var formCode: UInt8 = 0
    /// The line of the first record, which later errors cite; 0 before it.
    private var firstRecordLine = 0

    /// Opens `path`; `displayName` is what errors print and `chunkSize` the bytes read at a time.
    public init(path: String, displayName: String? = nil, chunkSize: Int = 1 << 20) throws {
        let input = try TraceFileInput(path: path, displayName: displayName)
        chunks = LineChunks(input: input, chunkSize: chunkSize)
    }

    /// The form of the file, known once its first record has been read.
    public var form: DinForm? {
        switch formCode {
        case 1: return .traditional
        case 2: return .extended
        default: return nil
        }
    }

    /// Lines consumed so far, blank lines included.
    public var linesRead: Int { chunks.line }

    public mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        let tables = ByteTables.shared
        // The loop works on locals, stored back however it ends.
        var form = formCode
        var firstRecordLine = self.firstRecordLine
        defer {
            formCode = form
            self.firstRecordLine = firstRecordLine
        }
        return try chunks.read(into: buffer, parseLine: { p, line, slot throws(LineFault) in
            if form == 1 && parsePlainTraditionalDinLine(&p, tables: tables, into: slot) { return true }
            guard try parseDinLine(&p, form: &form, tables: tables, into: slot) else { return false }
            if firstRecordLine == 0 { firstRecordLine = line }
            return true
        }, traceError: { fault, lineStart, file, line in
            dinTraceError(fault, lineStart: lineStart, file: file, line: line, firstRecordLine: firstRecordLine)
        })
    }
}

/// The common traditional din line, exactly `<type 0-5> <1-15 hex digits>\n`, read with
/// word loads and no branch per byte. Returns false, having moved nothing, for any other
/// line (blanks, tabs, `0x`, `\r`, later fields, anything malformed): ``parseDinLine``
/// reads those, and reports the errors.
@inline(__always)
func parsePlainTraditionalDinLine(_ cursor: inout UnsafePointer<UInt8>, tables: ByteTables,
                                  into slot: UnsafeMutablePointer<Access>) -> Bool {
    let p = cursor
    let code = tables.dinType[Int(p[0])]
    guard code >> 4 == 1 && p[1] == asciiSpace else { return false }
    // The line's newline comes after the blank, so the 16 bytes from p + 2 lie within the
    // buffer and its slack.
    guard let address = scanPlainHex(p + 2), address.ends(with: asciiNewline) else { return false }
    // The table holds only valid raw values, so the unchecked conversion is safe.
    slot.pointee = Access(cpu: 0, kind: unsafeBitCast(code & 0x0F, to: AccessKind.self), address: address.value & ~3,
                          size: 4)
    cursor = p + (3 &+ address.digits)
    return true
}

/// Parses the din line at `cursor` and moves `cursor` past its newline. `form` is
/// 0 before the first record (which then sets it), 1 traditional, 2 extended. Returns
/// true and fills `slot` for a record; false for a blank line.
@inline(__always)
func parseDinLine(_ cursor: inout UnsafePointer<UInt8>, form: inout UInt8, tables: ByteTables,
                  into slot: UnsafeMutablePointer<Access>) throws(LineFault) -> Bool {
    let start = cursor
    var q = start
    while isBlank(q.pointee) { q += 1 }
    let type = q.pointee
    if type == asciiNewline { cursor = q + 1; return false }
    if type == asciiReturn && q[1] == asciiNewline { cursor = q + 2; return false }

    // type: a digit 0-5 (traditional) or a letter (extended), then a blank.
    let typeAt = q
    let code = tables.dinType[Int(type)]
    guard code != 0 else {
        throw LineFault(form == 2 ? .extendedExpected : form == 1 ? .traditionalExpected : .dinType, typeAt - start)
    }
    // The table holds only valid raw values, so the unchecked conversion is safe.
    let kind = unsafeBitCast(code & 0x0F, to: AccessKind.self)
    let recordForm = code >> 4
    q += 1
    var c = q.pointee
    guard isBlank(c) else {
        throw isDinFieldEnd(c) ? LineFault(.dinAddress, q - start)
            : LineFault(form == 2 ? .extendedExpected : form == 1 ? .traditionalExpected : .dinType,
                        typeAt - start)
    }
    if recordForm != form {
        guard form == 0 else {
            throw LineFault(form == 1 ? .traditionalExpected : .extendedExpected, typeAt - start)
        }
        form = recordForm
    }
    repeat { q += 1 } while isBlank(q.pointee)

    // address: hex, optional 0x.
    let addressAt = q
    if q.pointee == asciiZero && (q[1] | 0x20) == 0x78 { q += 2 }
    guard tables.hex[Int(q.pointee)] < 16 else { throw LineFault(.dinAddress, addressAt - start) }
    guard let address = scanHex(&q, hex: tables.hex) else { throw LineFault(.addressTooLarge, addressAt - start) }
    c = q.pointee
    guard isDinFieldEnd(c) else { throw LineFault(.dinAddress, addressAt - start) }

    if recordForm == 1 {
        // Traditional: later fields are ignored; Dinero IV aligns to 4 and uses size 4.
        cursor = skipToNewline(q) + 1
        slot.pointee = Access(cpu: 0, kind: kind, address: address & ~3, size: 4)
        return true
    }

    // Extended: a hex size; any later fields are ignored.
    guard isBlank(c) else { throw LineFault(.dinSize, q - start) }
    repeat { q += 1 } while isBlank(q.pointee)
    let sizeAt = q
    if q.pointee == asciiZero && (q[1] | 0x20) == 0x78 { q += 2 }
    var h = tables.hex[Int(q.pointee)]
    guard h < 16 else { throw LineFault(.dinSize, sizeAt - start) }
    var size: UInt64 = 0
    repeat {
        size = min(size << 4 | UInt64(h), 1 << 36)  // saturate: anything this big is too large
        q += 1
        h = tables.hex[Int(q.pointee)]
    } while h < 16
    guard isDinFieldEnd(q.pointee) else { throw LineFault(.dinSize, sizeAt - start) }
    // Later fields are ignored, as Dinero IV's extended reader does.
    cursor = skipToNewline(q) + 1
    if kind.isDataAccess || kind == .fetch {
        guard size >= 1 && size <= UInt64(maximumAccessSize) else {
            throw LineFault(.dataSizeOutOfRange, sizeAt - start, size: size)
        }
    } else {
        // Copy-back and invalidate: 0 means the whole cache; otherwise a byte range.
        guard size <= UInt64(UInt32.max) else { throw LineFault(.wholeCacheSizeTooLarge, sizeAt - start) }
    }
    guard size == 0 || size &- 1 <= ~address else {
        throw LineFault(.wrapsAround, addressAt - start, address: address, size: size)
    }
    slot.pointee = Access(cpu: 0, kind: kind, address: address, size: Int(size))
    return true
}

private let traditionalShape = "\"<type 0-5> <hexaddr>\""
private let extendedShape = "\"<r|w|i|m|c|v> <hexaddr> <hexsize>\""

/// The ``TraceError`` for a fault in the din line at `lineStart`; kept out of line.
@inline(never)
func dinTraceError(_ fault: LineFault, lineStart: UnsafePointer<UInt8>, file: String, line: Int,
                   firstRecordLine: Int) -> TraceError {
    let at = lineStart + fault.column
    let found = describeField(at: at, din: true)
    let typeByte = at.pointee
    let isTraditionalType = typeByte >= 0x30 && typeByte <= 0x35
    let isExtendedType = ByteTables.shared.dinType[Int(typeByte)] >> 4 == 2
    let message: String
    switch fault.kind {
    case .dinType:
        message = "expected a din record type, 0-5 (traditional din) or r, w, i, m, c, v (extended din), "
            + "found \(found)"
    case .traditionalExpected:
        if isExtendedType {
            message = "expected a traditional din record \(traditionalShape) like the file's first record "
                + "(line \(firstRecordLine)), found an extended din record"
        } else {
            message = "expected a traditional din record type 0-5, found \(found)"
        }
    case .extendedExpected:
        if isTraditionalType {
            message = "expected an extended din record \(extendedShape) like the file's first record "
                + "(line \(firstRecordLine)), found a traditional din record"
        } else {
            message = "expected an extended din record type r, w, i, m, c or v (either case), found \(found)"
        }
    case .dinAddress:
        message = "expected a hex address, found \(found)"
    case .dinSize:
        message = "expected a hex size, found \(found)"
    case .dataSizeOutOfRange:
        message = fault.size == 0
            ? "size 0 (the whole cache) is allowed only for c and v records; data sizes are 1...\(maximumAccessSize) (hex 1...1000)"
            : "size must be 1...\(maximumAccessSize) (hex 1...1000), found \(found)"
    case .wholeCacheSizeTooLarge:
        message = "size \(found) is too large: copy-back and invalidate sizes fit in 32 bits"
    default:
        message = sharedLineFaultMessage(fault, found: found) ?? "malformed din line"
    }
    return TraceError(file: file, line: line, message: message)
}
