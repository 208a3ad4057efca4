import CPUModel
import Testing

@Suite struct ELFTests {
    func image() throws -> (bytes: [UInt8], path: String) {
        let path = try Guests.build(["tests/htif_pass.S"], runtime: false, flags: ["-DEXIT_CODE=0"], name: "elf_tests")
        return (try [UInt8](contentsOf: path), path)
    }

    @Test func loadsSegmentsEntryAndSymbols() throws {
        let (bytes, path) = try image()
        let elf = try ELFImage(bytes: bytes, name: path)
        #expect(elf.entry == 0x8000_0000)
        #expect(elf.segments.contains { $0.executable && $0.address == 0x8000_0000 })
        let tohost = try #require(elf.address(of: "tohost"))
        #expect(elf.address(of: "fromhost") == tohost + 64)
        #expect(elf.symbols.containing(0x8000_0004)?.symbol.name == "_start")
        #expect(elf.symbols.containing(0x8000_0004)?.offset == 4)
    }

    @Test func rejectsNonELF() {
        #expect(throws: ELFError(file: "x", message: "not an ELF file (no \\x7fELF magic)")) {
            try ELFImage(bytes: Array("hello, world".utf8), name: "x")
        }
    }

    @Test func rejects32BitELF() throws {
        var (bytes, _) = try image()
        bytes[4] = 1
        #expect(throws: ELFError(file: "y", message: "32-bit ELF (ELFCLASS32); this machine runs RV64 ELF64 executables")) {
            try ELFImage(bytes: bytes, name: "y")
        }
    }

    @Test func rejectsOtherMachines() throws {
        var (bytes, _) = try image()
        bytes[18] = 62
        bytes[19] = 0
        do {
            _ = try ELFImage(bytes: bytes, name: "z")
            Issue.record("expected an error")
        } catch let error as ELFError {
            #expect(error.description == "z: not a RISC-V executable (e_machine 62, x86-64; expected 243, EM_RISCV)")
        }
    }

    @Test func rejectsTruncatedFiles() throws {
        let (bytes, _) = try image()
        #expect(throws: ELFError.self) { try ELFImage(bytes: Array(bytes[0..<200]), name: "t") }
        #expect(throws: ELFError.self) { try ELFImage(bytes: Array(bytes[0..<40]), name: "t") }
    }

    @Test func missingFileIsAClearError() {
        do {
            _ = try ELFImage(contentsOf: "/nonexistent/guest.elf")
            Issue.record("expected an error")
        } catch let error as ELFError {
            #expect(error.description.hasPrefix("/nonexistent/guest.elf: cannot open"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

extension Array where Element == UInt8 {
    init(contentsOf path: String) throws {
        self = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

import Foundation
