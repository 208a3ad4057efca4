import Testing
import TOML

@Suite struct Keys {
    @Test func bareQuotedAndDottedKeys() {
        let t = parse("""
            bare_key-1 = 1
            1234 = 2
            "quoted key" = 3
            'literal "key"' = 4
            "" = 5
            a.b.c = 6
            a . b . d = 7
            "x.y".z = 8
            'q'."r" = 9
            "é" = 10
            """)
        #expect(t.map(render) == """
            {bare_key-1 = 1, 1234 = 2, quoted key = 3, literal "key" = 4,  = 5, \
            a = {b = {c = 6, d = 7}}, x.y = {z = 8}, q = {r = 9}, é = 10}
            """)
    }

    @Test func dottedKeysThatLookLikeNumbers() {
        #expect(parse("3.14159 = \"pi\"").map(render) == #"{3 = {14159 = "pi"}}"#)
    }

    @Test func quotedKeysUseEscapes() {
        #expect(parse(#""a\tb\u00E9" = 1"#).map(render) == "{a\tbé = 1}")
    }
}

@Suite struct Tables {
    @Test func headersNestAndMayComeInAnyOrder() {
        let t = parse("""
            top = 0
            [a.b.c]
            x = 1
            [a]
            y = 2
            [a.b]
            z = 3
            [ d . "e f" ]  # spaces and a comment
            w = 4
            """)
        #expect(t.map(render) == #"{top = 0, a = {b = {c = {x = 1}, z = 3}, y = 2}, d = {e f = {w = 4}}}"#)
    }

    @Test func arraysOfTables() {
        let t = parse("""
            [[fruit]]
            name = "apple"
            [fruit.physical]
            color = "red"
            [[fruit.variety]]
            name = "red delicious"
            [[fruit.variety]]
            name = "granny smith"
            [[fruit]]
            name = "banana"
            [[fruit.variety]]
            name = "plantain"
            """)
        #expect(t.map(render) == """
            {fruit = [{name = "apple", physical = {color = "red"}, variety = [{name = "red delicious"}, \
            {name = "granny smith"}]}, {name = "banana", variety = [{name = "plantain"}]}]}
            """)
    }

    @Test func inlineTables() {
        #expect(value("{ x = 1, y.z = 2, s = \"a\" }") == #"{x = 1, y = {z = 2}, s = "a"}"#)
        #expect(value("{}") == "{}")
        #expect(value("{a = {b = {c = [1, {d = 2}]}}}") == "{a = {b = {c = [1, {d = 2}]}}}")
        // A value inside an inline table may span lines.
        #expect(value("{ a = [\n1,\n2], b = \"\"\"x\ny\"\"\" }") == #"{a = [1, 2], b = "x\ny"}"#)
    }

    @Test func dottedKeysMayAddSubTablesLater() {
        let t = parse("""
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true
            [fruit.apple.texture]
            smooth = true
            """)
        #expect(t.map(render) == #"{fruit = {apple = {color = "red", taste = {sweet = true}, texture = {smooth = true}}}}"#)
    }

    @Test func emptyDocumentsAndComments() {
        #expect(parse("").map(render) == "{}")
        #expect(parse("# only a comment\n\n   \t\n# another").map(render) == "{}")
        #expect(parse("\u{FEFF}a = 1").map(render) == "{a = 1}")
        #expect(parse("a = 1\r\nb = 2\r\n").map(render) == "{a = 1, b = 2}")
    }
}

@Suite struct Values {
    @Test func strings() {
        #expect(value(#""plain""#) == #""plain""#)
        #expect(value(#""\b\t\n\f\r\"\\ \u00E9 \U0001F600""#) == "\u{8}\t\n\u{C}\r\"\\ é 😀".debugDescription)
        #expect(value(#"'C:\Users\x'"#) == #"C:\Users\x"#.debugDescription)
        #expect(value("\"tab\there\"") == "\"tab\\there\"")
        #expect(value("\"\"\"\nfirst newline dropped\nsecond kept\"\"\"") == "first newline dropped\nsecond kept".debugDescription)
        #expect(value("\"\"\"one \\\n    two \\  \n\n  three\"\"\"") == "one two three".debugDescription)
        #expect(value("\"\"\"quotes \"\" inside and at the end\"\"\"\"\"") == #"quotes "" inside and at the end"""#.debugDescription)
        #expect(value("'''\nraw \\n 'quoted' ''\n'''") == "raw \\n 'quoted' ''\n".debugDescription)
        #expect(value("''''one quote''''") == "'one quote'".debugDescription)
        #expect(value("\"\"\"crlf\r\nline\"\"\"") == "crlf\nline".debugDescription)
        #expect(value(#""""#) == #""""#)
    }

    @Test func integers() {
        #expect(value("42") == "42")
        #expect(value("+17") == "17")
        #expect(value("-0") == "0")
        #expect(value("1_000_000") == "1000000")
        #expect(value("0xDEAD_beef") == "3735928559")
        #expect(value("0o755") == "493")
        #expect(value("0b1101_0110") == "214")
        #expect(value("0x00ff") == "255")
        #expect(value("9223372036854775807") == "9223372036854775807")
        #expect(value("-9223372036854775808") == "-9223372036854775808")
        #expect(value("0x7FFFFFFFFFFFFFFF") == "9223372036854775807")
    }

    @Test func floats() {
        #expect(value("1.5") == "1.5")
        #expect(value("-0.0") == "-0.0")
        #expect(value("+1e10") == "10000000000.0")
        #expect(value("6.626e-34") == "6.626e-34")
        #expect(value("1_000.000_5") == "1000.0005")
        #expect(value("5E+2_2") == "5e+22")
        #expect(value("0e0") == "0.0")
        #expect(value("inf") == "inf")
        #expect(value("+inf") == "inf")
        #expect(value("-inf") == "-inf")
        #expect(value("nan") == "nan")
        #expect(value("-nan") == "-nan")
        #expect(value("1e-400") == "0.0")
    }

    @Test func booleans() {
        #expect(value("true") == "true")
        #expect(value("false") == "false")
    }

    @Test func datesAndTimes() {
        #expect(value("1979-05-27T07:32:00Z") == "offsetDateTime:1979-05-27T07:32:00Z")
        #expect(value("1979-05-27 00:32:00.999999-07:00") == "offsetDateTime:1979-05-27 00:32:00.999999-07:00")
        #expect(value("1979-05-27t07:32:00z") == "offsetDateTime:1979-05-27t07:32:00z")
        #expect(value("1979-05-27T07:32:00") == "localDateTime:1979-05-27T07:32:00")
        #expect(value("2000-02-29") == "localDate:2000-02-29")
        #expect(value("07:32:00") == "localTime:07:32:00")
        #expect(value("23:59:60.5") == "localTime:23:59:60.5")
        // A date followed by a comment, not by a time.
        #expect(parse("d = 1979-05-27 # birthday").map(render) == "{d = localDate:1979-05-27}")
        let t = parse("d = 1979-05-27T07:32:00+01:30")
        #expect(t?["d"]?.dateTime == TOMLDateTime(kind: .offsetDateTime, text: "1979-05-27T07:32:00+01:30"))
        #expect(t?["d"]?.typeName == "offset date-time")
    }

    @Test func arraysMayMixTypesAndSpanLines() {
        #expect(value("[]") == "[]")
        #expect(value("[ 1, 2.5, \"x\", true, [ ], [1, [2]], {a = 1}, 07:00:00 ]")
                == #"[1, 2.5, "x", true, [], [1, [2]], {a = 1}, localTime:07:00:00]"#)
        #expect(value("[\n  1, # one\n  2,\n  # a comment line\n  3,\n]") == "[1, 2, 3]")
    }

    @Test func accessorsAndTypeNames() throws {
        let t = try #require(parse("s = \"x\"\ni = 1\nf = 1.0\nb = true\na = [1]\n[t]"))
        #expect(t["s"]?.string == "x" && t["s"]?.integer == nil)
        #expect(t["i"]?.integer == 1 && t["i"]?.float == nil)
        #expect(t["f"]?.float == 1.0 && t["b"]?.boolean == true)
        #expect(t["a"]?.array?.count == 1 && t["t"]?.table?.isEmpty == true)
        #expect(t.values.map(\.typeName) == ["string", "integer", "float", "boolean", "array", "table"])
        #expect(t["missing"] == nil)
    }
}

@Suite struct Positions {
    @Test func valuesKnowWhereTheyBegin() throws {
        let t = try #require(parse("""
            a = 1
            [tab]
            \tb =   "x"
            "é" = 'y'   # columns count characters, not bytes
            c = [10,
                 20]
            d.e = { f = 2 }
            [[arr]]
            [[arr]]
            """))
        #expect(t["a"]?.position == TOMLPosition(line: 1, column: 5))
        let tab = try #require(t["tab"])
        #expect(tab.position == TOMLPosition(line: 2, column: 1))
        #expect(tab.table?["b"]?.position == TOMLPosition(line: 3, column: 8))
        #expect(tab.table?["é"]?.position == TOMLPosition(line: 4, column: 7))
        let c = try #require(tab.table?["c"]?.array)
        #expect(c.map(\.position) == [TOMLPosition(line: 5, column: 6), TOMLPosition(line: 6, column: 6)])
        let d = try #require(tab.table?["d"])
        #expect(d.position == TOMLPosition(line: 7, column: 1))
        #expect(d.table?["e"]?.position == TOMLPosition(line: 7, column: 7))
        #expect(d.table?["e"]?.table?["f"]?.position == TOMLPosition(line: 7, column: 13))
        let arr = try #require(t["arr"])
        #expect(arr.position == TOMLPosition(line: 8, column: 1))
        #expect(arr.array?.map(\.position) == [TOMLPosition(line: 8, column: 1), TOMLPosition(line: 9, column: 1)])
    }

    @Test func anImplicitTableIsPlacedWhereItIsDefined() throws {
        let t = try #require(parse("[a.b]\nx = 1\n\n[a]\ny = 2"))
        #expect(t["a"]?.position == TOMLPosition(line: 4, column: 1))
        #expect(t["a"]?.table?["b"]?.position == TOMLPosition(line: 1, column: 1))
    }
}

@Suite struct Order {
    @Test func keysKeepDocumentOrder() {
        let t = parse("""
            zebra = 1
            apple = 2
            mango = 3
            [z]
            [a]
            q = 1
            b = 2
            [m.y]
            [m.x]
            """)
        #expect(t?.keys == ["zebra", "apple", "mango", "z", "a", "m"])
        #expect(t?["a"]?.table?.keys == ["q", "b"])
        #expect(t?["m"]?.table?.keys == ["y", "x"])
    }

    @Test func aTableIsOrderedByItsFirstMention() {
        // `cache` is first named by `cache.ways`, so it comes before `coherence` even
        // though `cache.sets` is written after it.
        let t = parse("cache.ways = 1\ncoherence.protocol = 2\ncache.sets = 3\n")
        #expect(t.map(render) == "{cache = {ways = 1, sets = 3}, coherence = {protocol = 2}}")
        #expect(value("{ z = 1, a = 2, m.k = 3, b = 4 }") == "{z = 1, a = 2, m = {k = 3}, b = 4}")
    }

    @Test func manyKeysKeepTheirOrder() {
        let names = (0..<500).map { "k\(($0 * 7919) % 500)" }
        let t = parse(names.map { "\($0) = 1" }.joined(separator: "\n"))
        #expect(t?.keys == names)
    }
}
