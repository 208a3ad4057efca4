import Foundation
import MTrace

/// The repository's root (for its configs and traces).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// One kind of input the fuzzer mutates: its seed inputs, the name the mutant is saved
/// under in a case folder, the files around it, and the commands that read it.
struct InputKind: Sendable {
    var name: String
    var seeds: [[UInt8]]
    /// The mutant's path inside the case folder.
    var fileName: String
    /// Files written beside it in every case folder, path → contents.
    var companions: [String: [UInt8]]
    /// Commands reading the mutant; the fuzzer rotates through them.
    var commands: [[String]]
    var dictionary: [String]
}

/// A small multi-CPU text trace: loads, stores, atomics, sizes, comments, a blank line.
private let textTrace = """
    # cpu op address size
    0 R 0x1000 8
    1 W 0x1008 8
    2 A 0x2000 4
    3 R 8192 1

    0 W 0x3ff8 16
    1 R 0x1000 64
    2 W 0xffffffffffffffc0 8
    3 A 0x1010 8
    """ + "\n"

private let dinTraditional = "0 1000\n1 1008\n2 2000\n0 3ff8\n4 1000\n5 1040\n1 ffffffffffffffc0\n"
private let dinExtended = "r 1000 8\nw 1008 4\ni 2000 2\nc 1000 40\nv 1040 40\nr 0x3ff8 16\n"

/// A run config around a trace of `name`, small enough that every mutant runs in moments.
private func traceConfig(_ name: String, cpus: Int = 4) -> [UInt8] {
    Array("""
        [system]
        cpus = \(cpus)
        [workload]
        trace = "\(name)"
        [cache]
        sets = 16
        ways = 4
        [coherence]
        protocol = "mesi"
        """.utf8)
}

/// A RISC-V RV64 executable for QEMU virt, built byte by byte: one loadable segment whose
/// code writes the test finisher's pass code, and a symbol table naming `_start` and a
/// data object, so both the loader and `scan --symbols` have something to read.
func minimalELF() -> [UInt8] {
    var out: [UInt8] = []
    func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func u32(_ v: UInt32) { for i in 0..<4 { out.append(UInt8(v >> (8 * UInt32(i)) & 0xFF)) } }
    func u64(_ v: UInt64) { for i in 0..<8 { out.append(UInt8(v >> (8 * UInt64(i)) & 0xFF)) } }
    let code: [UInt32] = [0x0010_02B7, 0x0000_5337, 0x5553_0313, 0x0062_A023, 0x0000_006F]  // lui t0; lui t1; addi t1; sw t1,0(t0); j .
    let strtab = Array("\0_start\0counter\0".utf8)
    let shstrtab = Array("\0.text\0.symtab\0.strtab\0.shstrtab\0".utf8)
    let base: UInt64 = 0x8000_0000
    let codeOffset = 64 + 56
    let codeSize = code.count * 4
    let symtabOffset = codeOffset + codeSize + 4  // 8-aligned
    let symtabSize = 3 * 24
    let strtabOffset = symtabOffset + symtabSize
    let shstrtabOffset = strtabOffset + strtab.count
    let sectionsOffset = (shstrtabOffset + shstrtab.count + 7) & ~7

    out += [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + Array(repeating: 0, count: 8)
    u16(2); u16(0xF3); u32(1); u64(base); u64(64); u64(UInt64(sectionsOffset))
    u32(0); u16(64); u16(56); u16(1); u16(64); u16(5); u16(4)
    // Program header: PT_LOAD R+X.
    u32(1); u32(5); u64(UInt64(codeOffset)); u64(base); u64(base); u64(UInt64(codeSize)); u64(UInt64(codeSize) + 8); u64(4)
    for word in code { u32(word) }
    u32(0)
    // Symbols: the null symbol, _start (FUNC), counter (OBJECT, 8 bytes after the code).
    out += Array(repeating: 0, count: 24)
    u32(1); out += [0x12, 0]; u16(1); u64(base); u64(UInt64(codeSize))
    u32(8); out += [0x11, 0]; u16(1); u64(base + UInt64(codeSize)); u64(8)
    out += strtab + shstrtab
    while out.count < sectionsOffset { out.append(0) }
    func section(name: UInt32, type: UInt32, flags: UInt64, address: UInt64, offset: Int, size: Int, link: UInt32, info: UInt32, align: UInt64, entry: UInt64) {
        u32(name); u32(type); u64(flags); u64(address); u64(UInt64(offset)); u64(UInt64(size)); u32(link); u32(info); u64(align); u64(entry)
    }
    section(name: 0, type: 0, flags: 0, address: 0, offset: 0, size: 0, link: 0, info: 0, align: 0, entry: 0)
    section(name: 1, type: 1, flags: 6, address: base, offset: codeOffset, size: codeSize, link: 0, info: 0, align: 4, entry: 0)
    section(name: 7, type: 2, flags: 0, address: 0, offset: symtabOffset, size: symtabSize, link: 3, info: 1, align: 8, entry: 24)
    section(name: 15, type: 3, flags: 0, address: 0, offset: strtabOffset, size: strtab.count, link: 0, info: 0, align: 1, entry: 0)
    section(name: 23, type: 3, flags: 0, address: 0, offset: shstrtabOffset, size: shstrtab.count, link: 0, info: 0, align: 1, entry: 0)
    return out
}

/// Every kind of input, with seeds made in `scratch` (logs and gzip files are written by
/// mtlab's own writers, so they are what users feed back in).
func inputKinds(scratch: URL) throws -> [InputKind] {
    let fm = FileManager.default
    try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
    let text = scratch.appendingPathComponent("seed.trace")
    try Data(textTrace.utf8).write(to: text)
    func converted(_ name: String, _ format: TraceFormat) throws -> [UInt8] {
        let out = scratch.appendingPathComponent(name)
        _ = try convertTrace(from: text.path, format: .text, to: out.path, format: format, cpus: 4)
        return Array(try Data(contentsOf: out))
    }
    let mtraceLog = try converted("seed.mtrace", .mtrace)
    let movementLog = scratch.appendingPathComponent("seed-movement.mtrace")
    _ = try convertTrace(from: text.path, format: .text, to: movementLog.path, format: .mtrace, cpus: 4, mode: .movement)
    let gzText = try converted("seed.trace.gz", .text)
    let gzLog = try converted("seed.mtrace.gz", .mtrace)

    let configsFolder = repositoryRoot.appendingPathComponent("configs")
    let configNames = try fm.contentsOfDirectory(atPath: configsFolder.path).filter { $0.hasSuffix(".toml") && !$0.hasPrefix("guest-") }.sorted()
    let configs = try configNames.map { Array(try Data(contentsOf: configsFolder.appendingPathComponent($0))) }
    var configCompanions: [String: [UInt8]] = [:]
    for (name, bytes) in zip(configNames, configs) { configCompanions["configs/" + name] = bytes }
    let traces = repositoryRoot.appendingPathComponent("traces")
    for name in try fm.contentsOfDirectory(atPath: traces.path).sorted() {
        configCompanions["traces/" + name] = Array(try Data(contentsOf: traces.appendingPathComponent(name)))
    }
    let sweepsFolder = configsFolder.appendingPathComponent("sweeps")
    let sweeps = try fm.contentsOfDirectory(atPath: sweepsFolder.path).filter { $0.hasSuffix(".toml") }.sorted()
        .map { Array(try Data(contentsOf: sweepsFolder.appendingPathComponent($0))) }

    let tomlTokens = ["[", "]", "[[", "]]", "=", ".", "\"", "'", "\"\"\"", "{", "}", ",", "\n", "#", "\\u", "0x", "1e400",
                      "-", "inf", "nan", "true", "1979-05-27T07:32:00Z", "cache.", "system.cpus", "[grid]", "seeds"]
    let elf = minimalELF()
    return [
        InputKind(name: "text", seeds: [Array(textTrace.utf8)], fileName: "in.trace",
                  companions: ["c.toml": traceConfig("in.trace")],
                  commands: [["run", "c.toml"], ["convert", "in.trace", "out.mtrace"], ["mrc", "c.toml"]],
                  dictionary: ["R", "W", "A", " ", "\t", "\n", "0x", "#", "-1", "18446744073709551615", "65"]),
        InputKind(name: "din", seeds: [Array(dinTraditional.utf8), Array(dinExtended.utf8)], fileName: "in.din",
                  companions: ["c.toml": traceConfig("in.din", cpus: 1)],
                  commands: [["run", "c.toml"], ["convert", "in.din", "out.trace"]],
                  dictionary: ["0 ", "2 ", "4 ", "5 ", "r ", "w ", "m ", "\n", "0x", "ffffffffffffffff", " 0"]),
        InputKind(name: "gzip", seeds: [gzText], fileName: "in.trace.gz",
                  companions: ["c.toml": traceConfig("in.trace.gz")],
                  commands: [["run", "c.toml"], ["convert", "in.trace.gz", "out.trace"]],
                  dictionary: ["\u{1F}\u{8B}", "\u{0}\u{0}\u{0}\u{0}"]),
        InputKind(name: "gzip-log", seeds: [gzLog], fileName: "in.mtrace.gz", companions: [:],
                  commands: [["dump", "in.mtrace.gz"], ["scan", "in.mtrace.gz"]],
                  dictionary: ["\u{1F}\u{8B}"]),
        InputKind(name: "mtrace", seeds: [mtraceLog, Array(try Data(contentsOf: movementLog))], fileName: "in.mtrace",
                  companions: ["c.toml": traceConfig("in.mtrace"), "sym.elf": elf],
                  commands: [["scan", "in.mtrace"], ["dump", "in.mtrace", "--offsets"], ["run", "c.toml"],
                             ["scan", "in.mtrace", "--cache-assoc", "--check-testcases", "--serial-sections", "--partial"],
                             ["scan", "in.mtrace", "--symbols", "sym.elf", "--false-sharing", "--json", "-"],
                             ["convert", "in.mtrace", "out.trace"]],
                  dictionary: []),
        InputKind(name: "config", seeds: configs, fileName: "configs/in.toml", companions: configCompanions,
                  commands: [["run", "configs/in.toml"], ["run", "configs/in.toml", "--json", "-", "--top", "3"]],
                  dictionary: tomlTokens),
        InputKind(name: "sweep", seeds: sweeps, fileName: "configs/sweeps/in.toml", companions: configCompanions,
                  commands: [["sweep", "configs/sweeps/in.toml", "--collect"]],
                  dictionary: tomlTokens),
        InputKind(name: "elf", seeds: [elf], fileName: "in.elf",
                  companions: ["c.toml": Array("""
                      [system]
                      cpus = 2
                      [workload]
                      elf = "in.elf"
                      [machine]
                      max_instructions = 200000
                      ram = 1048576
                      """.utf8), "log.mtrace": mtraceLog],
                  commands: [["run", "c.toml"], ["scan", "log.mtrace", "--symbols", "in.elf", "--false-sharing"]],
                  dictionary: []),
    ]
}
