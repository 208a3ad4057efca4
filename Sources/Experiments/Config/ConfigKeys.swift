import CacheModels
import Coherence

/// One key of the run config: its type, default and range, for validation and documentation.
///
/// ``ConfigKey/all`` is the single list of keys: the loader accepts exactly these, and
/// ``ConfigKey/markdownTable()`` prints them for the README. The table it prints:
///
/// | key | type | default | range | meaning |
/// |---|---|---|---|---|
/// | `system.cpus` | integer | 1 | 1…64 | CPUs, each with one private cache; for an emulated workload, also its harts |
/// | `system.seed` | integer | 1 | 0…2^63−1 | seeds the `random` and `brrip` replacement policies (each CPU's cache draws its own stream) and the emulator's `machine.jitter` |
/// | `workload.trace` | string | exactly one of `trace`, `elf`, `guest`, `generator` | a path, relative to the config file's folder | the trace to simulate (`.trace`, `.din`, `.mtrace`, each optionally `.gz`) |
/// | `workload.format` | string | from the extension | `text`, `din`, `mtrace` | the trace's format; required when the extension does not say it |
/// | `workload.elf` | string | exactly one of `trace`, `elf`, `guest`, `generator` | a path, relative to the config file's folder | a RISC-V RV64 ELF executable for QEMU `virt` (`-bios none`), run by the emulator with one hart per CPU |
/// | `workload.guest` | string | exactly one of `trace`, `elf`, `guest`, `generator` | a C or assembly file in a guests folder (one holding `link.ld` and `runtime/`), relative to the config file's folder | a guest program, built with clang and the guest runtime when its sources change (cached in `~/.cache/mtlab/guests`) and run by the emulator |
/// | `workload.cflags` | string | empty | compiler flags separated by blanks | extra flags for building `workload.guest`, such as `-DPADDED`; `-DMTLAB_CPUS=` with `system.cpus` is always given |
/// | `cache.line_size` | integer | 64 | a power of two, 1…4096 | bytes per cache line |
/// | `cache.sets` | integer | give `sets` or `size` | a power of two ≥ 1, sets × ways ≤ 2^30 | sets per cache; 1 is fully associative |
/// | `cache.size` | integer | give `sets` or `size` | bytes: a multiple of ways × line_size giving a power-of-two set count | capacity per cache |
/// | `cache.ways` | integer | 8 | 1…1024; for `plru` a power of two ≤ 64 | lines per set |
/// | `cache.replacement` | string | `lru` | `lru` (the least recently used way), `fifo` (the way filled longest ago), `random` (a random way, `SplitMix64.next() % ways` from the seeded stream), `plru` (tree pseudo-LRU), `srrip` (static RRIP: 2-bit RRPV, 0 on a hit, 2 on a fill, evict the first 3), `brrip` (bimodal RRIP: as `srrip`, but fills at 3, or at 2 with probability 1/32 from the seeded stream), `lfu` (the least frequently used way since its fill), `mru` (the most recently used way) | which way of a full set is evicted (invalid ways are filled first, lowest way first) |
/// | `cache.write_policy` | string | `write-back` | `write-back`, `write-through` | `write-back`: a store dirties the line, which reaches the level below when evicted; `write-through`: every store is also passed down at once. Any key from here to `memory.latency`, or `coherence.transfer_latency`, makes the run a cache hierarchy (docs/hierarchy.md) |
/// | `cache.write_allocate` | boolean | true | `true`, `false` | a store miss fills the line; `false` passes the store down without filling |
/// | `cache.latency` | integer | 0 | 0…2^20 | cycles of a hit in the first level; with every latency 0 no timing is reported |
/// | `icache.sets` | integer | give `sets` or `size` when `[icache]` is given | as `cache.sets` | an instruction cache per CPU beside `[cache]`, with `cache.line_size`; instruction fetches go to it (without it they are skipped) |
/// | `icache.size` | integer | give `sets` or `size` when `[icache]` is given | as `cache.size` | capacity per instruction cache |
/// | `icache.ways` | integer | 8 | as `cache.ways` | lines per set |
/// | `icache.replacement` | string | `lru` | as `cache.replacement` | which way of a full set is evicted |
/// | `icache.latency` | integer | 0 | 0…2^20 | cycles of a hit in the instruction cache |
/// | `level.N.name` | string | `L2` for `level.1`, `L3` for `level.2`, … | 1…32 letters, digits, `-`, `_`, `.`; unique | what reports call the level (`[cache]` is `L1`, or `L1d` beside an `[icache]` `L1i`) |
/// | `level.N.sets` | integer | give `sets` or `size` | as `cache.sets` | sets per cache of the level |
/// | `level.N.size` | integer | give `sets` or `size` | as `cache.size` | capacity per cache of the level |
/// | `level.N.ways` | integer | 8 | as `cache.ways` | lines per set |
/// | `level.N.replacement` | string | `lru` | as `cache.replacement` | which way of a full set is evicted |
/// | `level.N.latency` | integer | 0 | 0…2^20 | cycles of a hit in the level |
/// | `level.N.sharing` | string | `private` | `private`, `shared`; no `private` level after a `shared` one | `private`: one cache per CPU; `shared`: one cache for all CPUs |
/// | `level.N.inclusion` | string | `non-inclusive` | `non-inclusive`, `inclusive`, `exclusive` (shared levels only) | what the level promises about the lines of the levels above it: nothing, every line above is here too (evicting one invalidates the copies above), or a line is above or here, never both |
/// | `memory.latency` | integer | 0 | 0…2^20 | cycles of a line from memory |
/// | `coherence.protocol` | string | `mesi` | `none`, `msi`, `mesi`, `moesi` | the protocol joining the caches; `none` is share-nothing |
/// | `coherence.transfer_latency` | integer | 0 | 0…2^20 | cycles of a line supplied by another CPU's caches (a hierarchy key) |
/// | `machine.ram` | integer | 134217728 (128 MiB) | bytes: a multiple of 4096, 4 KiB…64 GiB | emulated RAM at 0x8000_0000 (emulated workloads only, as are all `machine` keys) |
/// | `machine.quantum` | integer | 100 | 1…2^30 | instructions a hart runs per turn of the deterministic round-robin scheduler |
/// | `machine.jitter` | integer | 0 | 0…2^30−1 | each turn runs `quantum` ± `jitter` instructions (at least 1), drawn from `system.seed`: other seeds, other interleavings |
/// | `machine.max_instructions` | integer | 10000000000 (10^10) | 1…2^62 | instructions of all harts together; a guest still running then is stopped, and the run fails |
/// | `machine.instructions_per_tick` | integer | 100 | 1…2^32 | instructions per hart per tick of the CLINT `mtime`, so that timers are deterministic |
/// | `machine.trace_fetches` | boolean | false | `true`, `false` | also trace instruction fetches (they go to `[icache]` when there is one; the data caches skip them; they count in the guest's recorded accesses) |
/// | `workload.generator` | string | exactly one of `trace`, `elf`, `guest`, `generator` | `reference`, `per-cpu-counters`, `shared-counter`, `lock-counter`, `uniform`, `stream`, `read-mostly` | a synthetic workload instead of a trace, deterministic in `system.seed` (see docs/generators.md) |
/// | `workload.operations` | integer | 100000 | 1…2^40 | operations per CPU (`reference`: references per CPU, round-robin) |
/// | `workload.access_size` | integer | 8 | 1…4096 | bytes per access (`reference`: always 4) |
/// | `workload.stride` | integer | `access_size` (packed) | `access_size`…2^30 for the counters, 1…2^30 for `stream` | bytes between per-CPU counters, from the lock to its counter, or between a stream's accesses |
/// | `workload.working_set` | integer | 1048576 | a multiple of `access_size`, up to 2^40 | bytes of each CPU's region (`uniform`, `stream`) or of the shared table (`read-mostly`) |
/// | `workload.write_fraction` | number | 1 (counters), 0.3 (`uniform`, `stream`), 0.01 (`read-mostly`) | 0…1 | fraction of operations that write |
///
/// Unknown keys are errors; every key can be overridden with `--set key=value`.
public struct ConfigKey: Sendable {
    /// What a key's value must be.
    public enum ValueType: Sendable {
        /// An integer in the range, or any integer when another type owns the range
        /// (`CacheGeometry` checks the cache shape).
        case integer(ClosedRange<Int>?)
        /// One of these strings.
        case choice([String])
        /// `true` or `false`.
        case boolean
        /// Any string.
        case string
        /// A number (integer or float) in the range.
        case number(ClosedRange<Double>)
    }

    /// The dotted name, `table.key`.
    public let name: String
    public let type: ValueType
    /// The default, as the documentation says it ("required" when there is none).
    public let defaultText: String
    /// The accepted values, as the documentation says them.
    public let rangeText: String
    public let meaning: String
    /// The key's value in a loaded config: drives the resolved config of every report, so
    /// no key can be left out of them. It returns nil when the key does not apply to the
    /// config (`machine.*` for a trace, `workload.trace` for a guest).
    let resolve: @Sendable (RunConfiguration) -> ConfigValue?
    /// For the `level.N.*` keys (one per `[[level]]` table): the key's value for one level.
    /// Their `resolve` gives nil; ``RunConfiguration/resolvedValues`` names each level.
    let levelValue: (@Sendable (LevelSettings) -> ConfigValue)?

    /// The table part of the name (`cache` of `cache.ways`).
    public var table: String { String(name[..<name.firstIndex(of: ".")!]) }
    /// The key part of the name (`ways` of `cache.ways`).
    public var leaf: String { String(name[name.index(after: name.firstIndex(of: ".")!)...]) }
    /// Every key, in documentation (and report) order.
    public static let all: [ConfigKey] = [
        ConfigKey(name: "system.cpus", type: .integer(1...CPUSet.capacity), defaultText: "1", rangeText: "1…64",
                  meaning: "CPUs, each with one private cache; for an emulated workload, also its harts") { .integer($0.cpus) },
        ConfigKey(name: "system.seed", type: .integer(0...Int.max), defaultText: "1", rangeText: "0…2^63−1",
                  meaning: "seeds the \(ReplacementKind.seededPoliciesText) replacement policies (each CPU's cache draws its own stream) and the emulator's `machine.jitter`") {
            .integer(Int($0.seed))
        },
        ConfigKey(name: "workload.trace", type: .string, defaultText: "exactly one of `trace`, `elf`, `guest`, `generator`",
                  rangeText: "a path, relative to the config file's folder",
                  meaning: "the trace to simulate (`.trace`, `.din`, `.mtrace`, each optionally `.gz`)") {
            guard case let .trace(t) = $0.workload else { return nil }
            return .string(t.path)
        },
        ConfigKey(name: "workload.format", type: .choice(traceFormatNames), defaultText: "from the extension",
                  rangeText: "`text`, `din`, `mtrace`", meaning: "the trace's format; required when the extension does not say it") {
            guard case let .trace(t) = $0.workload else { return nil }
            return .string(t.format.rawValue)
        },
        ConfigKey(name: "workload.elf", type: .string, defaultText: "exactly one of `trace`, `elf`, `guest`, `generator`",
                  rangeText: "a path, relative to the config file's folder",
                  meaning: "a RISC-V RV64 ELF executable for QEMU `virt` (`-bios none`), run by the emulator with one hart per CPU") {
            guard case let .emulated(e) = $0.workload, case let .elf(path, _) = e.program else { return nil }
            return .string(path)
        },
        ConfigKey(name: "workload.guest", type: .string, defaultText: "exactly one of `trace`, `elf`, `guest`, `generator`",
                  rangeText: "a C or assembly file in a guests folder (one holding `link.ld` and `runtime/`), relative to the config file's folder",
                  meaning: "a guest program, built with clang and the guest runtime when its sources change (cached in `~/.cache/mtlab/guests`) and run by the emulator") {
            guard case let .emulated(e) = $0.workload, case let .guest(path, _, _) = e.program else { return nil }
            return .string(path)
        },
        ConfigKey(name: "workload.cflags", type: .string, defaultText: "empty", rangeText: "compiler flags separated by blanks",
                  meaning: "extra flags for building `workload.guest`, such as `-DPADDED`; `-DMTLAB_CPUS=` with `system.cpus` is always given") {
            guard case let .emulated(e) = $0.workload, case let .guest(_, _, cflags) = e.program else { return nil }
            return .string(cflags)
        },
        ConfigKey(name: "cache.line_size", type: .integer(nil), defaultText: "64", rangeText: "a power of two, 1…4096",
                  meaning: "bytes per cache line") { .integer($0.geometry.lineSize) },
        ConfigKey(name: "cache.sets", type: .integer(nil), defaultText: "give `sets` or `size`",
                  rangeText: "a power of two ≥ 1, sets × ways ≤ 2^30",
                  meaning: "sets per cache; 1 is fully associative") { .integer($0.geometry.sets) },
        ConfigKey(name: "cache.size", type: .integer(nil), defaultText: "give `sets` or `size`",
                  rangeText: "bytes: a multiple of ways × line_size giving a power-of-two set count",
                  meaning: "capacity per cache") { .integer($0.geometry.size) },
        ConfigKey(name: "cache.ways", type: .integer(nil), defaultText: "8",
                  rangeText: (["1…\(CacheGeometry.maximumWays)"] + ReplacementKind.allCases.compactMap { k in
                      k.waysRequirement.map { "for `\(k.rawValue)` \($0)" } }).joined(separator: "; "),
                  meaning: "lines per set") { .integer($0.geometry.ways) },
        // Values, range and meaning come from the policy registry (ReplacementPolicies).
        ConfigKey(name: "cache.replacement", type: .choice(ReplacementKind.allCases.map(\.rawValue)),
                  defaultText: "`lru`",
                  rangeText: ReplacementKind.allCases.map { "`\($0.rawValue)` (\($0.summary))" }.joined(separator: ", "),
                  meaning: "which way of a full set is evicted (invalid ways are filled first, lowest way first)") {
            .string($0.replacement.rawValue)
        },
    ] + hierarchyKeys + [
        ConfigKey(name: "coherence.protocol", type: .choice(CoherenceProtocol.allCases.map(\.rawValue)),
                  defaultText: "`mesi`", rangeText: "`none`, `msi`, `mesi`, `moesi`",
                  meaning: "the protocol joining the caches; `none` is share-nothing") { .string($0.coherence.rawValue) },
        transferLatencyKey,
        ConfigKey(name: "machine.ram", type: .integer(EmulatedWorkload.ramRange), defaultText: "134217728 (128 MiB)",
                  rangeText: "bytes: a multiple of 4096, 4 KiB…64 GiB",
                  meaning: "emulated RAM at 0x8000_0000 (emulated workloads only, as are all `machine` keys)") {
            $0.emulated.map { .integer($0.ramSize) }
        },
        ConfigKey(name: "machine.quantum", type: .integer(1...(1 << 30)), defaultText: "100", rangeText: "1…2^30",
                  meaning: "instructions a hart runs per turn of the deterministic round-robin scheduler") {
            $0.emulated.map { .integer($0.quantum) }
        },
        ConfigKey(name: "machine.jitter", type: .integer(0...(1 << 30) - 1), defaultText: "0", rangeText: "0…2^30−1",
                  meaning: "each turn runs `quantum` ± `jitter` instructions (at least 1), drawn from `system.seed`: other seeds, other interleavings") {
            $0.emulated.map { .integer($0.jitter) }
        },
        ConfigKey(name: "machine.max_instructions", type: .integer(1...(1 << 62)), defaultText: "10000000000 (10^10)",
                  rangeText: "1…2^62", meaning: "instructions of all harts together; a guest still running then is stopped, and the run fails") {
            $0.emulated.map { .integer(Int($0.maxInstructions)) }
        },
        ConfigKey(name: "machine.instructions_per_tick", type: .integer(1...(1 << 32)), defaultText: "100", rangeText: "1…2^32",
                  meaning: "instructions per hart per tick of the CLINT `mtime`, so that timers are deterministic") {
            $0.emulated.map { .integer(Int($0.instructionsPerTick)) }
        },
        ConfigKey(name: "machine.trace_fetches", type: .boolean, defaultText: "false", rangeText: "`true`, `false`",
                  meaning: "also trace instruction fetches (they go to `[icache]` when there is one; the data caches skip them; they count in the guest's recorded accesses)") {
            $0.emulated.map { .boolean($0.traceFetches) }
        },
    ] + generatorKeys

    /// The trace formats `workload.format` accepts (the raw values of `MTrace.TraceFormat`).
    static let traceFormatNames = ["text", "din", "mtrace"]

    /// The key named `name`; `level.2.ways` is the key `level.N.ways` (N from 1 to
    /// ``maximumLevels``).
    public static func named(_ name: String) -> ConfigKey? {
        if let (_, leaf) = levelKeyParts(name) { return levelKeys.first { $0.levelLeaf == leaf } }
        return all.first { $0.name == name && $0.levelValue == nil }
    }

    /// The tables of the config, in order.
    public static var tables: [String] {
        var seen: [String] = []
        for key in all where !seen.contains(key.table) { seen.append(key.table) }
        return seen
    }

    /// The built keys of `table`, by leaf name, for "valid keys are …" messages.
    static func validLeaves(of table: String) -> [String] {
        if table == "level" { return levelKeys.map(\.levelLeaf) }
        return all.filter { $0.table == table }.map(\.leaf)
    }

    /// The key table as Markdown, exactly as the doc comment above shows it.
    public static func markdownTable() -> String {
        var lines = ["| key | type | default | range | meaning |", "|---|---|---|---|---|"]
        for key in all {
            let type: String
            switch key.type {
            case .integer: type = "integer"
            case .choice, .string: type = "string"
            case .boolean: type = "boolean"
            case .number: type = "number"
            }
            lines.append("| `\(key.name)` | \(type) | \(key.defaultText) | \(key.rangeText) | \(key.meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    init(name: String, type: ValueType, defaultText: String, rangeText: String, meaning: String,
         resolve: @escaping @Sendable (RunConfiguration) -> ConfigValue?) {
        self.name = name
        self.type = type
        self.defaultText = defaultText
        self.rangeText = rangeText
        self.meaning = meaning
        self.resolve = resolve
        levelValue = nil
    }

    /// A `level.N.LEAF` key.
    init(levelLeaf leaf: String, type: ValueType, defaultText: String, rangeText: String, meaning: String,
         value: @escaping @Sendable (LevelSettings) -> ConfigValue) {
        name = "level.N." + leaf
        self.type = type
        self.defaultText = defaultText
        self.rangeText = rangeText
        self.meaning = meaning
        resolve = { _ in nil }
        levelValue = value
    }
}

extension ReplacementKind {
    /// The policies that draw from `system.seed`, as "`a` and `b`".
    static var seededPoliciesText: String {
        let names = allCases.filter(\.drawsRandomNumbers).map { "`\($0.rawValue)`" }
        return names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
