import Foundation
import Testing
@testable import Scan
@testable import MTrace

@Suite struct ScanBadInputTests {
    private func goodLog() -> SpecLog {
        var log = SpecLog()
        log.machine(cpus: 2)
        log.label("a", at: 0x100, bytes: 8)
        log.store(cpu: 0, 0x100)
        log.load(cpu: 1, 0x100)
        return log
    }

    @Test func aDamagedLogIsAnErrorWithItsOffsetUnlessPartialIsAsked() throws {
        var log = goodLog()
        let cut = log.bytes.count
        log.store(cpu: 1, 0x100)
        let bytes = Array(log.bytes.prefix(cut + 30))
        try withScanFolder { folder in
            for name in ["d.mtrace", "d.mtrace.gz"] {
                let path = folder + "/" + name
                try writeLog(bytes, to: path)
                var options = ScanOptions()
                do {
                    _ = try scanLog(path: path, displayName: name, options: options)
                    Issue.record("a truncated log must not scan as if complete")
                } catch let error as TraceError {
                    #expect(error.offset == UInt64(cut))
                    #expect(error.description.hasPrefix("\(name): byte \(cut): log ends inside an access record"))
                }
                options.partial = true
                let report = try scanLog(path: path, displayName: name, options: options)
                #expect(report.fault?.offset == UInt64(cut))
                let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
                #expect(json.dict("partial").int("offset") == cut)
                #expect(json.dict("summary").int("accesses") == 2)
                #expect(json.list("shared-addresses").count == 1)
                #expect(report.text(top: 5).hasPrefix("PARTIAL REPORT"))
            }
        }
    }

    @Test func badSizesUnterminatedLabelsAndRandomBytes() throws {
        try withScanFolder { folder in
            let path = folder + "/b.mtrace"
            var small = goodLog().bytes
            let at = small.count
            small += [2, 0, 0, 0, 10, 0] + [UInt8](repeating: 0, count: 60)
            try writeLog(small, to: path)
            let error = #expect(throws: TraceError.self) { try scanLog(path: path, options: ScanOptions()) }
            #expect(error?.offset == UInt64(at) && error?.message.contains("below the 24-byte header") == true)

            var big = goodLog().bytes
            big += [2, 0, 0, 0, 125, 0] + [UInt8](repeating: 0, count: 200)
            try writeLog(big, to: path)
            #expect(throws: TraceError.self) { try scanLog(path: path, options: ScanOptions()) }

            var unterminated = goodLog()
            let labelAt = unterminated.bytes.count
            unterminated.label(String(repeating: "x", count: 63), at: 0x200, bytes: 8)
            unterminated.bytes[labelAt + 36 + 63] = 0x79  // overwrite the NUL
            try writeLog(unterminated.bytes, to: path)
            let label = #expect(throws: TraceError.self) { try scanLog(path: path, options: ScanOptions()) }
            #expect(label?.offset == UInt64(labelAt) && label?.message.contains("label record: the str field") == true)

            var random = SplitMix64(seed: 7)
            try writeLog((0..<4096).map { _ in UInt8(truncatingIfNeeded: random.next()) }, to: path)
            #expect(throws: TraceError.self) { try scanLog(path: path, options: ScanOptions()) }
            var partial = ScanOptions()
            partial.partial = true
            #expect(try scanLog(path: path, options: partial).fault != nil)
        }
    }

    @Test func symbolsThatAreNotELFAreAClearError() throws {
        try withScanFolder { folder in
            try writeLog(goodLog().bytes, to: folder + "/g.mtrace")
            let cases: [([UInt8], String)] = [
                (Array("#!/bin/sh\necho hi\n".utf8), "not an ELF file"),
                ([0x7F, 0x45, 0x4C, 0x46, 2, 1], "truncated ELF file"),
                ([0x7F, 0x45, 0x4C, 0x46, 1, 1] + [UInt8](repeating: 0, count: 58), "32-bit ELF"),
                ([0x7F, 0x45, 0x4C, 0x46, 2, 2] + [UInt8](repeating: 0, count: 58), "big-endian"),
                ([0x7F, 0x45, 0x4C, 0x46, 2, 1] + [UInt8](repeating: 0, count: 58), "no symbol table"),
                (Array(elfFile(symbols: [("f", 0x10, 4, 2)]).prefix(100)), "outside the file"),
            ]
            for (bytes, words) in cases {
                let path = folder + "/sym"
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                var options = ScanOptions()
                options.symbolsPath = path
                let error = #expect(throws: ScanError.self) { try scanLog(path: folder + "/g.mtrace", options: options) }
                #expect(error?.file == path)
                #expect(error?.message.contains(words) == true, "\(String(describing: error))")
            }
            var missing = ScanOptions()
            missing.symbolsPath = folder + "/none"
            let error = #expect(throws: ScanError.self) { try scanLog(path: folder + "/g.mtrace", options: missing) }
            #expect(error?.description == "\(folder)/none: cannot open: No such file or directory")
        }
    }
}
