import CPUModel
import Foundation
import MTrace
import Testing
@testable import Scan

/// ELF files with fields that overflow arithmetic, as `mtlab scan --symbols` meets them: one
/// clear error or a successful load, never a trap (`mtlab run`'s `workload.elf`: EmulatedRunTests).
@Suite struct ELFInputRobustnessTests {
    /// A bare assembly program (its own `_start`, no runtime) built into an ELF by
    /// `GuestBuilder`, in a scratch folder of this process.
    private static func bareELF(name: String, _ body: String) throws -> String {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let folder = NSTemporaryDirectory() + "mtlab-scan-elf-tests-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = folder + "/\(name).S"
        try """
            .section .text.init, "ax"
            .globl _start
            .option norvc
        _start:
        \(body)
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let output = folder + "/\(name).elf"
        try GuestBuilder(guestsDirectory: repository + "/guests").build(sources: [source], output: output, runtime: false)
        return output
    }

    /// `elfFile`'s layout: header, symbols, strings, then section headers (null, .symtab, .strtab).
    private func symbolFile() -> [UInt8] {
        elfFile(symbols: [("counter", 0x1000, 8, 1), ("table", 0x2000, 64, 1), ("f", 0x10, 4, 2), ("g", 0x20, 8, 2)])
    }

    private func le(_ value: UInt64, into bytes: inout [UInt8], at offset: Int) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    private func symbolError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try ScanSymbols(elf: bytes, name: "s.elf")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func sectionHeaderOffsetNearTheTopIsAnError() throws {
        var bytes = symbolFile()
        le(0xFFFF_FFFF_FFFF_FFF8, into: &bytes, at: 40)  // e_shoff
        #expect(symbolError(bytes) == "s.elf: truncated or corrupt ELF file: the section header table lies outside the file")
        try withScanFolder { folder in
            try writeLog(SpecLog().bytes, to: folder + "/l.mtrace")
            try Data(bytes).write(to: URL(fileURLWithPath: folder + "/s.elf"))
            var options = ScanOptions()
            options.symbolsPath = folder + "/s.elf"
            #expect(throws: ScanError.self) { try scanLog(path: folder + "/l.mtrace", options: options) }
        }
    }

    @Test func hugeSymbolEntrySizeReadsTheFirstEntryOnly() throws {
        var bytes = symbolFile()
        let shoff = Int(bytes[40]) | Int(bytes[41]) << 8
        le(0x8000_0000_0000_0018, into: &bytes, at: shoff + 64 + 56)  // .symtab's sh_entsize
        let symbols = try ScanSymbols(elf: bytes, name: "s.elf")
        #expect(symbols.objects.isEmpty && symbols.functions.symbols.isEmpty)
        // The same file unbroken has them all.
        #expect(try ScanSymbols(elf: symbolFile(), name: "s.elf").objects.map(\.name) == ["counter", "table"])
    }

    @Test func mutatedSymbolFilesLoadOrThrowNeverTrap() throws {
        let guest = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Self.bareELF(name: "symbol_mutations", "j _start"))))
        var loaded = 0, refused = 0
        for (seed, original) in [(UInt64(11), symbolFile()), (12, guest)] {
            var random = MTrace.SplitMix64(seed: seed)
            for _ in 0..<2500 {
                var bytes = original
                for _ in 0...(random.next() % 3) {
                    let offset = Int(random.next() % UInt64(bytes.count))
                    if random.next() % 2 == 0 {
                        bytes[offset] = UInt8(truncatingIfNeeded: random.next())
                    } else {
                        // A whole word of a value that breaks arithmetic, where it fits.
                        let values: [UInt64] = [0, 24, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFF8,
                                                0x8000_0000_0000_0018, UInt64(bytes.count), random.next()]
                        let start = min(offset & ~7, bytes.count - 8)
                        le(values[Int(random.next() % UInt64(values.count))], into: &bytes, at: start)
                    }
                }
                do {
                    _ = try ScanSymbols(elf: bytes, name: "m.elf")
                    loaded += 1
                } catch is ScanError {
                    refused += 1
                }
            }
        }
        #expect(loaded > 500 && refused > 500, "loaded \(loaded), refused \(refused)")
    }
}
