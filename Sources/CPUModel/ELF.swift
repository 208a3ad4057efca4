#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an ELF file cannot be run.
public struct ELFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as named by the caller ("<memory>" for bytes).
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// A RISC-V ELF64 little-endian executable, parsed: what to load where, where to start,
/// and the symbol table (for `tohost` and, later, symbolization).
public struct ELFImage: Sendable {
    /// One PT_LOAD segment: `data` goes to `address`, the rest up to `memorySize` is zero.
    public struct Segment: Sendable, Equatable {
        /// Physical load address (p_paddr), as QEMU loads `-kernel` images.
        public var address: UInt64
        /// The bytes from the file (p_filesz of them).
        public var data: [UInt8]
        /// Bytes the segment occupies in memory (p_memsz); the tail past `data` is zero.
        public var memorySize: UInt64
        /// Marked executable (PF_X).
        public var executable: Bool
    }

    /// Where instructions lie: an executable section (or segment) by address and size.
    public struct CodeRange: Sendable, Equatable {
        public var address: UInt64
        public var size: UInt64
    }

    /// Where every hart starts (e_entry).
    public var entry: UInt64
    /// The PT_LOAD segments, in program-header order.
    public var segments: [Segment]
    /// Functions, objects and labels by address; names the pcs of a guest's faults.
    public var symbols: SymbolIndex
    /// The executable (SHF_EXECINSTR) sections that are loaded from the file; without
    /// section headers, the executable segments. Only code lies there, never data.
    public var codeRanges: [CodeRange]

    /// Bytes of an ELF64 program header and section header; larger entries are allowed
    /// (the extra bytes are skipped), smaller ones are not.
    static let programHeaderSize: UInt64 = 56
    static let sectionHeaderSize: UInt64 = 64

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw ELFError(file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        try self.init(bytes: bytes, name: path)
    }

    /// Parses an ELF image held in memory; `name` appears in error messages.
    public init(bytes: [UInt8], name: String = "<memory>") throws {
        func fail(_ message: String) -> ELFError { ELFError(file: name, message: message) }
        // Every offset and size below comes from the file: sums are checked, never trapped.
        func read<T: FixedWidthInteger>(_ offset: UInt64, _: T.Type) throws -> T {
            let width = UInt64(MemoryLayout<T>.size)
            guard offset <= UInt64(bytes.count), width <= UInt64(bytes.count) - offset else {
                throw fail("truncated: needs \(width) bytes at byte \(offset), file has \(bytes.count)")
            }
            return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: Int(offset), as: T.self)) }
        }
        /// Throws unless `count` bytes from `offset` lie inside the file; `what` names the fields.
        func checkInFile(_ offset: UInt64, _ count: UInt64, _ what: @autoclosure () -> String) throws {
            guard offset <= UInt64(bytes.count), count <= UInt64(bytes.count) - offset else {
                throw fail("truncated or corrupt: \(what()) runs past the end of the file (\(bytes.count) bytes)")
            }
        }
        guard bytes.count >= 4, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            throw fail("not an ELF file (no \\x7fELF magic)")
        }
        guard bytes.count >= 64 else { throw fail("truncated: the ELF header needs 64 bytes, file has \(bytes.count)") }
        switch bytes[4] {
        case 2: break
        case 1: throw fail("32-bit ELF (ELFCLASS32); this machine runs RV64 ELF64 executables")
        default: throw fail("unknown ELF class \(bytes[4])")
        }
        guard bytes[5] == 1 else { throw fail("big-endian ELF; RISC-V executables are little-endian") }
        let type = try read(16, UInt16.self)
        let machine = try read(18, UInt16.self)
        guard machine == 243 else {
            throw fail("not a RISC-V executable (e_machine \(machine)\(machineName(machine)); expected 243, EM_RISCV)")
        }
        guard type == 2 else {
            throw fail("not an executable (e_type \(type)); link the guest as a static executable")
        }
        entry = try read(24, UInt64.self)
        let phoff = try read(32, UInt64.self)
        let shoff = try read(40, UInt64.self)
        let phentsize = UInt64(try read(54, UInt16.self))
        let phnum = UInt64(try read(56, UInt16.self))
        let shentsize = UInt64(try read(58, UInt16.self))
        let shnum = UInt64(try read(60, UInt16.self))

        // PN_XNUM: the real count would be in section header 0; no executable needs that many.
        guard phnum != 0xFFFF else {
            throw fail("e_phnum is 0xffff (PN_XNUM, more than 65534 program headers); not supported")
        }
        guard phnum > 0 else { throw fail("no program headers (e_phnum 0), so no loadable (PT_LOAD) segments") }
        guard phentsize >= Self.programHeaderSize else {
            throw fail("e_phentsize \(phentsize) is smaller than an ELF64 program header (\(Self.programHeaderSize) bytes)")
        }
        // phnum and phentsize are 16-bit, so their product cannot overflow.
        try checkInFile(phoff, phnum * phentsize,
                        "the program header table (e_phoff \(paddedHex(phoff)), \(phnum) × e_phentsize \(phentsize))")

        segments = []
        for i in 0..<phnum {
            let ph = phoff + i * phentsize  // inside the file: checked above
            guard try read(ph, UInt32.self) == 1 else { continue } // PT_LOAD
            let flags = try read(ph + 4, UInt32.self)
            let offset = try read(ph + 8, UInt64.self)
            let paddr = try read(ph + 24, UInt64.self)
            let filesz = try read(ph + 32, UInt64.self)
            let memsz = try read(ph + 40, UInt64.self)
            guard filesz <= memsz else {
                throw fail("segment \(i): p_filesz \(filesz) exceeds p_memsz \(memsz)")
            }
            guard !paddr.addingReportingOverflow(memsz).overflow else {
                throw fail("segment \(i): p_paddr \(paddedHex(paddr)) + p_memsz \(paddedHex(memsz)) runs past the end of the 64-bit address space")
            }
            try checkInFile(offset, filesz, "segment \(i) (p_offset \(paddedHex(offset)), p_filesz \(filesz))")
            let data = Array(bytes[Int(offset)..<Int(offset + filesz)])
            segments.append(Segment(address: paddr, data: data, memorySize: memsz, executable: flags & 1 != 0))
        }
        guard !segments.isEmpty else { throw fail("no loadable (PT_LOAD) segments") }

        codeRanges = []
        if shoff != 0 && shentsize >= Self.sectionHeaderSize && shnum > 0 {
            try checkInFile(shoff, shnum * shentsize,
                            "the section header table (e_shoff \(paddedHex(shoff)), \(shnum) × e_shentsize \(shentsize))")
            for i in 0..<shnum {
                let sh = shoff + i * shentsize  // inside the file: checked above
                if try read(sh + 4, UInt32.self) == 1, try read(sh + 8, UInt64.self) & 4 != 0 { // SHT_PROGBITS, SHF_EXECINSTR
                    let address = try read(sh + 16, UInt64.self)
                    let size = try read(sh + 32, UInt64.self)
                    guard !address.addingReportingOverflow(size).overflow else {
                        throw fail("section \(i): sh_addr \(paddedHex(address)) + sh_size \(paddedHex(size)) runs past the end of the 64-bit address space")
                    }
                    if size > 0 { codeRanges.append(CodeRange(address: address, size: size)) }
                }
            }
        }
        do {
            // Functions, objects and plain labels; `$x`/`$d` mapping symbols say nothing.
            symbols = SymbolIndex(try ELFSymbolTable(elf64: bytes).entries
                .filter { $0.kind <= 2 && $0.isDefined && !$0.name.hasPrefix("$") }
                .map { ELFSymbol(name: $0.name, address: $0.address, size: $0.size) })
        } catch .noSectionHeaders {
            symbols = SymbolIndex([])  // a stripped executable still runs
        } catch {
            throw fail("truncated or corrupt section headers or symbol table (\(error))")
        }
        if codeRanges.isEmpty {
            codeRanges = segments.filter(\.executable).map { CodeRange(address: $0.address, size: UInt64($0.data.count)) }
        }
    }

    /// The little-endian halfword the file loads at `address`, or nil when no segment's
    /// file bytes hold both of its bytes.
    public func halfword(at address: UInt64) -> UInt16? {
        for segment in segments where address >= segment.address {
            let offset = address - segment.address
            if offset < UInt64(segment.data.count), offset + 2 <= UInt64(segment.data.count) {
                let o = Int(offset)
                return UInt16(segment.data[o]) | UInt16(segment.data[o + 1]) << 8
            }
        }
        return nil
    }

    /// The address of the first symbol called `name`.
    public func address(of name: String) -> UInt64? {
        symbols.symbols.first { $0.name == name }?.address
    }
}

private func machineName(_ machine: UInt16) -> String {
    switch machine {
    case 3: return ", x86"
    case 40: return ", ARM"
    case 62: return ", x86-64"
    case 183: return ", AArch64"
    default: return ""
    }
}
