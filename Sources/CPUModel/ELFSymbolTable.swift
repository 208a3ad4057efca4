/// The symbol table of an ELF64 little-endian file of any machine: `.symtab`, or `.dynsym`
/// when there is none. The loader reads a guest's symbols with it, and `mtlab scan
/// --symbols` those of the kernel or program that was traced.
public struct ELFSymbolTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var address: UInt64
        public var size: UInt64
        /// The symbol type (ELF `STT_*`): 0 none, 1 object, 2 function, …
        public var kind: UInt8
        /// Defined in a section of the file (not `SHN_UNDEF`).
        public var isDefined: Bool
    }

    /// Why the table cannot be read; each caller words it for its users.
    public enum Problem: Error, Equatable, Sendable {
        /// The file has no section headers (so no symbol table).
        case noSectionHeaders
        /// The section header table is cut short or malformed.
        case corruptSectionTable
        /// The symbol table names a string table that does not exist.
        case missingStringTable
        /// The symbol or string table lies outside the file, or its entries are malformed.
        case corruptSymbolTable
    }

    /// Every named entry, in table order.
    public let entries: [Entry]
    /// False when the file has section headers but no symbol table (a stripped file).
    public let isPresent: Bool

    /// Reads the table from `bytes`, which the caller has checked to be ELF64 little-endian.
    public init(elf64 bytes: [UInt8]) throws(Problem) {
        precondition(bytes.count >= 64, "the caller checks the ELF header first")
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt64 { (0..<4).reduce(0) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
        func inFile(_ offset: UInt64, _ length: UInt64) -> Bool {
            let (end, overflow) = offset.addingReportingOverflow(length)
            return !overflow && end <= UInt64(bytes.count)
        }

        let sectionOffset = u64(0x28)
        let entrySize = u16(0x3A)
        let count = u16(0x3C)
        guard sectionOffset != 0, count > 0 else { throw .noSectionHeaders }
        guard entrySize >= 64, inFile(sectionOffset, UInt64(entrySize) * UInt64(count)) else { throw .corruptSectionTable }
        struct Section { var type: UInt64; var offset: UInt64; var size: UInt64; var link: Int; var entrySize: UInt64 }
        let sections = (0..<count).map { i -> Section in
            let o = Int(sectionOffset) + i * entrySize
            return Section(type: u32(o + 4), offset: u64(o + 24), size: u64(o + 32), link: Int(u32(o + 40)), entrySize: u64(o + 56))
        }
        // SHT_SYMTAB, else SHT_DYNSYM.
        guard let table = sections.first(where: { $0.type == 2 }) ?? sections.first(where: { $0.type == 11 }) else {
            entries = []
            isPresent = false
            return
        }
        guard table.link < sections.count else { throw .missingStringTable }
        let strings = sections[table.link]
        let symbolSize = table.entrySize == 0 ? 24 : table.entrySize
        guard symbolSize >= 24, inFile(table.offset, table.size), inFile(strings.offset, strings.size) else {
            throw .corruptSymbolTable
        }
        /// A NUL-terminated name inside the string table, or nil.
        func string(_ index: UInt64) -> String? {
            guard index < strings.size else { return nil }
            let start = Int(strings.offset + index), limit = Int(strings.offset + strings.size)
            var end = start
            while end < limit && bytes[end] != 0 { end += 1 }
            guard end < limit else { return nil }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        // Entries are symbolSize apart (at least 24, possibly huge); each needs its first
        // 24 bytes inside the table. table.size fits the file, so none of this overflows.
        let symbolCount = table.size < 24 ? 0 : (table.size - 24) / symbolSize + 1
        var entries: [Entry] = []
        for i in 0..<symbolCount {
            let o = Int(table.offset + i * symbolSize)
            guard let name = string(u32(o)), !name.isEmpty else { continue }
            entries.append(Entry(name: name, address: u64(o + 8), size: u64(o + 16), kind: bytes[o + 4] & 0xF,
                                 isDefined: u16(o + 6) != 0))
        }
        self.entries = entries
        isPresent = true
    }
}

/// A named address of a program: a function, a data object or a plain label.
public struct ELFSymbol: Sendable, Equatable {
    public var name: String
    public var address: UInt64
    /// Bytes it spans; 0 for a label (an assembly entry point, say), which spans up to the
    /// next symbol.
    public var size: UInt64

    public init(name: String, address: UInt64, size: UInt64) {
        self.name = name
        self.address = address
        self.size = size
    }
}

/// Symbols sorted by address, and the one rule by which mtlab names an address (a guest's
/// faulting pc, a pc in an mtrace log): the symbol that contains it. A sized symbol contains
/// `[address, address + size)`; a label contains everything from its address up to the next
/// symbol's. Where several qualify, the one starting nearest below wins, so a function nested
/// in another names its own code; at one address a sized symbol wins over a label, the
/// smaller over the larger, then the first name.
public struct SymbolIndex: Sendable {
    public let symbols: [ELFSymbol]

    public init(_ symbols: [ELFSymbol]) {
        self.symbols = symbols.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
    }

    /// How far back past the nearest symbol a sized one enclosing the address is searched.
    private static let nestingLookback = 8

    /// The symbol containing `address`, with the offset into it.
    public func containing(_ address: UInt64) -> (symbol: ELFSymbol, offset: UInt64)? {
        // The first symbol that starts above the address.
        var low = 0, high = symbols.count
        while low < high {
            let mid = (low + high) / 2
            if symbols[mid].address <= address { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let nearest = symbols[low - 1].address
        var best: ELFSymbol?
        var i = low - 1
        while i >= 0, low - 1 - i <= Self.nestingLookback {
            let s = symbols[i]
            if let b = best, s.address < b.address { break }
            // A label spans to the next symbol, so only labels at the nearest address contain it.
            let contains = s.size > 0 ? address &- s.address < s.size : s.address == nearest
            if contains, best.map({ Self.precedes(s, $0) }) ?? true { best = s }
            i -= 1
        }
        return best.map { ($0, address &- $0.address) }
    }

    /// Between two symbols at one address: a sized one before a label, the smaller
    /// (innermost) before the larger, then by name.
    private static func precedes(_ a: ELFSymbol, _ b: ELFSymbol) -> Bool {
        (a.size == 0 ? 1 : 0, a.size, a.name) < (b.size == 0 ? 1 : 0, b.size, b.name)
    }

    /// `name+0x1c` for `address`, `name` at a symbol's first byte, or nil.
    public func describe(_ address: UInt64) -> String? {
        guard let (symbol, offset) = containing(address) else { return nil }
        return offset == 0 ? symbol.name : "\(symbol.name)+0x\(String(offset, radix: 16))"
    }
}
