import Testing
import TOML

/// A document that is not TOML, where the error must point, and words its message must hold.
struct BadDocument: CustomTestStringConvertible, Sendable {
    var text: String
    var line: Int
    var column: Int
    var message: String
    init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        self.text = text
        self.line = line
        self.column = column
        self.message = message
    }
    var testDescription: String { text.debugDescription }
}

private func check(_ bad: BadDocument, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let e = failure(bad.text, sourceLocation: sourceLocation) else { return }
    #expect((e.line, e.column) == (bad.line, bad.column), "\(e)", sourceLocation: sourceLocation)
    #expect(e.message.contains(bad.message), "\(e)", sourceLocation: sourceLocation)
    #expect(e.description == "\(bad.line):\(bad.column): \(e.message)", sourceLocation: sourceLocation)
}

@Suite struct SyntaxErrors {
    /// The inputs that made the previous TOML library abort the process.
    static let formerCrashes: [BadDocument] = [
        BadDocument("[\n", 1, 2, "expected a table name after '[', found the end of the line"),
        BadDocument("[.]\n", 1, 2, "expected a table name after '[', found '.'"),
        BadDocument("[{}]\n", 1, 2, "expected a table name after '[', found '{'"),
        BadDocument("[[\n", 1, 3, "expected a table name after '[[', found the end of the line"),
        BadDocument("[", 1, 2, "expected a table name after '[', found the end of the file"),
        BadDocument("[[", 1, 3, "found the end of the file"),
    ]

    @Test(arguments: formerCrashes) func formerCrashesAreErrors(_ bad: BadDocument) { check(bad) }

    static let structure: [BadDocument] = [
        BadDocument("[a\nb = 1", 1, 3, "expected '.' or ']' after \"a\" in the header, found the end of the line"),
        BadDocument("[a.]", 1, 4, "expected a key after '.', found ']'"),
        BadDocument("[[a]\n", 1, 5, "expected ']]' to close the header [[a]], found the end of the line"),
        BadDocument("[[a b]]\n", 1, 5, "expected '.' or ']]' after \"a\" in the header, found 'b'"),
        BadDocument("[ [a]]", 1, 3, "expected a table name after '[', found '['"),
        BadDocument("[a] b = 1", 1, 5, "expected the end of the line after the table header, found 'b'"),
        BadDocument("a 1", 1, 3, "expected '.' or '=' after the key \"a\", found '1'"),
        BadDocument("a.b\n", 1, 4, "expected '.' or '=' after the key \"a.b\", found the end of the line"),
        BadDocument("a =\n1", 1, 4, "expected a value, found the end of the line"),
        BadDocument("a = 1 2", 1, 7, "expected the end of the line after a value, found '2'"),
        BadDocument("a = \"x\" # ok\nb = \"y\" c", 2, 9, "expected the end of the line after a value, found 'c'"),
        BadDocument("= 1", 1, 1, "expected a key, a [table] header or a comment, found '='"),
        BadDocument("x = 1\n  ] ", 2, 3, "expected a key, a [table] header or a comment, found ']'"),
        BadDocument("a = hello", 1, 5, "expected a value, found 'hello' (a string needs quotes)"),
        BadDocument("a = .5", 1, 5, "expected a value, found '.'"),
        BadDocument("\"\"\"k\"\"\" = 1", 1, 1, "a key cannot be a multi-line string"),
        BadDocument("a = [1, 2", 1, 10, "expected ',' or ']' after an array element, found the end of the file"),
        BadDocument("a = [1,\n", 2, 1, "expected a value or ']' to close the array begun at line 1"),
        BadDocument("a = [1 2]", 1, 8, "expected ',' or ']' after an array element, found '2'"),
        BadDocument("a = [,]", 1, 6, "expected a value, found ','"),
        BadDocument("a = [1,,2]", 1, 8, "expected a value, found ','"),
        BadDocument("a = {x = 1,}", 1, 12, "no trailing comma"),
        BadDocument("a = {x = 1\n}", 1, 11, "(an inline table must be on one line)"),
        BadDocument("a = {\nx = 1}", 1, 6, "expected a key in the inline table, found the end of the line"),
        BadDocument("a = {x = 1 y = 2}", 1, 12, "expected ',' or '}' in the inline table, found 'y'"),
        BadDocument("a = {x = 1, x = 2}", 1, 13, "duplicate key \"x\" (first defined at line 1)"),
    ]

    @Test(arguments: structure) func structureErrors(_ bad: BadDocument) { check(bad) }

    static let strings: [BadDocument] = [
        BadDocument("a = \"abc\nd\"", 1, 9, "expected '\"' to close the string begun at column 5, found the end of the line"),
        BadDocument("a = 'abc", 1, 9, "expected \"'\" to close the string begun at column 5, found the end of the file"),
        BadDocument("a = \"\\q\"", 1, 6, "invalid escape '\\q'"),
        BadDocument("a = \"\\x41\"", 1, 6, "invalid escape '\\x'"),
        BadDocument("a = \"\\ \"", 1, 6, "invalid escape '\\' followed by a space"),
        BadDocument("a = \"\\u12\"", 1, 6, "\\u must be followed by 4 hexadecimal digits"),
        BadDocument("a = \"\\uD800\"", 1, 6, "\\uD800 is not a Unicode scalar value"),
        BadDocument("a = \"\\U00110000\"", 1, 6, "\\U00110000 is not a Unicode scalar value"),
        BadDocument("x = 1\na = \"\"\"\nopen\n", 4, 1, "expected '\"\"\"' to close the multi-line string begun at line 2"),
        BadDocument("a = '''\nopen", 2, 5, "expected \"'''\" to close the multi-line string begun at line 1"),
        BadDocument("a = \"\"\"x\"\"\"\"\"\"", 1, 14, "too many quotes"),
        BadDocument("a = \"\"\"x \\ y\"\"\"", 1, 10, "invalid escape '\\' followed by a space"),
    ]

    @Test(arguments: strings) func stringErrors(_ bad: BadDocument) { check(bad) }

    static let numbers: [BadDocument] = [
        BadDocument("a = 01", 1, 5, "invalid number '01': leading zeros are not allowed"),
        BadDocument("a = -012.5", 1, 5, "leading zeros are not allowed"),
        BadDocument("a = 1__000", 1, 5, "an underscore must stand between two digits"),
        BadDocument("a = 1_", 1, 5, "an underscore must stand between two digits"),
        BadDocument("a = _1", 1, 5, "expected a value, found '_'"),
        BadDocument("a = 1_.5", 1, 5, "an underscore must stand between two digits"),
        BadDocument("a = +0x10", 1, 5, "cannot have a sign"),
        BadDocument("a = 0X10", 1, 5, "invalid number '0X10': unexpected 'X'"),
        BadDocument("a = 0x", 1, 5, "expected a digit"),
        BadDocument("a = 0b102", 1, 5, "unexpected '2'"),
        BadDocument("a = 9223372036854775808", 1, 5, "out of range for a 64-bit integer"),
        BadDocument("a = -9223372036854775809", 1, 5, "out of range for a 64-bit integer"),
        BadDocument("a = 0x8000000000000000", 1, 5, "out of range for a 64-bit integer"),
        BadDocument("a = 0b1" + String(repeating: "0", count: 64), 1, 5, "out of range for a 64-bit integer"),
        BadDocument("a = 1.", 1, 5, "a decimal point must be followed by a digit"),
        BadDocument("a = 1.e5", 1, 5, "a decimal point must be followed by a digit"),
        BadDocument("a = 1e", 1, 5, "an exponent must have digits"),
        BadDocument("a = 1e1000", 1, 5, "out of range for a 64-bit float"),
        BadDocument("a = -", 1, 5, "expected a digit"),
        BadDocument("a = infinity", 1, 5, "expected a value, found 'infinity'"),
        BadDocument("a = True", 1, 5, "expected a value, found 'True'"),
        BadDocument("a = [1, 2]\nb = 0.1.2", 2, 5, "invalid number '0.1.2'"),
    ]

    @Test(arguments: numbers) func numberErrors(_ bad: BadDocument) { check(bad) }

    static let dates: [BadDocument] = [
        BadDocument("d = 2021-02-29", 1, 5, "invalid date or time '2021-02-29'"),
        BadDocument("d = 2021-13-01", 1, 5, "invalid date or time"),
        BadDocument("d = 2021-04-31", 1, 5, "invalid date or time"),
        BadDocument("d = 1979-05-27T24:00:00", 1, 5, "invalid date or time"),
        BadDocument("d = 1979-05-27T07:32", 1, 5, "invalid date or time '1979-05-27T07:32'"),
        BadDocument("d = 07:60:00", 1, 5, "invalid date or time"),
        BadDocument("d = 1979-05-27T07:32:00+24:00", 1, 5, "invalid date or time"),
        BadDocument("d = 07:32:00Z", 1, 5, "invalid date or time"),
        BadDocument("d = 1979-5-27", 1, 5, "invalid date or time"),
        BadDocument("d = 1979-05-27T", 1, 5, "invalid date or time"),
    ]

    @Test(arguments: dates) func dateErrors(_ bad: BadDocument) { check(bad) }
}

@Suite struct DefinitionErrors {
    static let cases: [BadDocument] = [
        BadDocument("a = 1\nb = 2\na = 3", 3, 1, "duplicate key \"a\" (first defined at line 1)"),
        BadDocument("[cache]\nsets = 4\nways = 8\n\nways = 4", 5, 1, "duplicate key \"ways\" (first defined at line 3)"),
        BadDocument("a.b = 1\na.b = 2", 2, 1, "duplicate key \"a.b\" (first defined at line 1)"),
        BadDocument("a = 1\na.b = 2", 2, 1, "\"a\" is already an integer (line 1), not a table"),
        BadDocument("[a]\nx = 1\n[b]\n[a]", 4, 2, "table [a] is defined twice (first at line 1)"),
        BadDocument("[a.b]\n[a]\n[a.b]", 3, 4, "table [a.b] is defined twice (first at line 1)"),
        BadDocument("[a]\nb = 1\n[a.b]", 3, 4, "cannot define table [a.b]: \"a.b\" is already an integer (line 2)"),
        BadDocument("[a.b]\nc = 1\n[a]\nb = 2", 4, 1, "duplicate key \"b\" (first defined at line 1)"),
        BadDocument("a.b.c = 1\n[a.b]", 2, 4, "table [a.b] was already defined by dotted keys at line 1"),
        BadDocument("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 3, "cannot add to table [b.c] with the dotted key \"b.c.t\": it was defined by its header at line 1"),
        BadDocument("a = {b = 1}\n[a]", 2, 2, "cannot define table [a]: \"a\" is already a table (line 1)"),
        BadDocument("a = {b = 1}\n[a.c]", 2, 2, "cannot add to the inline table \"a\" (line 1)"),
        BadDocument("a = {b = 1}\na.c = 2", 2, 1, "cannot add to the inline table \"a\" (line 1)"),
        BadDocument("a = {b.c = 1}\n[a.b.d]", 2, 2, "cannot add to the inline table \"a\""),
        BadDocument("a = {b = {}, b.c = 1}", 1, 14, "cannot add to the inline table \"b\""),
        BadDocument("a = []\n[[a]]", 2, 3, "cannot append to \"a\" with [[a]]: it is an array value (line 1), not an array of tables"),
        BadDocument("a = [{}]\n[a.b]", 2, 2, "cannot add to the array \"a\" (line 1)"),
        BadDocument("[[a]]\n[a]", 2, 2, "[a] is an array of tables (first at line 1); add to it with [[a]]"),
        BadDocument("[a]\n[[a]]", 2, 3, "cannot define [[a]]: [a] is a table (first at line 1), not an array of tables"),
        BadDocument("[t]\n[[t.a]]\n[t]\na.x = 1", 3, 2, "table [t] is defined twice"),
        BadDocument("[[t]]\na.x = 1\n[t.a]", 3, 4, "table [t.a] was already defined by dotted keys at line 2"),
        BadDocument("s = \"x\"\n[s.t]", 2, 2, "\"s\" is already a string (line 1), not a table"),
        BadDocument("d = 1979-05-27\nd.x = 1", 2, 1, "\"d\" is already a local date (line 1), not a table"),
    ]

    @Test(arguments: cases) func redefinitionsAreErrors(_ bad: BadDocument) { check(bad) }
}

@Suite struct EncodingErrors {
    @Test func invalidUTF8NamesTheByteOffsetAndLine() {
        let cases: [(bytes: [UInt8], line: Int, column: Int, offset: Int)] = [
            (Array("a = \"".utf8) + [0x80] + Array("\"".utf8), 1, 6, 5),          // a lone continuation byte
            (Array("a = 1\nb = \"é".utf8) + [0xC0, 0x80, 0x22], 2, 7, 13),           // an overlong NUL
            (Array("# ".utf8) + [0xED, 0xA0, 0x80], 1, 3, 2),                         // a surrogate
            (Array("x = 'é".utf8) + [0xF4, 0x90, 0x80, 0x80], 1, 7, 7),               // above U+10FFFF
            (Array("a = 1\n\n# ".utf8) + [0xE2, 0x82], 3, 3, 9),                      // cut short at the end
            ([0xFF], 1, 1, 0),
        ]
        for c in cases {
            guard let e = failure(c.bytes) else { continue }
            #expect((e.line, e.column) == (c.line, c.column), "\(e)")
            #expect(e.message == "invalid UTF-8 at byte offset \(c.offset)")
        }
    }

    @Test func controlCharactersAndNULAreErrors() {
        let nul = failure(Array("a = 1\nb = \"x".utf8) + [0] + Array("\"".utf8))
        #expect(nul.map { ($0.line, $0.column) } ?? (0, 0) == (2, 7))
        #expect(nul?.message == "NUL byte at byte offset 12: TOML text cannot contain NUL")
        let bell = failure("a = \"ring \u{7}\"")
        #expect(bell?.message.hasPrefix("control character U+0007 is not allowed") == true)
        #expect(bell?.column == 11)
        let del = failure("# comment \u{7F}\n")
        #expect(del?.message.hasPrefix("control character U+007F") == true)
        let cr = failure("a = 1\rb = 2")
        #expect(cr?.message.hasPrefix("carriage return not followed by a line feed") == true)
        #expect(cr.map { ($0.line, $0.column) } ?? (0, 0) == (1, 6))
        let formFeed = failure("a = '''\n\u{C}'''")
        #expect(formFeed.map { ($0.line, $0.column) } ?? (0, 0) == (2, 1))
    }
}
