import Foundation
import Testing
@testable import MTrace

@Suite struct DinTraceReaderTests {
    @Test func traditionalRecords() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/t.din"
            try writeFile(path, """
                0 1003
                1 0x2000 ignored fields here
                2 ABCDEF
                3 0X11
                4 20 0
                \t5  33\t
                0 ffffffffffffffff
                """)
            var reader = try DinTraceReader(path: path)
            #expect(reader.form == nil)
            #expect(try readAll(&reader) == [
                Access(cpu: 0, kind: .load, address: 0x1000, size: 4),
                Access(cpu: 0, kind: .store, address: 0x2000, size: 4),
                Access(cpu: 0, kind: .fetch, address: 0xABCDEC, size: 4),
                Access(cpu: 0, kind: .load, address: 0x10, size: 4),
                Access(cpu: 0, kind: .copyBack, address: 0x20, size: 4),
                Access(cpu: 0, kind: .invalidate, address: 0x30, size: 4),
                Access(cpu: 0, kind: .load, address: 0xFFFF_FFFF_FFFF_FFFC, size: 4),
            ])
            #expect(reader.form == .traditional)
        }
    }

    @Test func extendedRecords() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/e.din"
            try writeFile(path, "r 1003 2\nW 0x10 8 extra fields\ni 400 4\nM 7 1\r\nc 0 0\nV 100 40\nr 0 1000\n"
                + "w fffffffffffff000 1000\t \nC 40 100000\n")
            var reader = try DinTraceReader(path: path)
            #expect(try readAll(&reader) == [
                Access(cpu: 0, kind: .load, address: 0x1003, size: 2),
                Access(cpu: 0, kind: .store, address: 0x10, size: 8),
                Access(cpu: 0, kind: .fetch, address: 0x400, size: 4),
                Access(cpu: 0, kind: .load, address: 7, size: 1),
                Access(cpu: 0, kind: .copyBack, address: 0, size: 0),
                Access(cpu: 0, kind: .invalidate, address: 0x100, size: 0x40),
                Access(cpu: 0, kind: .load, address: 0, size: 4096),
                Access(cpu: 0, kind: .store, address: 0xFFFF_FFFF_FFFF_F000, size: 4096),
                Access(cpu: 0, kind: .copyBack, address: 0x40, size: 0x100000),
            ])
            #expect(reader.form == .extended)
        }
    }

    @Test func blankLinesCRLFAndMissingFinalNewline() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/a.din", "\r\n\n  \n0 10\r\n\n1 20\r\n1 30")
            #expect(try readDin(folder + "/a.din").map(\.address) == [0x10, 0x20, 0x30])
            try writeFile(folder + "/b.din", "\nr 10 4\r\nw 21 2  \r\n\nm 30 1")
            #expect(try readDin(folder + "/b.din").map(\.size) == [4, 2, 1])
        }
    }

    @Test func chunkBoundariesAnywhere() throws {
        try withTemporaryDirectory { folder throws in
            var traditional = ""
            var extended = ""
            var expectedTraditional: [Access] = []
            var expectedExtended: [Access] = []
            for i in 0..<400 {
                let address = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 >> 20
                let type = i % 6
                let kinds: [AccessKind] = [.load, .store, .fetch, .load, .copyBack, .invalidate]
                traditional += "\(type) \(i % 3 == 0 ? "0x" : "")\(String(address, radix: 16)) \(i % 2 == 0 ? "x y" : "")\n"
                expectedTraditional.append(Access(cpu: 0, kind: kinds[type], address: address & ~3, size: 4))
                let size = 1 + i % 4096
                extended += "\(Array("rwimcv")[type]) \(String(address, radix: 16)) \(String(size, radix: 16))\(i % 7 == 0 ? "\r" : "")\n"
                expectedExtended.append(Access(cpu: 0, kind: kinds[type], address: address, size: size))
                if i % 50 == 0 { traditional += "\n"; extended += "\n" }
            }
            for (text, expected) in [(traditional, expectedTraditional), (extended, expectedExtended)] {
                for name in ["c.din", "c.din.gz"] {
                    try writeFile(folder + "/" + name, text)
                    for chunkSize in Array(1...30) + [101, 1 << 20] {
                        #expect(try readDin(folder + "/" + name, chunkSize: chunkSize) == expected)
                    }
                    #expect(try readDin(folder + "/" + name, chunkSize: 5, batchSize: 3) == expected)
                }
            }
        }
    }

    /// Plain lines take the word-at-a-time path and every other shape the general one; both
    /// must read the same records wherever the chunk boundaries fall.
    @Test func plainAndUnusualTraditionalLinesAgree() throws {
        var rng = SplitMix64(seed: 0xD1A)
        var text = ""
        var expected: [Access] = []
        let kinds: [AccessKind] = [.load, .store, .fetch, .load, .copyBack, .invalidate]
        for _ in 0..<3000 {
            let type = Int(rng.next() % 6)
            let (address, hex) = Self.randomAddress(&rng)
            text += Self.randomShape(of: "\(type)", hex, "", &rng) + "\n"
            expected.append(Access(cpu: 0, kind: kinds[type], address: address & ~3, size: 4))
        }
        try Self.expectEveryChunking(text, expected)
    }

    /// Extended din in every shape the reader accepts: sizes, upper-case types, prefixes,
    /// blanks, later fields, and copy-back and invalidate records.
    @Test func plainAndUnusualExtendedLinesAgree() throws {
        var rng = SplitMix64(seed: 0xE7D)
        var text = ""
        var expected: [Access] = []
        let types: [(Character, AccessKind)] = [("r", .load), ("w", .store), ("i", .fetch), ("m", .load),
                                                ("c", .copyBack), ("v", .invalidate)]
        for _ in 0..<3000 {
            let (type, kind) = types[Int(rng.next() % 6)]
            let size = kind.isDataAccess || kind == .fetch ? 1 + Int(rng.next() % 4096) : Int(rng.next() % 300)
            var (address, hex) = Self.randomAddress(&rng)
            if size > 0, address > UInt64.max - UInt64(size - 1) { (address, hex) = (0, "0") }
            let typeText = rng.next() % 3 == 0 ? type.uppercased() : String(type)
            text += Self.randomShape(of: typeText, hex, String(size, radix: 16), &rng) + "\n"
            expected.append(Access(cpu: 0, kind: kind, address: address, size: size))
        }
        try Self.expectEveryChunking(text, expected)
    }

    /// An address of 1...16 significant hex digits, written sometimes in upper case or with
    /// leading zeros (up to 20 digits in all, past the 16 that one word pair holds).
    static func randomAddress(_ rng: inout SplitMix64) -> (UInt64, String) {
        let address = rng.next() >> UInt64(64 - 4 * (1 + Int(rng.next() % 16)))
        var hex = String(address, radix: 16)
        if rng.next() % 3 == 0 { hex = hex.uppercased() }
        if rng.next() % 4 == 0 { hex = String(repeating: "0", count: Int(rng.next() % UInt64(21 - hex.count))) + hex }
        return (address, hex)
    }

    /// A din line `<type> <hex>[ <size>]` in one of its accepted shapes: mostly plain, else
    /// with `0x`, tabs, a later field, "\r" or a leading blank.
    static func randomShape(of type: String, _ hex: String, _ size: String, _ rng: inout SplitMix64) -> String {
        let tail = size.isEmpty ? "" : " " + size
        switch rng.next() % 8 {
        case 0: return "\(type) 0x\(hex)\(tail)"
        case 1: return "\(type)\t\(hex)" + (size.isEmpty ? "" : "\t " + size)
        case 2: return "\(type) \(hex)\(tail) trailing field"
        case 3: return "\(type) \(hex)\(tail)\r"
        case 4: return " \(type) \(hex)\(tail)"
        default: return "\(type) \(hex)\(tail)"
        }
    }

    /// Reads `text` as a din file with chunk sizes from 1 byte to 1 MiB; each must give `expected`.
    static func expectEveryChunking(_ text: String, _ expected: [Access]) throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/p.din", text)
            for chunkSize in [1, 7, 11, 12, 13, 17, 19, 24, 64, 1000, 1 << 20] {
                #expect(try readDin(folder + "/p.din", chunkSize: chunkSize) == expected, "chunk \(chunkSize)")
            }
        }
    }

    static let errorCases: [(first: String, line: String, message: String)] = [
        ("0 10", "w 10 4", #"expected a traditional din record "<type 0-5> <hexaddr>" like the file's first record (line 2), found an extended din record"#),
        ("r 10 4", "0 10", #"expected an extended din record "<r|w|i|m|c|v> <hexaddr> <hexsize>" like the file's first record (line 2), found a traditional din record"#),
        ("0 10", "7 10", #"expected a traditional din record type 0-5, found "7""#),
        ("r 10 4", "x 10 4", #"expected an extended din record type r, w, i, m, c or v (either case), found "x""#),
        ("", "7 10", #"expected a din record type, 0-5 (traditional din) or r, w, i, m, c, v (extended din), found "7""#),
        ("", "X 10 4", #"expected a din record type, 0-5 (traditional din) or r, w, i, m, c, v (extended din), found "X""#),
        ("", "# comment", ##"expected a din record type, 0-5 (traditional din) or r, w, i, m, c, v (extended din), found "#""##),
        ("", "01 10", #"expected a din record type, 0-5 (traditional din) or r, w, i, m, c, v (extended din), found "01""#),
        ("0 10", "0", "expected a hex address, found end of line"),
        ("0 10", "0 xyz", #"expected a hex address, found "xyz""#),
        ("0 10", "0 0x", #"expected a hex address, found "0x""#),
        ("0 10", "0 12#", #"expected a hex address, found "12#""#),
        ("0 10", "0 10000000000000000", #"address "10000000000000000" does not fit in 64 bits"#),
        ("0 10", "0 1234567890abcdefg", #"expected a hex address, found "1234567890abcdefg""#),
        ("0 10", "0 12345678g", #"expected a hex address, found "12345678g""#),
        ("0 10", "0 1\u{80}", "expected a hex address, found"),
        ("r 10 4", "r 10", "expected a hex size, found end of line"),
        ("r 10 4", "r 10 z", #"expected a hex size, found "z""#),
        ("r 10 4", "r 10 0", "size 0 (the whole cache) is allowed only for c and v records; data sizes are 1...4096 (hex 1...1000)"),
        ("r 10 4", "i 10 0", "size 0 (the whole cache) is allowed only for c and v records"),
        ("r 10 4", "w 10 1001", #"size must be 1...4096 (hex 1...1000), found "1001""#),
        ("r 10 4", "c 10 100000000", #"size "100000000" is too large: copy-back and invalidate sizes fit in 32 bits"#),
        ("r 10 4", "w ffffffffffffffff 2", "access at 0xffffffffffffffff of 2 bytes runs past the end of the 64-bit address space"),
        ("r 10 4", "r 10 4z", #"expected a hex size, found "4z""#),
        ("r 10 4", "w 10 2000", #"size must be 1...4096 (hex 1...1000), found "2000""#),
        ("r 10 4", "r fffffffffffffff 2000", #"size must be 1...4096 (hex 1...1000), found "2000""#),
        ("r 10 4", "r fffffffffffffff1 10", "access at 0xfffffffffffffff1 of 16 bytes runs past the end"),
        ("r 10 4", "r 1g 4", #"expected a hex address, found "1g""#),
        ("r 10 4", "R 10 0", "size 0 (the whole cache) is allowed only for c and v records"),
    ]

    @Test(arguments: errorCases)
    func reportsFileLineAndExpectation(_ testCase: (first: String, line: String, message: String)) throws {
        try withTemporaryDirectory { folder throws in
            // Line 1 is blank, line 2 the first record (or blank), line 3 the bad one.
            let text = "\n" + testCase.first + "\n" + testCase.line + "\n"
            for name in ["bad.din", "bad.din.gz"] {
                try writeFile(folder + "/" + name, text)
                for chunkSize in [2, 1 << 20] {
                    var reader = try DinTraceReader(path: folder + "/" + name, displayName: name, chunkSize: chunkSize)
                    let error = traceError { _ = try readAll(&reader) }
                    #expect(error?.file == name)
                    #expect(error?.line == 3)
                    #expect(error?.message.hasPrefix(testCase.message) == true,
                            "got \(error?.message ?? "nothing") for \(testCase.line.debugDescription)")
                    #expect(error?.description.hasPrefix("\(name):3: ") == true)
                }
            }
        }
    }
}

/// `scanHex` and `scanPlainHex` (digits converted a word at a time) against digit-by-digit parsing.
@Suite struct HexScanningTests {
    /// The obvious parser: digits until a non-digit; nil past 64 bits.
    static func reference(_ bytes: [UInt8]) -> (UInt64?, Int) {
        var value: UInt64 = 0
        var i = 0
        while i < bytes.count, let d = Int(String(UnicodeScalar(bytes[i])), radix: 16) {
            if value >> 60 != 0 { return (nil, i) }
            value = value << 4 | UInt64(d)
            i += 1
        }
        return (value, i)
    }

    @Test func agreesWithDigitByDigitParsing() {
        var rng = SplitMix64(seed: 0x4E4)
        let digits = Array("0123456789abcdefABCDEF".utf8)
        let ends = Array(" \t\n\r#gx,".utf8)
        for _ in 0..<20_000 {
            let length = 1 + Int(rng.next() % 20)
            var field = (0..<length).map { _ in digits[Int(rng.next() % UInt64(digits.count))] }
            if rng.next() % 4 == 0 { field.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "0"), count: Int(rng.next() % 6)), at: 0) }
            // The field ends the buffer's lines (slack follows) or is followed by more bytes.
            let tail = rng.next() % 2 == 0 ? [ends[Int(rng.next() % UInt64(ends.count))]] + Array("123456789abcdef0".utf8) : [UInt8(ascii: "\n")]
            let bytes = field + tail
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + lineBufferSlack)
            defer { buffer.deallocate() }
            buffer.initialize(from: bytes, count: bytes.count)
            (buffer + bytes.count).initialize(repeating: 0, count: lineBufferSlack)
            var q = UnsafePointer(buffer)
            let got = scanHex(&q, hex: ByteTables.shared.hex)
            let (expected, consumed) = Self.reference(bytes)
            #expect(got == expected, "\(String(decoding: field, as: UTF8.self))")
            if expected != nil { #expect(q - UnsafePointer(buffer) == consumed, "\(String(decoding: field, as: UTF8.self))") }
            // The plain-line scanner takes 1...15 digits and names the byte after them.
            let plain = scanPlainHex(UnsafePointer(buffer))
            if consumed < 16 {
                #expect(plain?.value == expected && plain?.digits == consumed, "\(String(decoding: field, as: UTF8.self))")
                #expect(plain?.ends(with: bytes[consumed]) == true && plain?.ends(with: 0x2F) == false)
            } else {
                #expect(plain == nil)
            }
        }
    }
}
