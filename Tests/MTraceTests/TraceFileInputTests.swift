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
