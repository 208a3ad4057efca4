import Foundation
import Testing
@testable import MTrace

@Suite struct TextTraceReaderTests {
    @Test func readsEveryFieldForm() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/t.trace"
            try writeFile(path, """
                0 R 0x1000
                1 W 0xABCdef 8
                2 A 4096 4
                \t3\tR\t0x10\t2\t
                0 R 0x0 4096
                3 W 18446744073709551615
                1 R 0xfffffffffffff000 4096
                0 R 007 1

                """)
            #expect(try readText(path) == [
                load(0x1000),
                store(0xABCDEF, cpu: 1, size: 8),
                atomic(4096, cpu: 2, size: 4),
                load(0x10, cpu: 3, size: 2),
                load(0, size: 4096),
                store(UInt64.max, cpu: 3),
                load(0xFFFF_FFFF_FFFF_F000, cpu: 1, size: 4096),
                load(7),
            ])
        }
    }

    @Test func atomicsAreLockedStoresForCoherence() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/a.trace", "0 A 0x40 8\n")
            let access = try #require(try readText(folder + "/a.trace").first)
            #expect(access.kind == .atomic && access.kind.isWrite && access.flags == .locked)
        }
    }

    @Test func commentsBlankLinesAndCRLF() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/c.trace"
            try writeFile(path, "# header\r\n\r\n   \n\t\n0 R 0x10 # trailing\r\n1 W 0x20 4#tight\n"
                + "2 R 0x30#right after the address\n3 W 0x40 2 \r\n# last line, no newline")
            #expect(try readText(path) == [load(0x10), store(0x20, cpu: 1, size: 4), load(0x30, cpu: 2),
                                          store(0x40, cpu: 3, size: 2)])
        }
    }

    @Test func lastLineWithoutNewline() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/n.trace", "0 R 0x10\n1 W 0x20 4")
            #expect(try readText(folder + "/n.trace") == [load(0x10), store(0x20, cpu: 1, size: 4)])
            try writeFile(folder + "/e.trace", "")
            #expect(try readText(folder + "/e.trace").isEmpty)
        }
    }

    /// A trace whose lines straddle every possible chunk boundary reads the same at any chunk size.
    @Test func chunkBoundariesAnywhere() throws {
        try withTemporaryDirectory { folder throws in
            var text = "# a comment that is longer than the smallest chunks by quite a bit\n"
            var expected: [Access] = []
            for i in 0..<300 {
                let cpu = i % 4
                let address = UInt64(i) &* 0x9E37_79B9 % 0x1_0000_0000
                let size = 1 + i % 64
                switch i % 5 {
                case 0: text += "\(cpu) R 0x\(String(address, radix: 16)) \(size)\n"; expected.append(load(address, cpu: cpu, size: size))
                case 1: text += "\(cpu)\tW\t\(address)\t\(size)\r\n"; expected.append(store(address, cpu: cpu, size: size))
                case 2: text += "\(cpu) A 0x\(String(address, radix: 16)) # atomic\n"; expected.append(atomic(address, cpu: cpu))
                case 3: text += "\n  # comment \(i)\n\(cpu) R \(address)\n"; expected.append(load(address, cpu: cpu))
                default: text += "  \(cpu) W 0x\(String(address, radix: 16).uppercased()) \(size)  \n"; expected.append(store(address, cpu: cpu, size: size))
                }
            }
            text += "3 R 0x1"  // no final newline
            expected.append(load(1, cpu: 3))
            for name in ["b.trace", "b.trace.gz"] {
                let path = folder + "/" + name
                try writeFile(path, text)
                for chunkSize in Array(1...40) + [97, 1000, 1 << 20] {
                    #expect(try readText(path, chunkSize: chunkSize) == expected, "chunk size \(chunkSize)")
                }
                for batchSize in [1, 2, 3, 299, 301] {
                    #expect(try readText(path, chunkSize: 13, batchSize: batchSize) == expected)
                }
            }
        }
    }

    @Test func countsLines() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/l.trace", "# one\n0 R 1\n\n0 W 2\n")
            var reader = try TextTraceReader(path: folder + "/l.trace", cpus: 1)
            #expect(try readAll(&reader).count == 2)
            #expect(reader.linesRead == 4)
        }
    }

    /// Plain lines take the word-at-a-time path and every other form the general one; both
    /// must read the same accesses wherever the chunk boundaries fall.
    @Test func plainAndUnusualLinesAgree() throws {
        var rng = SplitMix64(seed: 0x7E47)
        var text = ""
        var expected: [Access] = []
        let operations: [(String, AccessKind)] = [("R", .load), ("W", .store), ("A", .atomic)]
        for _ in 0..<3000 {
            let cpu = Int(rng.next() % 12)
            let (op, kind) = operations[Int(rng.next() % 3)]
            let significant = 1 + Int(rng.next() % 16)
            var address = rng.next() >> UInt64(64 - 4 * significant)
            let size = rng.next() % 4 == 0 ? nil : 1 + Int(rng.next() % 4096)
            if let size, address > UInt64.max - UInt64(size - 1) { address = 0 }
            var hex = String(address, radix: 16)
            if rng.next() % 3 == 0 { hex = hex.uppercased() }
            if rng.next() % 4 == 0 { hex = String(repeating: "0", count: Int(rng.next() % UInt64(21 - hex.count))) + hex }
            let sizeField = size.map { " \($0)" } ?? ""
            var line = "\(cpu) \(op) 0x\(hex)\(sizeField)"
            switch rng.next() % 9 {
            case 0: line = "\(cpu) \(op) \(address)\(sizeField)"  // decimal
            case 1: line = "\(cpu)\t\(op)  0x\(hex)\(sizeField)"
            case 2: line += " # comment"
            case 3: line += "\r"
            case 4: line = "  " + line
            case 5: line = "00\(cpu) \(op) 0x\(hex)\(sizeField)"
            default: break  // plain
            }
            text += line + "\n"
            expected.append(Access(cpu: cpu, kind: kind, address: address, size: size ?? 1,
                                   flags: kind == .atomic ? .locked : []))
        }
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/p.trace", text)
            for chunkSize in [1, 7, 16, 17, 23, 64, 1000, 1 << 20] {
                #expect(try readText(folder + "/p.trace", cpus: 12, chunkSize: chunkSize) == expected, "chunk \(chunkSize)")
            }
        }
    }

    static let errorCases: [(line: String, message: String)] = [
        ("0 X 0x10", #"expected an operation R, W or A, found "X""#),
        ("0 r 0x10", #"expected an operation R, W or A, found "r""#),
        ("0 RW 0x10", #"expected an operation R, W or A, found "RW""#),
        ("0", "expected an operation R, W or A, found end of line"),
        ("0 # no op", "expected an operation R, W or A, found a # comment"),
        ("4 R 0x10", "cpu 4 is out of range: system.cpus is 4"),
        ("99999999999999999999999 R 0x10", "cpu 99999999999999999999999 is out of range: system.cpus is 4"),
        ("x R 0x10", #"expected a CPU number (decimal), found "x""#),
        ("-1 R 0x10", #"expected a CPU number (decimal), found "-1""#),
        ("1x R 0x10", #"expected a CPU number (decimal), found "1x""#),
        ("0 R", "expected an address (0x-prefixed hex or decimal), found end of line"),
        ("0 R 0x", #"expected an address (0x-prefixed hex or decimal), found "0x""#),
        ("0 R 0xg1", #"expected an address (0x-prefixed hex or decimal), found "0xg1""#),
        ("0 R 0X10", #"expected an address (0x-prefixed hex or decimal), found "0X10""#),
        ("0 R 12ab", #"expected an address (0x-prefixed hex or decimal), found "12ab""#),
        ("0 R 0x10000000000000000", #"address "0x10000000000000000" does not fit in 64 bits"#),
        ("0 R 18446744073709551616", #"address "18446744073709551616" does not fit in 64 bits"#),
        ("0 R 0xffffffffffffffff 2",
         "access at 0xffffffffffffffff of 2 bytes runs past the end of the 64-bit address space"),
        ("0 R 0xfffffffffffff001 4096",
         "access at 0xfffffffffffff001 of 4096 bytes runs past the end of the 64-bit address space"),
        ("0 R 0x10 0", "size must be 1...4096, found 0"),
        ("0 R 0x10 4097", "size must be 1...4096, found 4097"),
        ("0 R 0x10 40960", "size must be 1...4096, found 40960"),
        ("0 R 0x1g 4", #"expected an address (0x-prefixed hex or decimal), found "0x1g""#),
        ("0 R 0x123456789abcdef0123 4", #"address "0x123456789abcdef0123" does not fit in 64 bits"#),
        ("12 R 0x10 4", "cpu 12 is out of range: system.cpus is 4"),
        ("0 R 0x10 123456789012345678901234", "size must be 1...4096, found 123456789012345678901234"),
        ("0 R 0x10 0x4", #"expected a size in bytes (decimal 1...4096), found "0x4""#),
        ("0 R 0x10 abc", #"expected a size in bytes (decimal 1...4096), found "abc""#),
        ("0 R 0x10 -4", #"expected a size in bytes (decimal 1...4096), found "-4""#),
        ("0 R 0x10 4 foo", #"unexpected fifth field "foo""#),
        ("0 R 0x10 4 5", #"unexpected fifth field "5""#),
        ("0 R 0x10\r4", "unexpected carriage return inside a line"),
        ("\r0 R 0x10", "unexpected carriage return inside a line"),
        ("0 R 0x10 4\u{0B}", #"expected a size in bytes (decimal 1...4096), found "4\u{b}""#),
    ]

    @Test(arguments: errorCases)
    func reportsFileLineAndExpectation(_ testCase: (line: String, message: String)) throws {
        try withTemporaryDirectory { folder throws in
            // The bad line is line 4, after a record, a comment and a blank line.
            let text = "0 R 0x0\n# comment\n\n" + testCase.line + "\n1 W 0x8\n"
            for name in ["bad.trace", "bad.trace.gz"] {
                try writeFile(folder + "/" + name, text)
                for chunkSize in [3, 1 << 20] {
                    let error = traceError {
                        _ = try readText(folder + "/" + name, chunkSize: chunkSize, displayName: "runs/" + name)
                    }
                    #expect(error?.file == "runs/" + name)
                    #expect(error?.line == 4)
                    #expect(error?.message.hasPrefix(testCase.message) == true,
                            "got \(error?.message ?? "nothing") for \(testCase.line.debugDescription)")
                    #expect(error?.description.hasPrefix("runs/\(name):4: ") == true)
                }
            }
        }
    }

    @Test func errorsAreSticky() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/s.trace", "0 R 1\n0 Q 2\n0 R 3\n")
            var reader = try TextTraceReader(path: folder + "/s.trace", cpus: 1)
            let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 1)
            defer { buffer.deallocate() }
            #expect(try reader.read(into: buffer) == 1)
            let first = traceError { _ = try reader.read(into: buffer) }
            let second = traceError { _ = try reader.read(into: buffer) }
            #expect(first != nil && first == second)
        }
    }

    @Test func overlongLineIsAnError() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/long.trace"
            try writeFile(path, "0 R 1\n#" + String(repeating: "x", count: LineChunks.maximumLineLength + 4097) + "\n")
            let error = traceError { _ = try readText(path, chunkSize: 4096) }
            #expect(error?.line == 2)
            #expect(error?.message.hasPrefix("line is longer than") == true)
            // Long lines below the limit are fine at any chunk size.
            try writeFile(path, "#" + String(repeating: "y", count: 100_000) + "\n0 W 2\n")
            #expect(try readText(path, chunkSize: 16) == [store(2)])
        }
    }

    @Test func truncatedGzipTraceIsNotAShortTrace() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/cut.trace.gz"
            try writeFile(path, (0..<20_000).map { "\($0 % 4) W 0x\(String($0 * 8, radix: 16)) 8\n" }.joined())
            let bytes = try readBytes(path)
            try writeFile(path, Array(bytes[0..<(bytes.count * 2 / 3)]), compress: false)
            let error = traceError { _ = try readText(path, displayName: "cut.trace.gz") }
            #expect(error?.description == "cut.trace.gz: compressed stream ends early (truncated .gz?)")
        }
    }
}
