import Foundation

/// A problem with an input of `mtlab scan` other than the log: the `--symbols` file or an
/// option. `file` names the input (nil for an option).
public struct ScanError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String?
    public var message: String
    public init(file: String? = nil, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { file.map { "\($0): \(message)" } ?? message }
}

/// One symbol of an ELF symbol table that scan uses.
public struct ELFSymbol: Equatable, Sendable {
    public var name: String
    public var address: UInt64
    public var size: UInt64
}

/// The symbols of an ELF64 little-endian executable that label addresses and pcs: every
/// sized `OBJECT` symbol is a static object (as mscan's static labels), every `FUNC`
/// symbol a function; `__per_cpu_start`/`__per_cpu_end` bound the per-CPU templates.
public struct ScanSymbols: Sendable {
    /// Sized data objects, by address.
    public private(set) var objects: [ELFSymbol] = []
    /// Functions, by address.
    public private(set) var functions: [ELFSymbol] = []
    /// `[__per_cpu_start, __per_cpu_end)`, when the program has per-CPU data.
    public private(set) var perCPURange: Range<UInt64>?

    public init(objects: [ELFSymbol] = [], functions: [ELFSymbol] = [], perCPURange: Range<UInt64>? = nil) {
        self.objects = objects.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
        self.functions = functions.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
        self.perCPURange = perCPURange
    }

    /// Reads the symbol table (`.symtab`, else `.dynsym`) of the ELF file at `path`.
    /// Throws ``ScanError`` naming the file when it cannot be read, is not ELF64
    /// little-endian, is damaged or has no symbol table.
    public init(elfPath path: String, displayName: String? = nil) throws {
        let name = displayName ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw ScanError(file: name, message: !exists ? "cannot open: No such file or directory"
                : isDirectory.boolValue ? "cannot open: Is a directory" : "cannot open: Permission denied")
        }
        try self.init(elf: [UInt8](data), name: name)
    }

    /// Parses ELF bytes; `name` is what errors print.
    public init(elf bytes: [UInt8], name: String) throws {
        func fail(_ why: String) -> ScanError { ScanError(file: name, message: why) }
        guard bytes.count >= 4, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            throw fail("not an ELF file (no \\x7fELF magic): --symbols takes the ELF executable that ran")
        }
        guard bytes.count >= 64 else { throw fail("truncated ELF file: the header is cut short") }
        guard bytes[4] == 2 else { throw fail("a 32-bit ELF file: --symbols takes an ELF64 file") }
        guard bytes[5] == 1 else { throw fail("a big-endian ELF file: only little-endian ELF64 is supported") }
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
        guard count > 0 else { throw fail("no section headers, so no symbol table (stripped?)") }
        guard entrySize >= 64, inFile(sectionOffset, UInt64(entrySize) * UInt64(count)) else {
            throw fail("truncated or corrupt ELF file: the section header table lies outside the file")
        }
        struct Section { var type: UInt64; var offset: UInt64; var size: UInt64; var link: Int; var entrySize: UInt64 }
        let sections = (0..<count).map { i -> Section in
            let o = Int(sectionOffset) + i * entrySize
            return Section(type: u32(o + 4), offset: u64(o + 24), size: u64(o + 32), link: Int(u32(o + 40)), entrySize: u64(o + 56))
        }
        guard let table = sections.first(where: { $0.type == 2 }) ?? sections.first(where: { $0.type == 11 }) else {
            throw fail("the ELF file has no symbol table (stripped?)")
        }
        guard table.link < sections.count else { throw fail("corrupt ELF file: the symbol table's string table is missing") }
        let strings = sections[table.link]
        let symbolSize = table.entrySize == 0 ? 24 : table.entrySize
        guard symbolSize >= 24, inFile(table.offset, table.size), inFile(strings.offset, strings.size) else {
            throw fail("truncated or corrupt ELF file: the symbol table lies outside the file")
        }
        func string(_ index: UInt64) -> String? {
            guard index < strings.size else { return nil }
            var end = Int(strings.offset + index)
            let limit = Int(strings.offset + strings.size)
            let start = end
            while end < limit && bytes[end] != 0 { end += 1 }
            guard end < limit else { return nil }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        var objects: [ELFSymbol] = []
        var functions: [ELFSymbol] = []
        var perCPUStart: UInt64?
        var perCPUEnd: UInt64?
        var o = Int(table.offset)
        let end = Int(table.offset + table.size)
        while o + 24 <= end {
            defer { o += Int(symbolSize) }
            let info = bytes[o + 4]
            let section = u16(o + 6)
            let value = u64(o + 8)
            let size = u64(o + 16)
            guard let symbolName = string(u32(o)), !symbolName.isEmpty else { continue }
            if symbolName == "__per_cpu_start" { perCPUStart = value }
            if symbolName == "__per_cpu_end" { perCPUEnd = value }
            guard section != 0 else { continue }  // undefined
            switch info & 0xF {
            case 1 where size > 0: objects.append(ELFSymbol(name: symbolName, address: value, size: size))
            case 2: functions.append(ELFSymbol(name: symbolName, address: value, size: size))
            default: break
            }
        }
        var range: Range<UInt64>?
        if let s = perCPUStart, let e = perCPUEnd, s < e { range = s..<e }
        self.init(objects: objects, functions: functions, perCPURange: range)
    }

    /// The function containing `pc` (a sized function whose range holds it, or an unsized
    /// one starting exactly there) and the offset into it.
    public func function(containing pc: UInt64) -> (name: String, offset: UInt64)? {
        // The last function starting at or below pc.
        var lo = 0, hi = functions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if functions[mid].address <= pc { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1
        while i >= 0 {
            let f = functions[i]
            if f.size == 0 ? pc == f.address : pc &- f.address < f.size { return (f.name, pc &- f.address) }
            // Functions may nest (aliases); look back a little for one that spans pc.
            if lo - i > 8 { break }
            i -= 1
        }
        return nil
    }

    /// `function+0x1c` for `pc`, `function` at its first byte, or nil.
    public func describe(pc: UInt64) -> String? {
        guard let (name, offset) = function(containing: pc) else { return nil }
        return offset == 0 ? name : "\(name)+\(hex(offset))"
    }
}
