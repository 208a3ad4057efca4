import Foundation
import Testing
@testable import MTrace

@Suite struct TraceFileInputTests {
    private func readAllBytes(_ input: TraceFileInput, chunk: Int = 7) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
            if count == 0 { return result }
            result += buffer[0..<count]
        }
    }

    @Test func readsPlainAndGzipFilesAlike() throws {
        try withTemporaryDirectory { folder throws in
            let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            for name in ["plain.bin", "packed.bin.gz"] {
                try writeFile(folder + "/" + name, bytes)
                let input = try TraceFileInput(path: folder + "/" + name)
                #expect(try readAllBytes(input) == bytes)
                #expect(input.bytesRead == 10_000)
                // The end is sticky.
                #expect(try readAllBytes(input).isEmpty)
            }
        }
    }

    /// Gzip data is inflated on a background thread; stopping early must neither hang
    /// nor lose the bytes already delivered.
    @Test func gzipInputCanStopAnywhere() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/big.gz"
            let bytes = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) }
            try writeFile(path, bytes)
            for prefix in [0, 1, 1 << 20, 3 << 20] {
                let input = try TraceFileInput(path: path)
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                var seen = 0
                while seen < prefix {
                    let count = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
                    #expect(buffer[0..<count].elementsEqual(bytes[seen..<(seen + count)]))
                    seen += count
                }
                if prefix == 1 << 20 {
                    input.close()
                    #expect(try buffer.withUnsafeMutableBytes { try input.read(into: $0) } == 0)
                }
            }
            #expect(try readAllBytes(TraceFileInput(path: path), chunk: 100_000) == bytes)
        }
    }

    @Test func emptyFileIsEmpty() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/empty", [])
            #expect(try readAllBytes(TraceFileInput(path: folder + "/empty")).isEmpty)
        }
    }

    @Test func missingFileCannotBeOpened() throws {
        try withTemporaryDirectory { folder throws in
            let error = traceError { _ = try TraceFileInput(path: folder + "/absent.trace", displayName: "absent.trace") }
            #expect(error?.file == "absent.trace")
            #expect(error?.message == "cannot open: No such file or directory")
            #expect(error?.description == "absent.trace: cannot open: No such file or directory")
        }
    }

    @Test func directoryCannotBeOpened() throws {
        try withTemporaryDirectory { folder throws in
            let error = traceError { _ = try TraceFileInput(path: folder) }
            #expect(error?.message == "cannot open: Is a directory")
        }
    }

    @Test func truncatedGzipIsAnError() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/cut.gz"
            let text = (0..<5000).map { "0 R 0x\(String($0 * 64, radix: 16))\n" }.joined()
            try writeFile(path, text)
            let whole = try readBytes(path)
            for cut in [10, whole.count / 2, whole.count - 4] {
                try writeFile(folder + "/short.gz", Array(whole[0..<cut]), compress: false)
                let input = try TraceFileInput(path: folder + "/short.gz", displayName: "short.gz")
                let error = traceError { _ = try readAllBytes(input, chunk: 4096) }
                #expect(error?.message == "compressed stream ends early (truncated .gz?)")
                #expect(error?.file == "short.gz")
            }
        }
    }

    @Test func corruptGzipIsAnError() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/bad.gz"
            try writeFile(path, (0..<5000).map { "1 W \($0)\n" }.joined())
            var bytes = try readBytes(path)
            // Damage the stored CRC-32 of the trailer: the data inflates but does not check.
            bytes[bytes.count - 6] ^= 0xFF
            try writeFile(path, bytes, compress: false)
            let error = traceError { _ = try readAllBytes(TraceFileInput(path: path), chunk: 1 << 16) }
            #expect(error?.message.hasPrefix("corrupt compressed data") == true)
        }
    }
}

/// Gzip files read as gzip(1) reads them: every member of a multi-member file, and nothing
/// else: an empty `.gz` file and bytes after the last member are errors.
extension TraceFileInputTests {
    /// `bytes` as one gzip member.
    private func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/m.gz", bytes)
            return try readBytes(folder + "/m.gz")
        }
    }

    private func data(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        // Compressible but not trivially: short random runs.
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next() % 16) }
    }

    @Test func zeroByteGzipFileIsAnError() throws {
        try withTemporaryDirectory { folder throws in
            for name in ["empty.gz", "empty.trace.GZ", "empty.mtrace.gz"] {
                try writeFile(folder + "/" + name, [], compress: false)
                let error = traceError { _ = try TraceFileInput(path: folder + "/" + name, displayName: name) }
                #expect(error?.description == "\(name): empty file: a .gz file holds at least one gzip member")
            }
            // Through the log reader too.
            let error = traceError { _ = try MTraceLogReader(path: folder + "/empty.mtrace.gz", displayName: "l.mtrace.gz") }
            #expect(error?.description == "l.mtrace.gz: empty file: a .gz file holds at least one gzip member")
            // An empty gzip member is an empty trace, and an empty file not named .gz is too.
            try writeFile(folder + "/member.gz", [])
            #expect(try readBytes(folder + "/member.gz").count == 20)
            #expect(try readAllBytes(TraceFileInput(path: folder + "/member.gz")).isEmpty)
        }
    }

    @Test func gzipFileThatIsNotGzipDataIsAnError() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/plain.trace.gz", Array("0 R 0x10\n".utf8), compress: false)
            let error = traceError { _ = try TraceFileInput(path: folder + "/plain.trace.gz", displayName: "p.gz") }
            #expect(error?.description == "p.gz: not gzip data: a .gz file starts with the gzip magic bytes 1f 8b")
        }
    }

    @Test func concatenatedMembersAreReadWhole() throws {
        try withTemporaryDirectory { folder throws in
            let parts = [data(300_000, seed: 1), [], data(5, seed: 2), data(1_000_000, seed: 3)]
            let file = try parts.flatMap { try gzip($0) }
            try writeFile(folder + "/cat.gz", file, compress: false)
            for chunk in [7, 4096, 1 << 20] {
                for bufferSize in [8 << 10, 256 << 10] {
                    let input = try TraceFileInput(path: folder + "/cat.gz", bufferSize: bufferSize)
                    #expect(try readAllBytes(input, chunk: chunk) == parts.flatMap { $0 }, "chunk \(chunk), buffer \(bufferSize)")
                }
            }
            // gzip(1) agrees, where it is installed.
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip") {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
                process.arguments = ["-t", folder + "/cat.gz"]
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0)
            }
        }
    }

    @Test func trailingGarbageIsAnErrorNamingItsOffset() throws {
        try withTemporaryDirectory { folder throws in
            let first = data(400_000, seed: 4), second = data(1000, seed: 5)
            let members = try gzip(first) + gzip(second)
            let garbage: [[UInt8]] = [Array("junk".utf8), [0, 0, 0, 0], [0x1F, 0x8C], [0x8B], [0]]
            for tail in garbage {
                try writeFile(folder + "/g.gz", members + tail, compress: false)
                for bufferSize in [8 << 10, 256 << 10] {
                    let input = try TraceFileInput(path: folder + "/g.gz", displayName: "g.gz", bufferSize: bufferSize)
                    var delivered: [UInt8] = []
                    let error = traceError {
                        var buffer = [UInt8](repeating: 0, count: 65536)
                        while true {
                            let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
                            if n == 0 { break }
                            delivered += buffer[0..<n]
                        }
                    }
                    #expect(error?.description == "g.gz: trailing garbage after the gzip data, at byte \(members.count) "
                        + "of the file (not the start of a gzip member)")
                    // Everything before the garbage was delivered first.
                    #expect(delivered == first + second)
                    // The error is sticky.
                    #expect(throws: TraceError.self) { _ = try readAllBytes(input) }
                }
            }
            // A lone first magic byte at the end is a member cut short.
            try writeFile(folder + "/h.gz", members + [0x1F], compress: false)
            let cut = traceError { _ = try readAllBytes(TraceFileInput(path: folder + "/h.gz")) }
            #expect(cut?.message == "compressed stream ends early (truncated .gz?)")
            // A second member with a broken header is corrupt data.
            try writeFile(folder + "/i.gz", members + [0x1F, 0x8B, 99, 0, 0, 0, 0, 0, 0, 3], compress: false)
            let bad = traceError { _ = try readAllBytes(TraceFileInput(path: folder + "/i.gz")) }
            #expect(bad?.message == "corrupt compressed data: unknown compression method")
        }
    }

    @Test func trailingGarbageAfterAnMTraceLogIsAnError() throws {
        try withTemporaryDirectory { folder throws in
            let writer = try MTraceLogWriter(path: folder + "/l.mtrace")
            for i in 0..<100 {
                try writer.writeAccess(Access(cpu: i % 2, kind: .store, address: UInt64(i) * 8, size: 8, pc: 0x40),
                                       accessCount: UInt64(i))
            }
            try writer.finish()
            let log = try readBytes(folder + "/l.mtrace")
            let members = try gzip(Array(log[0..<1000])) + gzip(Array(log[1000...]))
            try writeFile(folder + "/l.mtrace.gz", members + Array("\n".utf8), compress: false)
            let reader = try MTraceLogReader(path: folder + "/l.mtrace.gz", displayName: "l.mtrace.gz")
            let error = traceError { while try reader.next() != nil {} }
            #expect(error?.description == "l.mtrace.gz: byte \(log.count): trailing garbage after the gzip data, at byte "
                + "\(members.count) of the file (not the start of a gzip member)")
            // Without the garbage, both members make the whole log.
            try writeFile(folder + "/l.mtrace.gz", members, compress: false)
            let whole = try MTraceLogReader(path: folder + "/l.mtrace.gz")
            var accesses = 0
            while let record = try whole.next() { if case .access = record.entry { accesses += 1 } }
            #expect(accesses == 100)
        }
    }
}
