import CacheModels
import Coherence

/// One key of the run config: its type, default and range, for validation and documentation.
///
/// ``ConfigKey/all`` is the single list of keys: the loader accepts exactly these, and
/// ``ConfigKey/markdownTable()`` prints them for the README. The table it prints:
///
/// | key | type | default | range | meaning |
/// |---|---|---|---|---|
/// | `system.cpus` | integer | 1 | 1…64 | CPUs, each with one private cache |
/// | `system.seed` | integer | 1 | 0…2^63−1 | seeds the `random` replacement policy (each CPU's cache draws its own stream) |
/// | `workload.trace` | string | required | a path, relative to the config file's folder | the trace to simulate (`.trace`, `.din`, either optionally `.gz`) |
/// | `workload.format` | string | from the extension | `text`, `din` | the trace's format; required when the extension does not say it |
/// | `cache.line_size` | integer | 64 | a power of two, 1…4096 | bytes per cache line |
/// | `cache.sets` | integer | give `sets` or `size` | a power of two ≥ 1, sets × ways ≤ 2^30 | sets per cache; 1 is fully associative |
/// | `cache.size` | integer | give `sets` or `size` | bytes: a multiple of ways × line_size giving a power-of-two set count | capacity per cache |
/// | `cache.ways` | integer | 8 | 1…1024; for `plru` a power of two ≤ 64 | lines per set |
/// | `cache.replacement` | string | `lru` | `lru`, `fifo`, `random`, `plru` | which way of a full set is evicted |
/// | `coherence.protocol` | string | `mesi` | `none`, `msi`, `mesi`, `moesi` | the protocol joining the caches; `none` is share-nothing |
/// | `workload.elf` | — | — | not built yet in this version | reserved: a guest ELF run by the emulator |
/// | `workload.guest` | — | — | not built yet in this version | reserved: a guest program from `guests/` |
/// | `workload.generator` | string | give `trace` or `generator` | `reference`, `per-cpu-counters`, `shared-counter`, `lock-counter`, `uniform`, `stream`, `read-mostly` | a synthetic workload instead of a trace, deterministic in `system.seed` (see docs/generators.md) |
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
        /// Any string.
        case string
        /// A number (integer or float) in the range.
        case number(ClosedRange<Double>)
        /// Reserved for a later version; naming the key is an error.
        case notBuiltYet
    }

    /// The dotted name, `table.key`.
    public let name: String
    public let type: ValueType
    /// The default, as the documentation says it ("required" when there is none).
    public let defaultText: String
    /// The accepted values, as the documentation says them.
    public let rangeText: String
    public let meaning: String
    /// The key's value in a loaded config (nil for reserved keys, and nil from the closure
    /// for keys that do not apply to the config's workload): drives the resolved config of
    /// every report, so no key can be left out of them.
    let resolve: (@Sendable (RunConfiguration) -> ConfigValue?)?

    /// The table part of the name (`cache` of `cache.ways`).
    public var table: String { String(name[..<name.firstIndex(of: ".")!]) }
    /// The key part of the name (`ways` of `cache.ways`).
    public var leaf: String { String(name[name.index(after: name.firstIndex(of: ".")!)...]) }
    /// False for keys reserved for later versions.
    public var isBuilt: Bool {
        if case .notBuiltYet = type { return false }
        return true
    }

    /// Every key, in documentation (and report) order.
    public static let all: [ConfigKey] = [
        ConfigKey(name: "system.cpus", type: .integer(1...CPUSet.capacity), defaultText: "1", rangeText: "1…64",
                  meaning: "CPUs, each with one private cache") { .integer($0.cpus) },
        ConfigKey(name: "system.seed", type: .integer(0...Int.max), defaultText: "1", rangeText: "0…2^63−1",
                  meaning: "seeds the `random` replacement policy (each CPU's cache draws its own stream)") {
            .integer(Int($0.seed))
        },
        ConfigKey(name: "workload.trace", type: .string, defaultText: "required",
                  rangeText: "a path, relative to the config file's folder",
                  meaning: "the trace to simulate (`.trace`, `.din`, either optionally `.gz`)") {
            guard case let .trace(t) = $0.workload else { return nil }
            return .string(t.path)
        },
        ConfigKey(name: "workload.format", type: .choice(traceFormatNames), defaultText: "from the extension",
                  rangeText: "`text`, `din`", meaning: "the trace's format; required when the extension does not say it") {
            guard case let .trace(t) = $0.workload else { return nil }
            return .string(t.format.rawValue)
        },
        ConfigKey(name: "cache.line_size", type: .integer(nil), defaultText: "64", rangeText: "a power of two, 1…4096",
                  meaning: "bytes per cache line") { .integer($0.geometry.lineSize) },
        ConfigKey(name: "cache.sets", type: .integer(nil), defaultText: "give `sets` or `size`",
                  rangeText: "a power of two ≥ 1, sets × ways ≤ 2^30",
                  meaning: "sets per cache; 1 is fully associative") { .integer($0.geometry.sets) },
        ConfigKey(name: "cache.size", type: .integer(nil), defaultText: "give `sets` or `size`",
                  rangeText: "bytes: a multiple of ways × line_size giving a power-of-two set count",
                  meaning: "capacity per cache") { .integer($0.geometry.size) },
        ConfigKey(name: "cache.ways", type: .integer(nil), defaultText: "8", rangeText: "1…1024; for `plru` a power of two ≤ 64",
                  meaning: "lines per set") { .integer($0.geometry.ways) },
        ConfigKey(name: "cache.replacement", type: .choice(ReplacementKind.allCases.map(\.rawValue)),
                  defaultText: "`lru`", rangeText: "`lru`, `fifo`, `random`, `plru`",
                  meaning: "which way of a full set is evicted") { .string($0.replacement.rawValue) },
        ConfigKey(name: "coherence.protocol", type: .choice(CoherenceProtocol.allCases.map(\.rawValue)),
                  defaultText: "`mesi`", rangeText: "`none`, `msi`, `mesi`, `moesi`",
                  meaning: "the protocol joining the caches; `none` is share-nothing") { .string($0.coherence.rawValue) },
        ConfigKey(reserved: "workload.elf", meaning: "reserved: a guest ELF run by the emulator"),
        ConfigKey(reserved: "workload.guest", meaning: "reserved: a guest program from `guests/`"),
    ] + generatorKeys

    /// The trace formats `workload.format` accepts (the raw values of `MTrace.TraceFormat`).
    static let traceFormatNames = ["text", "din"]

    /// The key named `name`, reserved ones included.
    public static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }

    /// The tables of the config, in order.
    public static var tables: [String] {
        var seen: [String] = []
        for key in all where !seen.contains(key.table) { seen.append(key.table) }
        return seen
    }

    /// The built keys of `table`, by leaf name, for "valid keys are …" messages.
    static func validLeaves(of table: String) -> [String] {
        all.filter { $0.table == table && $0.isBuilt }.map(\.leaf)
    }

    /// The key table as Markdown, exactly as the doc comment above shows it.
    public static func markdownTable() -> String {
        var lines = ["| key | type | default | range | meaning |", "|---|---|---|---|---|"]
        for key in all {
            let type: String
            switch key.type {
            case .integer: type = "integer"
            case .choice, .string: type = "string"
            case .number: type = "number"
            case .notBuiltYet: type = "—"
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
    }

    init(reserved name: String, meaning: String) {
        self.name = name
        self.type = .notBuiltYet
        self.defaultText = "—"
        self.rangeText = "not built yet in this version"
        self.meaning = meaning
        self.resolve = nil
    }
}
