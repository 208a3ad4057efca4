#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Byte-level helpers shared by the line parsers and writers. The parsers work on
// buffers whose last complete line ends in "\n", so every scan below stops at a
// newline without a bounds check: none of the classes tested here contains "\n"
// except where a function says so.

let asciiTab: UInt8 = 0x09
let asciiNewline: UInt8 = 0x0A
let asciiReturn: UInt8 = 0x0D
let asciiSpace: UInt8 = 0x20
let asciiHash: UInt8 = 0x23
let asciiZero: UInt8 = 0x30

/// Bytes kept readable (and zero) after the end of every line buffer, so that a scan may
/// look a whole word ahead of the newline without a bounds check.
let lineBufferSlack = 16

/// Reads the hex digits at `q` (there must be at least one) into a number and moves `q`
/// past them; nil when the number does not fit in 64 bits (leading zeros are fine).
///
/// The first eight digits are found and converted a word at a time (``hexDigitBytes(_:)``,
/// ``hexValue(ofEightDigits:)``), with no branch on where the field ends; the buffer's
/// slack makes the 8-byte read safe. Longer numbers go on digit by digit.
@inline(__always)
func scanHex(_ q: inout UnsafePointer<UInt8>, hex: UnsafePointer<UInt8>) -> UInt64? {
    let word = UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self))
    let end = lowestNonDigit(word)
    if end != 0 {
        let digits = end.trailingZeroBitCount >> 3
        q += digits
        return hexValue(ofEightDigits: word << UInt64(truncatingIfNeeded: 64 &- 8 &* digits))
    }
    var value = hexValue(ofEightDigits: word)
    q += 8
    // Nine digits or more: the rest one at a time.
    var h = hex[Int(q.pointee)]
    while h < 16 {
        guard value >> 60 == 0 else { return nil }
        value = value << 4 | UInt64(h)
        q += 1
        h = hex[Int(q.pointee)]
    }
    return value
}

/// Eight bytes at once (SWAR): 0x80 in each byte of `word` that is a hex digit (either
/// case), 0 in every other byte. Each byte is compared with the digit and letter ranges by
/// adding offsets that set its top bit past a bound; with the top bits cleared first, no
/// sum carries into the next byte.
@inline(__always)
func hexDigitBytes(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let low = word & (0x7F &* ones)
    let letter = low | (0x20 &* ones)
    let digit = (low &+ 0x50 &* ones) & ~(low &+ 0x46 &* ones)        // 0x30...0x39
    let alpha = (letter &+ 0x1F &* ones) & ~(letter &+ 0x19 &* ones)  // a...f, A...F
    return (digit | alpha) & ~word & (0x80 &* ones)
}

/// The value of eight hex digits, one per byte of `word`, the first (most significant) in
/// the lowest byte. Bytes must be hex digits; a byte of 0 counts as a leading zero only
/// when the digits were shifted up to the top of the word.
@inline(__always)
func hexValue(ofEightDigits word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    // Digit value: the low nibble, plus 9 for letters (bit 6 set).
    var x = (word & (0x0F &* ones)) &+ ((word >> 6) & ones) &* 9
    x = (x & 0x000F_000F_000F_000F) << 4 | (x >> 8) & 0x000F_000F_000F_000F  // pairs
    x = (x & 0x0000_00FF_0000_00FF) << 8 | (x >> 16) & 0x0000_00FF_0000_00FF  // fours
    return (x & 0xFFFF) << 16 | (x >> 32) & 0xFFFF                           // eight
}

/// A hex field read by ``scanPlainHex(_:)``: its value and digit count, and where it ends.
struct PlainHex {
    var value: UInt64
    var digits: Int
    /// The word holding the byte after the digits, and that byte's top bit alone.
    var endWord: UInt64
    var endMarker: UInt64

    /// Whether the byte after the digits is `byte`. Zero-byte detection is exact up to the
    /// first match, and the bytes before the marked one are digits, not `byte`.
    @inline(__always)
    func ends(with byte: UInt8) -> Bool {
        let v = endWord ^ (UInt64(byte) &* 0x0101_0101_0101_0101)
        return (v &- 0x0101_0101_0101_0101) & ~v & endMarker != 0
    }
}

/// Reads 1...15 hex digits at `q` a word at a time, with no branch per byte; nil when `q`
/// holds no digit or 16 or more in a row. Exactly 16 bytes from `q` are read: the caller
/// guarantees they are readable (a line buffer's slack makes that so from any point
/// before the line's newline).
@inline(__always)
func scanPlainHex(_ q: UnsafePointer<UInt8>) -> PlainHex? {
    // Byte i of a word is the i-th character (the first digit lowest).
    let first = UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self))
    let firstEnd = lowestNonDigit(first)
    if firstEnd != 0 {
        let digits = firstEnd.trailingZeroBitCount >> 3
        guard digits > 0 else { return nil }
        let value = hexValue(ofEightDigits: first << UInt64(truncatingIfNeeded: 64 &- 8 &* digits))
        return PlainHex(value: value, digits: digits, endWord: first, endMarker: firstEnd)
    }
    let second = UInt64(littleEndian: UnsafeRawPointer(q + 8).loadUnaligned(as: UInt64.self))
    let secondEnd = lowestNonDigit(second)
    guard secondEnd != 0 else { return nil }
    let rest = secondEnd.trailingZeroBitCount >> 3
    let high = hexValue(ofEightDigits: first)
    let value = rest == 0 ? high
        : high << UInt64(truncatingIfNeeded: 4 &* rest)
            | hexValue(ofEightDigits: second << UInt64(truncatingIfNeeded: 64 &- 8 &* rest))
    return PlainHex(value: value, digits: 8 &+ rest, endWord: second, endMarker: secondEnd)
}

/// The top bit of the lowest byte of `word` that is not a hex digit, alone; 0 when all
/// eight are digits.
@inline(__always)
func lowestNonDigit(_ word: UInt64) -> UInt64 {
    let nonDigits = ~hexDigitBytes(word) & 0x8080_8080_8080_8080
    return nonDigits & (0 &- nonDigits)
}

/// A field separator: space or tab.
@inline(__always)
func isBlank(_ c: UInt8) -> Bool { c == asciiSpace || c == asciiTab }

/// Space, tab, "\n", "\r" or "#": what may follow a field of a text trace.
@inline(__always)
func isTextFieldEnd(_ c: UInt8) -> Bool {
    let mask: UInt64 = 1 << 0x20 | 1 << 0x09 | 1 << 0x0A | 1 << 0x0D | 1 << 0x23
    return c <= 0x23 && (mask >> UInt64(c)) & 1 != 0
}

/// Space, tab, "\n" or "\r": what may follow a field of a din trace (din has no comments).
@inline(__always)
func isDinFieldEnd(_ c: UInt8) -> Bool {
    let mask: UInt64 = 1 << 0x20 | 1 << 0x09 | 1 << 0x0A | 1 << 0x0D
    return c <= 0x20 && (mask >> UInt64(c)) & 1 != 0
}

/// Per-byte lookup tables for the parsers. Table lookups rather than comparisons,
/// because the hex digits and record types of a trace are close to random and a
/// mispredicted branch per byte would cost more than the whole parse.
struct ByteTables: @unchecked Sendable {  // immutable after init
    /// `hex[c]`: the value of hex digit `c` (either case), or 0xFF.
    let hex: UnsafePointer<UInt8>
    /// `dinType[c]`: for a din record type, `form << 4 | AccessKind.rawValue` with form 1
    /// traditional (0-5) and 2 extended (r w i m c v, either case, as Dinero IV reads them);
    /// 0 for anything else.
    let dinType: UnsafePointer<UInt8>
    /// `textOperation[c]`: `AccessKind.rawValue + 1` for R, W and A; 0 for anything else.
    let textOperation: UnsafePointer<UInt8>

    /// Built once per process and never freed.
    static let shared = ByteTables()

    private init() {
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * 256)
        storage.initialize(repeating: 0, count: 3 * 256)
        let hex = storage
        let din = storage + 256
        let op = storage + 512
        for c in 0..<256 { hex[c] = 0xFF }
        for (i, c) in "0123456789".utf8.enumerated() { hex[Int(c)] = UInt8(i) }
        for (i, c) in "abcdef".utf8.enumerated() { hex[Int(c)] = UInt8(10 + i) }
        for (i, c) in "ABCDEF".utf8.enumerated() { hex[Int(c)] = UInt8(10 + i) }
        let traditional: [(Character, AccessKind)] = [
            ("0", .load), ("1", .store), ("2", .fetch), ("3", .load), ("4", .copyBack), ("5", .invalidate)]
        let extended: [(Character, AccessKind)] = [
            ("r", .load), ("w", .store), ("i", .fetch), ("m", .load), ("c", .copyBack), ("v", .invalidate)]
        for (c, kind) in traditional { din[Int(c.asciiValue!)] = 1 << 4 | kind.rawValue }
        for (c, kind) in extended {
            din[Int(c.asciiValue!)] = 2 << 4 | kind.rawValue
            din[Int(c.uppercased().first!.asciiValue!)] = 2 << 4 | kind.rawValue
        }
        for (c, kind) in [("R", AccessKind.load), ("W", .store), ("A", .atomic)] as [(Character, AccessKind)] {
            op[Int(c.asciiValue!)] = kind.rawValue + 1
        }
        self.hex = UnsafePointer(hex)
        dinType = UnsafePointer(din)
        textOperation = UnsafePointer(op)
    }
}

/// Index of the first "\n" at or after `p`; the caller guarantees one exists.
@inline(__always)
func skipToNewline(_ p: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
    var q = p
    while q.pointee != asciiNewline { q += 1 }
    return q
}

/// Writes `value` in lowercase hexadecimal without a prefix; returns the bytes written (1...16).
@inline(__always)
func putHex(_ value: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
    let digits = value == 0 ? 1 : (67 - value.leadingZeroBitCount) >> 2
    var x = value
    var i = digits
    while i > 0 {
        i -= 1
        let d = UInt8(truncatingIfNeeded: x & 15)
        p[i] = d < 10 ? asciiZero &+ d : 0x57 &+ d  // 0x57 + 10 == "a"
        x >>= 4
    }
    return digits
}

/// Writes `value` in decimal; returns the bytes written (1...20).
@inline(__always)
func putDecimal(_ value: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
    var digits = 1
    var probe = value
    while probe >= 10 { probe /= 10; digits += 1 }
    var x = value
    var i = digits
    while i > 0 {
        i -= 1
        p[i] = asciiZero &+ UInt8(truncatingIfNeeded: x % 10)
        x /= 10
    }
    return digits
}

/// A parse failure inside one line: what went wrong and where, as a column from the
/// line start. It carries no strings so that the hot loops never allocate; the reader
/// turns it into a ``TraceError`` with the offending text.
struct LineFault: Error {
    enum Kind {
        case strayCarriageReturn
        // text traces
        case cpu, cpuOutOfRange, operation, textAddress, textSize, textSizeOutOfRange, fifthField
        // din traces
        case dinType, traditionalExpected, extendedExpected, dinAddress, dinSize, dataSizeOutOfRange,
             wholeCacheSizeTooLarge
        // both
        case addressTooLarge, wrapsAround
    }
    var kind: Kind
    var column: Int
    var address: UInt64 = 0
    var size: UInt64 = 0

    @inline(__always)
    init(_ kind: Kind, _ column: Int, address: UInt64 = 0, size: UInt64 = 0) {
        self.kind = kind
        self.column = column
        self.address = address
        self.size = size
    }
}

/// The field that starts at `p`, quoted for an error message, or `end of line` when
/// there is none there. A field ends at a blank, "\r" or "\n", and for text traces
/// (`din` false) also at "#", which starts a comment there.
func describeField(at p: UnsafePointer<UInt8>, din: Bool = false) -> String {
    var q = p
    while din ? !isDinFieldEnd(q.pointee) : !isTextFieldEnd(q.pointee) { q += 1 }
    if q == p { return p.pointee == asciiHash ? "a # comment" : "end of line" }
    let limit = 40
    let count = min(q - p, limit)
    let text = String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    // Control characters would garble a terminal; show them as escapes.
    let shown = text.unicodeScalars.map { scalar -> String in
        scalar.value < 0x20 || scalar.value == 0x7F
            ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
    }.joined()
    return "\"" + shown + (q - p > limit ? "…" : "") + "\""
}

/// The C library's description of an `errno` value.
func describeErrno(_ code: Int32) -> String {
    String(cString: strerror(code))
}
