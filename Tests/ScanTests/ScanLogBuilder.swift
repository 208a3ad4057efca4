import CZlib
import Foundation
import Testing
@testable import Scan

// Logs for the scan tests, built record by record straight from the spec's byte layouts
// (docs/semantics.md §2, mtrace logs), independent of the writer in MTrace.

/// An mtrace log under construction: each call appends one record's bytes.
struct SpecLog {
    var bytes: [UInt8] = []
    /// The access_count of the next record.
    var clock: UInt64 = 0

    private mutating func record(type: UInt32, size: Int, cpu: Int, ts: UInt64 = 0,
                                 _ fields: [(Int, Int, UInt64)] = [], strings: [(Int, String)] = []) {
        var b = [UInt8](repeating: 0, count: size)
        func put(_ value: UInt64, _ width: Int, _ offset: Int) {
            for i in 0..<width { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        put(UInt64(type), 4, 0); put(UInt64(size), 2, 4); put(UInt64(cpu), 2, 6); put(clock, 8, 8); put(ts, 8, 16)
        for (offset, width, value) in fields { put(value, width, offset) }
        for (offset, s) in strings { for (i, c) in s.utf8.enumerated() { b[offset + i] = c } }
        bytes += b
    }

    mutating func machine(cpus: Int) {
        for cpu in 0..<cpus { record(type: 10, size: 51, cpu: cpu, [(24, 2, UInt64(cpus)), (42, 8, 1)]) }
    }
    mutating func enable(_ name: String, globalTS: UInt64 = 0, mode: UInt32 = 1) {
        record(type: 3, size: 108, cpu: 0, [(24, 4, 1), (28, 8, globalTS), (36, 4, UInt64(mode))], strings: [(40, name)])
    }
    mutating func disable(globalTS: UInt64 = 0) {
        record(type: 3, size: 108, cpu: 0, [(24, 4, 1), (28, 8, globalTS), (36, 4, 0)])
    }
    /// label_type 1 heap, 2 block, 3 static, 4 percpu; bytes 0 unlabels.
    mutating func label(_ name: String, at guest: UInt64, bytes: UInt64, type: UInt32 = 1, pc: UInt64 = 0, cpu: Int = 0) {
        record(type: 1, size: 124, cpu: cpu, [(32, 4, UInt64(type)), (100, 8, guest), (108, 8, bytes), (116, 8, pc)],
               strings: [(36, name)])
    }
    /// type 1 load, 2 store, 3 I/O write; `moved` sets the traffic flag, `locked` the lock flag.
    mutating func access(cpu: Int, _ type: UInt32, _ guest: UInt64, _ bytes: UInt8, pc: UInt64 = 0,
                         moved: Bool = false, locked: Bool = false) {
        let flags = UInt64((moved ? 1 : 0) | (locked ? 2 : 0))
        record(type: 2, size: 54, cpu: cpu, [(24, 4, UInt64(type)), (28, 1, flags), (29, 8, pc), (45, 8, guest), (53, 1, UInt64(bytes))])
        clock += 1
    }
    mutating func load(cpu: Int, _ guest: UInt64, _ bytes: UInt8 = 8, pc: UInt64 = 0, moved: Bool = false) {
        access(cpu: cpu, 1, guest, bytes, pc: pc, moved: moved)
    }
    mutating func store(cpu: Int, _ guest: UInt64, _ bytes: UInt8 = 8, pc: UInt64 = 0, moved: Bool = false) {
        access(cpu: cpu, 2, guest, bytes, pc: pc, moved: moved)
    }
    /// state 1 start, 2 done, 3 done with value, 4 resume, 5 pause.
    mutating func fcall(cpu: Int, tid: UInt64, pc: UInt64, tag: UInt64, state: UInt32) {
        record(type: 4, size: 54, cpu: cpu, [(24, 8, tid), (32, 8, pc), (40, 8, tag), (50, 4, UInt64(state))])
    }
    mutating func segment(cpu: Int, base: UInt64, end: UInt64) {
        record(type: 5, size: 46, cpu: cpu, [(24, 8, base), (32, 8, end), (40, 2, UInt64(cpu)), (42, 4, 4)])
    }
    mutating func call(cpu: Int, target: UInt64, returnPC: UInt64, isReturn: Bool = false) {
        record(type: 6, size: 44, cpu: cpu, [(24, 8, target), (32, 8, returnPC), (40, 4, isReturn ? 1 : 0)])
    }
    /// op 1 acquire, 2 acquired, 3 release.
    mutating func lock(cpu: Int, _ address: UInt64, _ name: String, op: UInt32, ts: UInt64, pc: UInt64 = 0) {
        record(type: 7, size: 109, cpu: cpu, ts: ts, [(24, 8, pc), (32, 8, address), (104, 4, UInt64(op))], strings: [(40, name)])
    }
    mutating func sched(cpu: Int, tid: UInt64) { record(type: 9, size: 32, cpu: cpu, [(24, 8, tid)]) }
    mutating func appdata(_ ops: UInt64) { record(type: 11, size: 34, cpu: 0, [(26, 8, ops)]) }
    mutating func gc(_ name: String, base: UInt64, nbytes: UInt64) {
        record(type: 14, size: 105, cpu: 0, [(24, 8, base), (32, 8, nbytes)], strings: [(40, name)])
    }
    mutating func gcEpoch(cpu: Int, begin: Bool) { record(type: 15, size: 25, cpu: cpu, [(24, 1, begin ? 1 : 0)]) }
    mutating func unknown(type: UInt32, size: Int) { record(type: type, size: size, cpu: 0) }
}

/// A minimal ELF64 little-endian executable with a symbol table: (name, value, size, st_type)
/// where st_type 1 is OBJECT, 2 FUNC, 0 NOTYPE.
func elfFile(symbols: [(String, UInt64, UInt64, UInt8)]) -> [UInt8] {
    var strtab: [UInt8] = [0]
    var symtab = [UInt8](repeating: 0, count: 24)  // the null symbol
    func le(_ v: UInt64, _ width: Int) -> [UInt8] { (0..<width).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    for (name, value, size, type) in symbols {
        let nameOffset = UInt64(strtab.count)
        strtab += Array(name.utf8) + [0]
        symtab += le(nameOffset, 4) + [0x10 | type, 0] + le(1, 2) + le(value, 8) + le(size, 8)
    }
    let symtabOffset = 64
    let strtabOffset = symtabOffset + symtab.count
    let shoff = strtabOffset + strtab.count
    var header = [UInt8](repeating: 0, count: 64)
    header.replaceSubrange(0..<8, with: [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0])
    header.replaceSubrange(16..<24, with: le(2, 2) + le(0xF3, 2) + le(1, 4))
    header.replaceSubrange(40..<48, with: le(UInt64(shoff), 8))
    header.replaceSubrange(52..<54, with: le(64, 2))
    header.replaceSubrange(58..<64, with: le(64, 2) + le(3, 2) + le(0, 2))
    func section(type: UInt64, offset: Int, size: Int, link: UInt64, entsize: UInt64) -> [UInt8] {
        le(0, 4) + le(type, 4) + le(0, 8) + le(0, 8) + le(UInt64(offset), 8) + le(UInt64(size), 8) + le(link, 4) + le(1, 4)
            + le(8, 8) + le(entsize, 8)
    }
    return header + symtab + strtab + [UInt8](repeating: 0, count: 64)
        + section(type: 2, offset: symtabOffset, size: symtab.count, link: 2, entsize: 24)
        + section(type: 3, offset: strtabOffset, size: strtab.count, link: 0, entsize: 0)
}

/// A fresh folder, removed when the body returns.
func withScanFolder<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtlab-scan-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Scans `log` (written raw, or gzipped when `name` ends in .gz) and returns the parsed JSON
/// report and the text report.
func scan(_ log: SpecLog, name: String = "t.mtrace", _ configure: (inout ScanOptions) throws -> Void = { _ in })
    throws -> (json: [String: Any], text: String) {
    try withScanFolder { folder in
        let path = folder + "/" + name
        try writeLog(log.bytes, to: path)
        var options = ScanOptions()
        try configure(&options)
        if let symbols = options.symbolsPath, !symbols.hasPrefix("/") { options.symbolsPath = folder + "/" + symbols }
        let report = try scanLog(path: path, displayName: name, options: options)
        let json = report.json()
        #expect(json == (try scanLog(path: path, displayName: name, options: options).json()), "JSON is deterministic")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return (parsed, report.text(top: 20))
    }
}

func writeLog(_ bytes: [UInt8], to path: String) throws {
    if path.hasSuffix(".gz") {
        guard let gz = gzopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
        _ = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
        gzclose(gz)
    } else {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

// Small accessors for parsed JSON.
extension Dictionary where Key == String, Value == Any {
    func list(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    func dict(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func double(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
    func string(_ key: String) -> String? { self[key] as? String }
    func ints(_ key: String) -> [Int] { (self[key] as? [NSNumber])?.map(\.intValue) ?? [] }
    func bool(_ key: String) -> Bool? { (self[key] as? NSNumber)?.boolValue }
}
