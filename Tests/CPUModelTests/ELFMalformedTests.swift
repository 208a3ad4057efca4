import CPUModel
import MTrace
import Testing

/// A minimal RV64 executable, assembled field by field so that a test can break any one
/// field: the ELF header, one PT_LOAD segment of code, and four section headers (null,
/// `.text`, `.symtab` with `_start` and `tohost`, `.strtab`).
struct ELFBuilder {
    var phoff: UInt64 = 64
    var shoff: UInt64 = 0x200
    var phentsize: UInt16 = 56
    var phnum: UInt16 = 1
    var shentsize: UInt16 = 64
    var shnum: UInt16 = 4
    var paddr: UInt64 = 0x8000_0000
    var segmentOffset: UInt64 = 0x100
    var filesz: UInt64 = 8
    var memsz: UInt64 = 0x1000
    var textAddress: UInt64 = 0x8000_0000
    var textSize: UInt64 = 8
    var symtabOffset: UInt64 = 0x110
    var symtabEntrySize: UInt64 = 24
    var strtabOffset: UInt64 = 0x160

    static let strings: [UInt8] = Array("\0_start\0tohost\0".utf8)

    func bytes() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 0x200 + 4 * 64)
        func put(_ value: UInt64, at offset: Int, _ width: Int) {
            for i in 0..<width { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        b[0..<8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]
        put(2, at: 16, 2)  // ET_EXEC
        put(243, at: 18, 2)  // EM_RISCV
        put(1, at: 20, 4)
        put(0x8000_0000, at: 24, 8)  // e_entry
        put(phoff, at: 32, 8)
        put(shoff, at: 40, 8)
        put(64, at: 52, 2)  // e_ehsize
        put(UInt64(phentsize), at: 54, 2)
        put(UInt64(phnum), at: 56, 2)
        put(UInt64(shentsize), at: 58, 2)
        put(UInt64(shnum), at: 60, 2)

        // The program header at 64: PT_LOAD, R+X.
        put(1, at: 64, 4)
        put(5, at: 68, 4)
        put(segmentOffset, at: 72, 8)
        put(paddr, at: 80, 8)  // p_vaddr
        put(paddr, at: 88, 8)  // p_paddr
        put(filesz, at: 96, 8)
        put(memsz, at: 104, 8)
        put(4, at: 112, 8)

        // Code at 0x100: li a0, 0; j . (0x00000513, 0x0000006f).
        put(0x0000_0513, at: 0x100, 4)
        put(0x0000_006F, at: 0x104, 4)

        // .symtab at 0x110: the null symbol, _start (FUNC), tohost (OBJECT).
        put(1, at: 0x110 + 24, 4)
        b[0x110 + 24 + 4] = 0x12  // STB_GLOBAL, STT_FUNC
        put(1, at: 0x110 + 24 + 6, 2)
        put(0x8000_0000, at: 0x110 + 24 + 8, 8)
        put(8, at: 0x110 + 24 + 16, 8)
        put(8, at: 0x110 + 48, 4)
        b[0x110 + 48 + 4] = 0x11  // STB_GLOBAL, STT_OBJECT
        put(1, at: 0x110 + 48 + 6, 2)
        put(0x8000_0100, at: 0x110 + 48 + 8, 8)
        put(8, at: 0x110 + 48 + 16, 8)
        b[0x160..<(0x160 + Self.strings.count)] = Self.strings[...]

        // Section headers at 0x200: null, .text, .symtab, .strtab.
        let text = 0x200 + 64, symtab = 0x200 + 128, strtab = 0x200 + 192
        put(1, at: text + 4, 4)  // SHT_PROGBITS
        put(6, at: text + 8, 8)  // SHF_ALLOC | SHF_EXECINSTR
        put(textAddress, at: text + 16, 8)
        put(0x100, at: text + 24, 8)
        put(textSize, at: text + 32, 8)
        put(2, at: symtab + 4, 4)  // SHT_SYMTAB
        put(symtabOffset, at: symtab + 24, 8)
        put(72, at: symtab + 32, 8)
        put(3, at: symtab + 40, 4)  // sh_link: .strtab
        put(symtabEntrySize, at: symtab + 56, 8)
        put(3, at: strtab + 4, 4)  // SHT_STRTAB
        put(strtabOffset, at: strtab + 24, 8)
        put(UInt64(Self.strings.count), at: strtab + 32, 8)
        return b
    }
}

@Suite struct ELFMalformedTests {
    private func loadError(_ build: (inout ELFBuilder) -> Void) -> String? {
        var builder = ELFBuilder()
        build(&builder)
        do {
            _ = try ELFImage(bytes: builder.bytes(), name: "bad.elf")
            return nil
        } catch let error as ELFError {
            return error.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func theBuilderMakesALoadableExecutable() throws {
        let elf = try ELFImage(bytes: ELFBuilder().bytes(), name: "good.elf")
        #expect(elf.entry == 0x8000_0000)
        #expect(elf.segments.count == 1)
        #expect(elf.segments.first?.address == 0x8000_0000 && elf.segments.first?.memorySize == 0x1000)
        #expect(elf.segments.first?.data == [0x13, 0x05, 0, 0, 0x6F, 0, 0, 0] && elf.segments.first?.executable == true)
        #expect(elf.codeRanges.map { [$0.address, $0.size] } == [[0x8000_0000, 8]])
        #expect(elf.address(of: "_start") == 0x8000_0000)
        #expect(elf.address(of: "tohost") == 0x8000_0100)
        let machine = try Machine(configuration: MachineConfiguration(ramSize: 1 << 20), program: elf)
        #expect(machine.program.entry == 0x8000_0000)
    }

    @Test func programHeaderTableOutsideTheFile() {
        #expect(loadError { $0.phoff = 0xFFFF_FFFF_FFFF_FFFF } == "bad.elf: truncated or corrupt: the program header table "
            + "(e_phoff 0xffffffffffffffff, 1 × e_phentsize 56) runs past the end of the file (768 bytes)")
        #expect(loadError { $0.phoff = 768 - 55 }?.contains("e_phoff 0x000002c9") == true)
    }

    @Test func sectionHeaderTableOutsideTheFile() {
        #expect(loadError { $0.shoff = 0xFFFF_FFFF_FFFF_FFF8 } == "bad.elf: truncated or corrupt: the section header table "
            + "(e_shoff 0xfffffffffffffff8, 4 × e_shentsize 64) runs past the end of the file (768 bytes)")
    }

    @Test func programHeadersSmallerThanAProgramHeader() {
        for size: UInt16 in [0, 1, 55] {
            #expect(loadError { $0.phentsize = size }
                == "bad.elf: e_phentsize \(size) is smaller than an ELF64 program header (56 bytes)")
        }
        // Larger entries are allowed; the extra bytes are skipped.
        #expect(loadError { $0.phentsize = 64 } == nil)
    }

    @Test func extendedProgramHeaderCountIsRefusedPlainly() {
        #expect(loadError { $0.phnum = 0xFFFF }
            == "bad.elf: e_phnum is 0xffff (PN_XNUM, more than 65534 program headers); not supported")
        #expect(loadError { $0.phnum = 0 } == "bad.elf: no program headers (e_phnum 0), so no loadable (PT_LOAD) segments")
    }

    @Test func segmentFieldsThatOverflowAreNamed() {
        #expect(loadError { $0.paddr = 0xFFFF_FFFF_FFFF_F000 } == "bad.elf: segment 0: p_paddr 0xfffffffffffff000 + "
            + "p_memsz 0x00001000 runs past the end of the 64-bit address space")
        #expect(loadError { $0.memsz = 0xFFFF_FFFF_FFFF_FFFF }?.contains("p_memsz 0xffffffffffffffff runs past the end") == true)
        #expect(loadError { $0.segmentOffset = 0xFFFF_FFFF_FFFF_FFFC } == "bad.elf: truncated or corrupt: segment 0 "
            + "(p_offset 0xfffffffffffffffc, p_filesz 8) runs past the end of the file (768 bytes)")
        #expect(loadError { $0.filesz = 0x2000 } == "bad.elf: segment 0: p_filesz 8192 exceeds p_memsz 4096")
        #expect(loadError { $0.textAddress = 0xFFFF_FFFF_FFFF_FFFC } == "bad.elf: section 1: sh_addr 0xfffffffffffffffc + "
            + "sh_size 0x00000008 runs past the end of the 64-bit address space")
    }

    @Test func hugeSymbolEntrySizeReadsOnlyTheEntriesInsideTheTable() throws {
        var builder = ELFBuilder()
        builder.symtabEntrySize = 0x8000_0000_0000_0018
        let bytes = builder.bytes()
        // Only entry 0 (the null symbol) starts inside the 72-byte table.
        #expect(try ELFSymbolTable(elf64: bytes).entries.isEmpty)
        let elf = try ELFImage(bytes: bytes, name: "huge.elf")
        #expect(elf.symbols.symbols.isEmpty)
        builder.symtabEntrySize = 48  // entries 0 and 1 (bytes 48…71 hold tohost, read as entry 1)
        #expect(try ELFSymbolTable(elf64: builder.bytes()).entries.map(\.name) == ["tohost"])
    }

    @Test func symbolAndStringTablesOutsideTheFile() {
        var builder = ELFBuilder()
        builder.symtabOffset = 0xFFFF_FFFF_FFFF_FFF0
        #expect(throws: ELFSymbolTable.Problem.corruptSymbolTable) { try ELFSymbolTable(elf64: builder.bytes()) }
        #expect(loadError { $0.symtabOffset = 0xFFFF_FFFF_FFFF_FFF0 }
            == "bad.elf: truncated or corrupt section headers or symbol table (corruptSymbolTable)")
        builder = ELFBuilder()
        builder.strtabOffset = 0xFFFF_FFFF_FFFF_FFFF
        #expect(throws: ELFSymbolTable.Problem.corruptSymbolTable) { try ELFSymbolTable(elf64: builder.bytes()) }
    }

    /// Thousands of seeded mutations of a small executable made here and of a guest built
    /// with clang: every load either succeeds or throws (a trap would end the test run).
    @Test func mutatedExecutablesLoadOrThrowNeverTrap() throws {
        let guest = try [UInt8](contentsOf: Guests.build(["tests/htif_pass.S"], runtime: false,
                                                        flags: ["-DEXIT_CODE=0"], name: "elf_mutations"))
        var loaded = 0, refused = 0
        for (seed, original) in [(UInt64(7), ELFBuilder().bytes()), (8, guest)] {
            var random = MTrace.SplitMix64(seed: seed)
            for _ in 0..<2500 {
                let bytes = mutate(original, &random)
                _ = try? ELFSymbolTable(elf64: bytes)
                do {
                    let elf = try ELFImage(bytes: bytes, name: "m.elf")
                    loaded += 1
                    _ = elf.symbols.containing(random.next())
                    _ = try? Machine(configuration: MachineConfiguration(ramSize: 1 << 20), program: elf)
                } catch is ELFError {
                    refused += 1
                }
            }
        }
        // The mutations reach both outcomes, so they test something.
        #expect(loaded > 500 && refused > 500, "loaded \(loaded), refused \(refused)")
    }
}

/// One to four changes to an ELF file: a random byte, or a header, program header, section
/// header or symbol field set to a value that breaks arithmetic (0, all ones, the sign bit,
/// near the file size, random).
func mutate(_ original: [UInt8], _ random: inout MTrace.SplitMix64) -> [UInt8] {
    var b = original
    func u64(_ o: Int) -> Int {
        guard o >= 0, o <= b.count - 8 else { return 0 }
        return Int(truncatingIfNeeded: (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) })
    }
    func u16(_ o: Int) -> Int { o >= 0 && o <= b.count - 2 ? Int(b[o]) | Int(b[o + 1]) << 8 : 0 }
    func put(_ value: UInt64, at offset: Int, _ width: Int) {
        for i in 0..<width where offset >= 0 && offset < b.count - i {
            b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
        }
    }
    for _ in 0...(random.next() % 4) {
        let values: [UInt64] = [0, 1, 24, 55, 56, 64, 0xFFFF, UInt64(b.count), UInt64(b.count - 8),
                                0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFF8, 0x8000_0000_0000_0000,
                                0x8000_0000_0000_0018, 0x7FFF_FFFF_FFFF_FFFF, random.next(), random.next() & 0xFFF]
        let value = values[Int(random.next() % UInt64(values.count))]
        // Field places: the ELF header's, the first program headers', the section headers'.
        let phoff = u64(32), shoff = u64(40), phentsize = max(u16(54), 1), shentsize = max(u16(58), 1)
        let ph = phoff &+ phentsize &* Int(random.next() % 3)
        let sh = shoff &+ shentsize &* Int(random.next() % UInt64(max(u16(60), 1)))
        let fields: [(Int, Int)] = [(24, 8), (32, 8), (40, 8), (54, 2), (56, 2), (58, 2), (60, 2), (62, 2),
                                    (ph, 4), (ph &+ 8, 8), (ph &+ 24, 8), (ph &+ 32, 8), (ph &+ 40, 8),
                                    (sh &+ 4, 4), (sh &+ 8, 8), (sh &+ 16, 8), (sh &+ 24, 8), (sh &+ 32, 8),
                                    (sh &+ 40, 4), (sh &+ 56, 8)]
        switch random.next() % 3 {
        case 0:
            b[Int(random.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: random.next())
        default:
            let (offset, width) = fields[Int(random.next() % UInt64(fields.count))]
            put(value, at: offset, width)
        }
    }
    return b
}
