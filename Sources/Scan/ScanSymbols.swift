import CPUModel
import Foundation
import Reports
import MTrace

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

/// The symbols of an ELF64 little-endian executable that label addresses and pcs: every
/// sized `OBJECT` symbol is a static object (as mscan's static labels), every `FUNC`
/// symbol a function; `__per_cpu_start`/`__per_cpu_end` bound the per-CPU templates.
public struct ScanSymbols: Sendable {
    /// Sized data objects, by address.
    public private(set) var objects: [ELFSymbol] = []
    /// Functions, by address.
    public let functions: SymbolIndex
    /// `[__per_cpu_start, __per_cpu_end)`, when the program has per-CPU data.
    public private(set) var perCPURange: Range<UInt64>?

    public init(objects: [ELFSymbol] = [], functions: [ELFSymbol] = [], perCPURange: Range<UInt64>? = nil) {
        self.objects = objects.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
        self.functions = SymbolIndex(functions)
        self.perCPURange = perCPURange
    }

    /// Reads the symbol table (`.symtab`, else `.dynsym`) of the ELF file at `path`.
    /// Throws ``ScanError`` naming the file when it cannot be read, is not ELF64
    /// little-endian, is damaged or has no symbol table.
    public init(elfPath path: String, displayName: String? = nil) throws {
        let name = displayName ?? path
        switch readInputFile(path) {
        case let .success(data): try self.init(elf: [UInt8](data), name: name)
        case let .failure(problem): throw ScanError(file: name, message: "cannot open: \(problem.systemWords)")
        }
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
        let table: ELFSymbolTable
        do {
            table = try ELFSymbolTable(elf64: bytes)
        } catch .noSectionHeaders {
            throw fail("no section headers, so no symbol table (stripped?)")
        } catch .corruptSectionTable {
            throw fail("truncated or corrupt ELF file: the section header table lies outside the file")
        } catch .missingStringTable {
            throw fail("corrupt ELF file: the symbol table's string table is missing")
        } catch {
            throw fail("truncated or corrupt ELF file: the symbol table lies outside the file")
        }
        guard table.isPresent else { throw fail("the ELF file has no symbol table (stripped?)") }

        var objects: [ELFSymbol] = []
        var functions: [ELFSymbol] = []
        var perCPUStart: UInt64?
        var perCPUEnd: UInt64?
        for entry in table.entries {
            if entry.name == "__per_cpu_start" { perCPUStart = entry.address }
            if entry.name == "__per_cpu_end" { perCPUEnd = entry.address }
            guard entry.isDefined else { continue }
            switch entry.kind {
            case 1 where entry.size > 0: objects.append(ELFSymbol(name: entry.name, address: entry.address, size: entry.size))
            case 2: functions.append(ELFSymbol(name: entry.name, address: entry.address, size: entry.size))
            default: break
            }
        }
        var range: Range<UInt64>?
        if let s = perCPUStart, let e = perCPUEnd, s < e { range = s..<e }
        self.init(objects: objects, functions: functions, perCPURange: range)
    }

    /// The function containing `pc` and the offset into it (``SymbolIndex``'s rule).
    public func function(containing pc: UInt64) -> (name: String, offset: UInt64)? {
        functions.containing(pc).map { ($0.symbol.name, $0.offset) }
    }

    /// `function+0x1c` for `pc`, `function` at its first byte, or nil.
    public func describe(pc: UInt64) -> String? { functions.describe(pc) }
}
