/// A TOML 1.0.0 reader over UTF-8 bytes: one pass, no backtracking beyond a few bytes of
/// lookahead, recursion only into arrays and inline tables (whose depth the table tree
/// limits), and positions counted incrementally, so any input costs time linear in its
/// length and ends in a table or a ``TOMLError``.
struct TOMLParser {
    /// The document followed by one NUL, which the text itself cannot contain (``validate``
    /// rejects it): reading `b[pos]` at the end gives 0 without a bounds check of our own.
    private let b: [UInt8]
    /// The document's length: `b[end] == 0`.
    private let end: Int
    private var pos = 0
    private var tree = TableTree()

    /// The last position computed: positions are asked for mostly in increasing order, so
    /// counting on from here keeps columns linear on long lines.
    private var cursor = (offset: 0, line: 1, column: 1)

    static func parse(_ bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        var bytes = bytes
        try validate(bytes)
        // A byte-order mark carries no meaning in UTF-8; editors on some systems write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var parser = TOMLParser(bytes)
        try parser.document()
        return parser.tree.table(0)
    }

    private init(_ bytes: [UInt8]) {
        var b = bytes
        b.append(0)
        self.b = b
        end = bytes.count
    }

    // MARK: Encoding and control characters

    /// Checks the whole text before parsing: valid UTF-8, no control characters other than
    /// tab, line feed and a carriage return that starts CR LF. TOML allows no other control
    /// character anywhere (strings spell them as escapes), so the grammar need not check.
    static func validate(_ b: [UInt8]) throws(TOMLError) {
        var i = 0
        var line = 1
        var lineStart = 0
        let n = b.count
        func error(_ message: String) -> TOMLError {
            var column = 1
            for j in lineStart..<i where b[j] & 0xC0 != 0x80 { column += 1 }
            return TOMLError(line: line, column: column, message: message)
        }
        while i < n {
            let c = b[i]
            if c < 0x80 {
                if c >= 0x20 && c != 0x7F || c == 0x09 {
                    i += 1
                } else if c == 0x0A {
                    i += 1
                    line += 1
                    lineStart = i
                } else if c == 0x0D && i + 1 < n && b[i + 1] == 0x0A {
                    i += 2
                    line += 1
                    lineStart = i
                } else if c == 0 {
                    throw error("NUL byte at byte offset \(i): TOML text cannot contain NUL")
                } else if c == 0x0D {
                    throw error("carriage return not followed by a line feed (byte offset \(i))")
                } else {
                    let hex = String(c, radix: 16, uppercase: true)
                    let code = (hex.count == 1 ? "000" : "00") + hex
                    throw error("control character U+\(code) is not allowed (byte offset \(i)); in a string write it as \\u\(code)")
                }
                continue
            }
            // The second byte's range depends on the first, which excludes overlong forms,
            // surrogates (ED A0…BF) and code points above U+10FFFF.
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: throw error("invalid UTF-8 at byte offset \(i)")
            }
            guard i + length <= n, b[i + 1] >= low, b[i + 1] <= high else {
                throw error("invalid UTF-8 at byte offset \(i)")
            }
            for k in 2..<length where b[i + k] & 0xC0 != 0x80 {
                throw error("invalid UTF-8 at byte offset \(i)")
            }
            i += length
        }
    }

    // MARK: Positions and messages

    private mutating func position(_ offset: Int) -> TOMLPosition {
        if offset < cursor.offset { cursor = (0, 1, 1) }
        var (i, line, column) = cursor
        while i < offset {
            let c = b[i]
            if c == 0x0A {
                line += 1
                column = 1
            } else if c & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        cursor = (offset, line, column)
        return TOMLPosition(line: line, column: column)
    }

    private mutating func fail(_ offset: Int, _ message: String) -> TOMLError {
        TOMLError(position(offset), message)
    }

    private func byte(_ i: Int) -> UInt8 { i < b.count ? b[i] : 0 }

    /// What is at `i`, for "found …": `'x'`, `the end of the line`, `the end of the file`.
    private func found(_ i: Int) -> String {
        let c = byte(i)
        switch c {
        case 0: return "the end of the file"
        case .lf, .cr: return "the end of the line"
        case .space: return "a space"
        case .tab: return "a tab"
        case .apostrophe: return "\"'\""
        default:
            let length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
            return "'" + String(decoding: b[i..<min(i + length, end)], as: UTF8.self) + "'"
        }
    }

    // MARK: Document structure

    private mutating func document() throws(TOMLError) {
        var table = 0
        while true {
            skipSpaces()
            switch b[pos] {
            case 0:
                return
            case .lf:
                pos += 1
                continue
            case .cr:
                pos += 2
                continue
            case .hash:
                skipComment()
                continue
            case .openBracket:
                table = try header()
                try endOfLine(after: "the table header")
            default:
                try keyValue(in: table)
                try endOfLine(after: "a value")
            }
        }
    }

    private mutating func skipSpaces() {
        while b[pos] == .space || b[pos] == .tab { pos += 1 }
    }

    /// From `#` to the end of the line (not including it).
    private mutating func skipComment() {
        while b[pos] != .lf && b[pos] != .cr && pos < end { pos += 1 }
    }

    /// Spaces, a comment, then a newline or the end of the file.
    private mutating func endOfLine(after what: String) throws(TOMLError) {
        skipSpaces()
        if b[pos] == .hash { skipComment() }
        switch b[pos] {
        case .lf, .cr, 0: return
        default: throw fail(pos, "expected the end of the line after \(what), found \(found(pos))")
        }
    }

    /// Spaces, newlines and comments, as allowed between array elements.
    private mutating func skipBlank() {
        while true {
            switch b[pos] {
            case .space, .tab, .lf: pos += 1
            case .cr: pos += 2
            case .hash: skipComment()
            default: return
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`; returns the table that the following key/value pairs fill.
    private mutating func header() throws(TOMLError) -> Int {
        let at = position(pos)
        let isArray = byte(pos + 1) == .openBracket
        let opening = isArray ? "[[" : "["
        pos += isArray ? 2 : 1
        skipSpaces()
        guard isKeyStart(b[pos]) else {
            throw fail(pos, "expected a table name after '\(opening)', found \(found(pos))")
        }
        let path = try key()
        if isArray {
            if b[pos] == .closeBracket && byte(pos + 1) != .closeBracket {
                throw fail(pos + 1, "expected ']]' to close the header [\(tableName(path))], found \(found(pos + 1))")
            }
            guard b[pos] == .closeBracket && byte(pos + 1) == .closeBracket else {
                throw fail(pos, "expected '.' or ']]' after \(quotedKey(path)) in the header, found \(found(pos))")
            }
            pos += 2
            return try tree.appendTable(path, at: at)
        }
        guard b[pos] == .closeBracket else {
            throw fail(pos, "expected '.' or ']' after \(quotedKey(path)) in the header, found \(found(pos))")
        }
        pos += 1
        return try tree.defineTable(path, at: at)
    }

    private mutating func keyValue(in table: Int) throws(TOMLError) {
        guard isKeyStart(b[pos]) else {
            throw fail(pos, "expected a key, a [table] header or a comment, found \(found(pos))")
        }
        try keyValuePair(in: table)
    }

    /// `key = value` at `pos`, which starts a key, assigned in `table` (a header's, the
    /// root or an inline table); leaves `pos` after the value.
    private mutating func keyValuePair(in table: Int) throws(TOMLError) {
        let path = try key()
        guard b[pos] == .equals else {
            throw fail(pos, "expected '.' or '=' after the key \(quotedKey(path)), found \(found(pos))")
        }
        pos += 1
        skipSpaces()
        let value = try value(depth: tree.depth(of: table) + path.count)
        try tree.assign(path, value, in: table)
    }

    // MARK: Keys

    private func isKeyStart(_ c: UInt8) -> Bool {
        isBareKeyByte(c) || c == .quote || c == .apostrophe
    }

    /// A simple or dotted key; leaves `pos` after the spaces that follow it.
    private mutating func key() throws(TOMLError) -> [TableTree.Key] {
        var parts: [TableTree.Key] = []
        while true {
            let start = pos
            let name: String
            switch b[pos] {
            case .quote:
                guard !(byte(pos + 1) == .quote && byte(pos + 2) == .quote) else {
                    throw fail(pos, "a key cannot be a multi-line string")
                }
                name = try basicString()
            case .apostrophe:
                guard !(byte(pos + 1) == .apostrophe && byte(pos + 2) == .apostrophe) else {
                    throw fail(pos, "a key cannot be a multi-line string")
                }
                name = try literalString()
            default:
                while isBareKeyByte(b[pos]) { pos += 1 }
                guard pos > start else {
                    throw fail(pos, "expected a key after '.', found \(found(pos))")
                }
                name = String(decoding: b[start..<pos], as: UTF8.self)
            }
            parts.append(TableTree.Key(name: name, position: position(start)))
            guard parts.count <= TableTree.maxDepth else {
                throw fail(start, "a dotted key may have at most \(TableTree.maxDepth) parts")
            }
            skipSpaces()
            guard b[pos] == .dot else { return parts }
            pos += 1
            skipSpaces()
        }
    }

    // MARK: Values

    /// A value whose container is `depth` levels below the root.
    private mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
        let start = pos
        switch b[pos] {
        case .quote:
            let multiline = byte(pos + 1) == .quote && byte(pos + 2) == .quote
            let s = try multiline ? multilineString(.quote) : basicString()
            return TOMLValue(.string(s), at: position(start))
        case .apostrophe:
            let multiline = byte(pos + 1) == .apostrophe && byte(pos + 2) == .apostrophe
            let s = try multiline ? multilineString(.apostrophe) : literalString()
            return TOMLValue(.string(s), at: position(start))
        case .openBracket:
            return try array(depth: depth)
        case .openBrace:
            return try inlineTable(depth: depth)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), .plus, .minus,
             UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return try scalar()
        default:
            throw fail(pos, "expected a value, found \(found(pos))")
        }
    }

    /// Numbers, booleans, dates and times: one token of letters, digits and `_ + - . :`
    /// (plus the space between a date and a time), then classified.
    private mutating func scalar() throws(TOMLError) -> TOMLValue {
        let start = pos
        scanToken()
        // `1979-05-27 07:32:00`: a full date, one space, then a time.
        if pos - start == 10, b[start + 4] == .minus, b[start + 7] == .minus,
           b[pos] == .space, isDigit(byte(pos + 1)), isDigit(byte(pos + 2)), byte(pos + 3) == .colon {
            pos += 1
            scanToken()
        }
        let token = b[start..<pos]
        let at = position(start)
        let text = String(decoding: token, as: UTF8.self)
        switch text {
        case "true": return TOMLValue(.boolean(true), at: at)
        case "false": return TOMLValue(.boolean(false), at: at)
        default: break
        }
        let looksLikeDate = token.count >= 5 && token.prefix(4).allSatisfy(isDigit) && b[start + 4] == .minus
        if looksLikeDate || token.contains(.colon) {
            guard let kind = dateTimeKind(token) else {
                throw TOMLError(at, "invalid date or time '\(escapedForMessage(text, quote: nil))': expected YYYY-MM-DD, HH:MM:SS or both (with T or a space between), fields in range")
            }
            return TOMLValue(.dateTime(TOMLDateTime(kind: kind, text: text)), at: at)
        }
        let first = token.first ?? 0
        if !(isDigit(first) || first == .plus || first == .minus || text == "inf" || text == "nan") {
            throw TOMLError(at, "expected a value, found '\(escapedForMessage(text, quote: nil))' (a string needs quotes)")
        }
        switch number(token) {
        case let .success(kind): return TOMLValue(kind, at: at)
        case let .failure(e): throw TOMLError(at, "invalid number '\(escapedForMessage(text, quote: nil))': \(e.why)")
        }
    }

    private mutating func scanToken() {
        while true {
            switch b[pos] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "A")...UInt8(ascii: "Z"), .underscore, .plus, .minus, .dot, .colon:
                pos += 1
            default:
                return
            }
        }
    }

    /// `[ v, v, … ]`, newlines and comments allowed between elements, a trailing comma too.
    private mutating func array(depth: Int) throws(TOMLError) -> TOMLValue {
        let start = pos
        let at = position(start)
        guard depth <= TableTree.maxDepth else {
            throw TOMLError(at, "tables and arrays are nested more than \(TableTree.maxDepth) levels deep")
        }
        pos += 1
        var elements: [TOMLValue] = []
        while true {
            skipBlank()
            if b[pos] == .closeBracket { break }
            if pos == end {
                throw fail(pos, "expected a value or ']' to close the array begun at line \(at.line), found the end of the file")
            }
            elements.append(try value(depth: depth + 1))
            skipBlank()
            if b[pos] == .closeBracket { break }
            guard b[pos] == .comma else {
                throw fail(pos, "expected ',' or ']' after an array element, found \(found(pos))")
            }
            pos += 1
        }
        pos += 1
        return TOMLValue(.array(elements), at: at)
    }

    /// `{ k = v, k = v }` on one line (TOML 1.0: no newline outside the values, no trailing
    /// comma); complete at its `}`.
    private mutating func inlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        let at = position(pos)
        let node = try tree.beginInline(depth: depth, at: at)
        pos += 1
        skipSpaces()
        if b[pos] == .closeBrace {
            pos += 1
            return TOMLValue(.table(tree.finishInline(node)), at: at)
        }
        while true {
            guard isKeyStart(b[pos]) else {
                throw fail(pos, "expected a key in the inline table, found \(found(pos))\(lineEndInInlineTable())")
            }
            try keyValuePair(in: node)
            skipSpaces()
            switch b[pos] {
            case .comma:
                pos += 1
                skipSpaces()
                if b[pos] == .closeBrace {
                    throw fail(pos, "expected a key after ',' in the inline table, found '}' (TOML 1.0 allows no trailing comma)")
                }
            case .closeBrace:
                pos += 1
                return TOMLValue(.table(tree.finishInline(node)), at: at)
            default:
                throw fail(pos, "expected ',' or '}' in the inline table, found \(found(pos))\(lineEndInInlineTable())")
            }
        }
    }

    /// The likely cause, for an error message, when an inline table meets a line end at
    /// `pos`; empty elsewhere.
    private func lineEndInInlineTable() -> String {
        b[pos] == .lf || b[pos] == .cr ? " (an inline table must be on one line)" : ""
    }

    // MARK: Strings

    /// `"…"` on one line, with escapes.
    private mutating func basicString() throws(TOMLError) -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            let runStart = pos
            while b[pos] != .quote && b[pos] != .backslash && b[pos] != .lf && b[pos] != .cr && pos < end { pos += 1 }
            out.append(contentsOf: b[runStart..<pos])
            switch b[pos] {
            case .quote:
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case .backslash:
                try escape(into: &out)
            default:
                let opened = position(start)
                throw fail(pos, "expected '\"' to close the string begun at column \(opened.column), found \(found(pos))")
            }
        }
    }

    /// `'…'` on one line, taken as written.
    private mutating func literalString() throws(TOMLError) -> String {
        let start = pos
        pos += 1
        while b[pos] != .apostrophe && b[pos] != .lf && b[pos] != .cr && pos < end { pos += 1 }
        guard b[pos] == .apostrophe else {
            let opened = position(start)
            throw fail(pos, "expected \"'\" to close the string begun at column \(opened.column), found \(found(pos))")
        }
        pos += 1
        return String(decoding: b[(start + 1)..<(pos - 1)], as: UTF8.self)
    }

    /// `"""…"""` or `'''…'''`, as `delimiter` is a quote or an apostrophe: newlines allowed,
    /// the first one dropped when it follows the opening quotes. The basic form has
    /// escapes, and a backslash at the end of a line trims the whitespace after it; the
    /// literal form is taken as written.
    private mutating func multilineString(_ delimiter: UInt8) throws(TOMLError) -> String {
        let at = position(pos)
        let escapes = delimiter == .quote
        pos += 3
        skipFirstNewline()
        var out: [UInt8] = []
        while true {
            let runStart = pos
            while b[pos] != delimiter && !(escapes && b[pos] == .backslash) && b[pos] != .cr && pos < end { pos += 1 }
            out.append(contentsOf: b[runStart..<pos])
            switch b[pos] {
            case delimiter:
                if try closeMultiline(delimiter, into: &out) { return String(decoding: out, as: UTF8.self) }
            case .backslash where escapes:
                if isLineEndingBackslash() {
                    skipLineEndingBackslash()
                } else {
                    try escape(into: &out)
                }
            case .cr:
                out.append(.lf)
                pos += 2
            default:
                let closing = escapes ? "'\"\"\"'" : "\"'''\""
                throw fail(pos, "expected \(closing) to close the multi-line string begun at line \(at.line), found the end of the file")
            }
        }
    }

    private mutating func skipFirstNewline() {
        if b[pos] == .lf {
            pos += 1
        } else if b[pos] == .cr {
            pos += 2
        }
    }

    /// At a run of `quote`s inside a multi-line string: fewer than three are content; three
    /// to five close it, the extra one or two being content; six or more are an error.
    private mutating func closeMultiline(_ quote: UInt8, into out: inout [UInt8]) throws(TOMLError) -> Bool {
        let start = pos
        while b[pos] == quote { pos += 1 }
        let run = pos - start
        if run < 3 {
            out.append(contentsOf: repeatElement(quote, count: run))
            return false
        }
        guard run <= 5 else {
            throw fail(start + 5, "too many quotes: at most two may precede the closing three of a multi-line string; escape the others")
        }
        out.append(contentsOf: repeatElement(quote, count: run - 3))
        return true
    }

    /// A backslash followed by optional spaces and then a newline.
    private func isLineEndingBackslash() -> Bool {
        var i = pos + 1
        while b[i] == .space || b[i] == .tab { i += 1 }
        return b[i] == .lf || b[i] == .cr
    }

    /// From the backslash to the next character that is neither whitespace nor a newline.
    private mutating func skipLineEndingBackslash() {
        pos += 1
        while true {
            switch b[pos] {
            case .space, .tab, .lf: pos += 1
            case .cr: pos += 2
            default: return
            }
        }
    }

    /// One escape sequence, at its backslash.
    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        let start = pos
        let c = byte(pos + 1)
        pos += 2
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case .quote: out.append(.quote)
        case .backslash: out.append(.backslash)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = c == UInt8(ascii: "u") ? 4 : 8
            var code: UInt32 = 0
            for k in 0..<digits {
                guard let d = hexValue(byte(pos + k)) else {
                    throw fail(start, "\\\(Character(Unicode.Scalar(c))) must be followed by \(digits) hexadecimal digits")
                }
                code = code << 4 | UInt32(d)
            }
            guard let scalar = Unicode.Scalar(code) else {
                let hex = String(code, radix: 16, uppercase: true)
                throw fail(start, "\\\(Character(Unicode.Scalar(c)))\(String(repeating: "0", count: max(0, digits - hex.count)) + hex) is not a Unicode scalar value (surrogates and values above 10FFFF are not)")
            }
            out.append(contentsOf: String(scalar).utf8)
            pos += digits
        default:
            let what = c > 0x20 && c < 0x7F ? "'\\\(Character(Unicode.Scalar(c)))'" : "'\\' followed by \(found(start + 1))"
            throw fail(start, "invalid escape \(what); TOML 1.0 has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX")
        }
    }
}

// MARK: Numbers and dates

private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

private struct NumberError: Error {
    var why: String
    init(_ why: String) { self.why = why }
}

/// Digits of `radix` with single underscores between them, from `i`; the index after them.
private func digitRun(_ t: ArraySlice<UInt8>, from i: Int, radix: UInt8) -> Result<Int, NumberError> {
    func isDigitOf(_ c: UInt8) -> Bool { hexValue(c).map { $0 < radix } ?? false }
    guard i < t.endIndex, isDigitOf(t[i]) else {
        return .failure(NumberError(i < t.endIndex && t[i] == .underscore ? "an underscore must stand between two digits" : "expected a digit"))
    }
    var j = i + 1
    while j < t.endIndex {
        if isDigitOf(t[j]) {
            j += 1
        } else if t[j] == .underscore {
            guard j + 1 < t.endIndex, isDigitOf(t[j + 1]) else {
                return .failure(NumberError("an underscore must stand between two digits"))
            }
            j += 2
        } else {
            break
        }
    }
    return .success(j)
}

/// An integer or float token: checked against the TOML grammar, then converted; integers
/// must fit in 64 bits, floats must be finite unless written `inf`.
private func number(_ t: ArraySlice<UInt8>) -> Result<TOMLValue.Kind, NumberError> {
    var i = t.startIndex
    let negative = t[i] == .minus
    let signed = negative || t[i] == .plus
    if signed { i += 1 }
    let body = t[i...]
    if body.elementsEqual("inf".utf8) { return .success(.float(negative ? -.infinity : .infinity)) }
    if body.elementsEqual("nan".utf8) { return .success(.float(negative ? -.nan : .nan)) }

    let radix: UInt8? = switch body.count >= 2 && body.first == UInt8(ascii: "0") ? body[i + 1] : 0 {
    case UInt8(ascii: "x"): 16
    case UInt8(ascii: "o"): 8
    case UInt8(ascii: "b"): 2
    default: nil
    }
    if let radix {
        guard !signed else { return .failure(NumberError("a hexadecimal, octal or binary integer cannot have a sign")) }
        let digitsEnd: Int
        switch digitRun(t, from: i + 2, radix: radix) {
        case let .success(e): digitsEnd = e
        case let .failure(e): return .failure(e)
        }
        guard digitsEnd == t.endIndex else { return .failure(NumberError("unexpected '\(Character(Unicode.Scalar(t[digitsEnd])))'")) }
        var value: Int64 = 0
        for c in t[(i + 2)...] where c != .underscore {
            let (shifted, o1) = value.multipliedReportingOverflow(by: Int64(radix))
            let (sum, o2) = shifted.addingReportingOverflow(Int64(hexValue(c) ?? 0))
            guard !o1 && !o2 else { return .failure(NumberError("out of range for a 64-bit integer")) }
            value = sum
        }
        return .success(.integer(value))
    }

    // Decimal: an integer part without leading zeros, then a fraction, an exponent or both
    // for a float.
    let intEnd: Int
    switch digitRun(t, from: i, radix: 10) {
    case let .success(e): intEnd = e
    case let .failure(e): return .failure(e)
    }
    if t[i] == UInt8(ascii: "0") && intEnd > i + 1 {
        return .failure(NumberError("leading zeros are not allowed"))
    }
    var j = intEnd
    var isFloat = false
    if j < t.endIndex && t[j] == .dot {
        isFloat = true
        switch digitRun(t, from: j + 1, radix: 10) {
        case let .success(e): j = e
        case .failure: return .failure(NumberError("a decimal point must be followed by a digit"))
        }
    }
    if j < t.endIndex && (t[j] == UInt8(ascii: "e") || t[j] == UInt8(ascii: "E")) {
        isFloat = true
        j += 1
        if j < t.endIndex && (t[j] == .plus || t[j] == .minus) { j += 1 }
        switch digitRun(t, from: j, radix: 10) {
        case let .success(e): j = e
        case .failure: return .failure(NumberError("an exponent must have digits"))
        }
    }
    guard j == t.endIndex else {
        return .failure(NumberError("unexpected '\(Character(Unicode.Scalar(t[j])))'"))
    }
    let digits = String(decoding: t.lazy.filter { $0 != .underscore }, as: UTF8.self)
    if isFloat {
        guard let v = Double(digits) else { return .failure(NumberError("not a number")) }
        guard v.isFinite else { return .failure(NumberError("out of range for a 64-bit float")) }
        return .success(.float(v))
    }
    guard let v = Int64(digits) else { return .failure(NumberError("out of range for a 64-bit integer")) }
    return .success(.integer(v))
}

/// The kind of a date/time token, or nil when it is not one (wrong shape or a field out of
/// range: month 1…12, day within the month, hour 0…23, minute 0…59, second 0…60).
private func dateTimeKind(_ t: ArraySlice<UInt8>) -> TOMLDateTime.Kind? {
    var i = t.startIndex
    func field(_ n: Int) -> Int? {
        guard i + n <= t.endIndex else { return nil }
        var v = 0
        for k in i..<(i + n) {
            guard isDigit(t[k]) else { return nil }
            v = v * 10 + Int(t[k] - UInt8(ascii: "0"))
        }
        i += n
        return v
    }
    func take(_ c: UInt8) -> Bool {
        guard i < t.endIndex, t[i] == c else { return false }
        i += 1
        return true
    }
    func time() -> Bool {
        guard let h = field(2), h <= 23, take(.colon), let m = field(2), m <= 59,
              take(.colon), let s = field(2), s <= 60 else { return false }
        if take(.dot) {
            let fractionStart = i
            while i < t.endIndex && isDigit(t[i]) { i += 1 }
            if i == fractionStart { return false }
        }
        return true
    }

    var hasDate = false
    if t.count >= 5 && t[i + 4] == .minus {
        guard let year = field(4), take(.minus), let month = field(2), (1...12).contains(month),
              take(.minus), let day = field(2), day >= 1 else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= days else { return nil }
        if i == t.endIndex { return .localDate }
        guard take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")) || take(.space) else { return nil }
        hasDate = true
    }
    guard time() else { return nil }
    if i == t.endIndex { return hasDate ? .localDateTime : .localTime }
    guard hasDate else { return nil }
    if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) {
        return i == t.endIndex ? .offsetDateTime : nil
    }
    guard take(.plus) || take(.minus), let h = field(2), h <= 23, take(.colon),
          let m = field(2), m <= 59, i == t.endIndex else { return nil }
    return .offsetDateTime
}

private extension UInt8 {
    static let tab = UInt8(ascii: "\t")
    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let hash = UInt8(ascii: "#")
    static let plus = UInt8(ascii: "+")
    static let minus = UInt8(ascii: "-")
    static let comma = UInt8(ascii: ",")
    static let dot = UInt8(ascii: ".")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let underscore = UInt8(ascii: "_")
    static let backslash = UInt8(ascii: "\\")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
}
