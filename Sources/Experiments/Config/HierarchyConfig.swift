import CacheModels
import Coherence

/// The keys of a cache hierarchy (docs/hierarchy.md): the first level's write policy and
/// latency, `[icache]`, the `[[level]]` tables, `[memory]` and the transfer latency. A config
/// that gives none of them is a single-level run and resolves none of them.
extension ConfigKey {
    /// `[[level]]` tables a config may have (levels below the first).
    public static let maximumLevels = 8
    /// The largest latency of a level, of memory or of a transfer, in cycles.
    public static let maximumLatency = 1 << 20
    static let latencyRange = "0…2^20"

    static let writePolicies = ["write-back", "write-through"]

    /// The keys from `cache.write_policy` to `memory.latency`, in documentation order.
    static let hierarchyKeys: [ConfigKey] = [
        ConfigKey(name: "cache.write_policy", type: .choice(writePolicies), defaultText: "`write-back`",
                  rangeText: "`write-back`, `write-through`",
                  meaning: "`write-back`: a store dirties the line, which reaches the level below when evicted; `write-through`: every store is also passed down at once. Any key from here to `memory.latency`, or `coherence.transfer_latency`, makes the run a cache hierarchy (docs/hierarchy.md)") {
            $0.hierarchy.map { .string($0.data[0].writeBack ? "write-back" : "write-through") }
        },
        ConfigKey(name: "cache.write_allocate", type: .boolean, defaultText: "true", rangeText: "`true`, `false`",
                  meaning: "a store miss fills the line; `false` passes the store down without filling") {
            $0.hierarchy.map { .boolean($0.data[0].writeAllocate) }
        },
        ConfigKey(name: "cache.latency", type: .integer(0...maximumLatency), defaultText: "0", rangeText: latencyRange,
                  meaning: "cycles of a hit in the first level; with every latency 0 no timing is reported") {
            $0.hierarchy.map { .integer($0.data[0].latency) }
        },
        ConfigKey(name: "icache.sets", type: .integer(nil), defaultText: "give `sets` or `size` when `[icache]` is given",
                  rangeText: "as `cache.sets`",
                  meaning: "an instruction cache per CPU beside `[cache]`, with `cache.line_size`; instruction fetches go to it (without it they are skipped)") {
            $0.hierarchy?.instruction.map { .integer($0.geometry.sets) }
        },
        ConfigKey(name: "icache.size", type: .integer(nil), defaultText: "give `sets` or `size` when `[icache]` is given",
                  rangeText: "as `cache.size`", meaning: "capacity per instruction cache") {
            $0.hierarchy?.instruction.map { .integer($0.geometry.size) }
        },
        ConfigKey(name: "icache.ways", type: .integer(nil), defaultText: "8", rangeText: "as `cache.ways`",
                  meaning: "lines per set") {
            $0.hierarchy?.instruction.map { .integer($0.geometry.ways) }
        },
        ConfigKey(name: "icache.replacement", type: .choice(ReplacementKind.allCases.map(\.rawValue)), defaultText: "`lru`",
                  rangeText: "as `cache.replacement`", meaning: "which way of a full set is evicted") {
            $0.hierarchy?.instruction.map { .string($0.replacement.rawValue) }
        },
        ConfigKey(name: "icache.latency", type: .integer(0...maximumLatency), defaultText: "0", rangeText: latencyRange,
                  meaning: "cycles of a hit in the instruction cache") {
            $0.hierarchy?.instruction.map { .integer($0.latency) }
        },
    ] + levelKeys + [
        ConfigKey(name: "memory.latency", type: .integer(0...maximumLatency), defaultText: "0", rangeText: latencyRange,
                  meaning: "cycles of a line from memory") {
            $0.hierarchy.map { .integer($0.memoryLatency) }
        },
    ]

    /// `coherence.transfer_latency`, listed after `coherence.protocol`.
    static let transferLatencyKey = ConfigKey(
        name: "coherence.transfer_latency", type: .integer(0...maximumLatency), defaultText: "0", rangeText: latencyRange,
        meaning: "cycles of a line supplied by another CPU's caches (a hierarchy key)") {
        $0.hierarchy.map { .integer($0.transferLatency) }
    }

    /// The keys of one `[[level]]` table, `level.N.*` (N = 1 for the first table; `--set
    /// level.1.ways=4`). Every level is write-back and write-allocate, with `cache.line_size`.
    static let levelKeys: [ConfigKey] = [
        ConfigKey(levelLeaf: "name", type: .string, defaultText: "`L2` for `level.1`, `L3` for `level.2`, …",
                  rangeText: "1…32 letters, digits, `-`, `_`, `.`; unique",
                  meaning: "what reports call the level (`[cache]` is `L1`, or `L1d` beside an `[icache]` `L1i`)") {
            .string($0.name)
        },
        ConfigKey(levelLeaf: "sets", type: .integer(nil), defaultText: "give `sets` or `size`", rangeText: "as `cache.sets`",
                  meaning: "sets per cache of the level") { .integer($0.geometry.sets) },
        ConfigKey(levelLeaf: "size", type: .integer(nil), defaultText: "give `sets` or `size`", rangeText: "as `cache.size`",
                  meaning: "capacity per cache of the level") { .integer($0.geometry.size) },
        ConfigKey(levelLeaf: "ways", type: .integer(nil), defaultText: "8", rangeText: "as `cache.ways`",
                  meaning: "lines per set") { .integer($0.geometry.ways) },
        ConfigKey(levelLeaf: "replacement", type: .choice(ReplacementKind.allCases.map(\.rawValue)), defaultText: "`lru`",
                  rangeText: "as `cache.replacement`", meaning: "which way of a full set is evicted") {
            .string($0.replacement.rawValue)
        },
        ConfigKey(levelLeaf: "latency", type: .integer(0...maximumLatency), defaultText: "0", rangeText: latencyRange,
                  meaning: "cycles of a hit in the level") { .integer($0.latency) },
        ConfigKey(levelLeaf: "sharing", type: .choice(LevelSharing.allCases.map(\.rawValue)), defaultText: "`private`",
                  rangeText: "`private`, `shared`; no `private` level after a `shared` one",
                  meaning: "`private`: one cache per CPU; `shared`: one cache for all CPUs") { .string($0.sharing.rawValue) },
        ConfigKey(levelLeaf: "inclusion", type: .choice(Inclusion.allCases.map(\.rawValue)), defaultText: "`non-inclusive`",
                  rangeText: "`non-inclusive`, `inclusive`, `exclusive` (shared levels only)",
                  meaning: "what the level promises about the lines of the levels above it: nothing, every line above is here too (evicting one invalidates the copies above), or a line is above or here, never both") {
            .string($0.inclusion.rawValue)
        },
    ]

    /// The leaf of a `level.N.LEAF` key.
    var levelLeaf: String { String(name.dropFirst("level.N.".count)) }

    /// `(N, LEAF)` of `level.N.LEAF` when N is 1…``maximumLevels`` written plainly (no sign,
    /// no leading zero).
    static func levelKeyParts(_ name: String) -> (index: Int, leaf: String)? {
        let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "level", let n = Int(parts[1]), String(n) == parts[1],
              (1...maximumLevels).contains(n) else { return nil }
        return (n, String(parts[2]))
    }
}

extension ConfigLoader {
    /// Whether a key belongs to a hierarchy (its presence makes the config one).
    static func isHierarchyKey(_ name: String) -> Bool {
        name.hasPrefix("icache.") || name.hasPrefix("level.") || name.hasPrefix("memory.")
            || ConfigKey.hierarchyKeys.contains { $0.name == name } || name == ConfigKey.transferLatencyKey.name
    }

    /// The hierarchy, or nil when the config gives none of its keys. Every rule of
    /// docs/hierarchy.md is checked here, each error naming the key at fault.
    func validateHierarchy(firstLevel geometry: CacheGeometry, replacement: ReplacementKind) throws -> HierarchySettings? {
        guard levelCount > 0 || entries.keys.contains(where: Self.isHierarchyKey) else { return nil }
        let writeBack = (try choice("cache.write_policy") ?? "write-back") == "write-back"
        let writeAllocate = try boolean("cache.write_allocate") ?? true
        let hasInstructionCache = entries.keys.contains { $0.hasPrefix("icache.") }
        let first = LevelSettings(name: hasInstructionCache ? "L1d" : "L1", geometry: geometry, replacement: replacement,
                                  writeBack: writeBack, writeAllocate: writeAllocate,
                                  latency: try integer("cache.latency") ?? 0)
        var instruction: LevelSettings?
        if hasInstructionCache {
            let policy = try replacementChoice("icache.replacement")
            instruction = LevelSettings(name: "L1i", geometry: try validateGeometry(table: "icache", lineSize: geometry.lineSize, replacement: policy),
                                        replacement: policy, latency: try integer("icache.latency") ?? 0)
        }
        var data = [first]
        var names = [first.name] + (instruction.map { [$0.name] } ?? [])
        for n in stride(from: 1, through: levelCount, by: 1) {
            let table = "level.\(n)"
            let policy = try replacementChoice("\(table).replacement")
            let levelGeometry = try validateGeometry(table: table, lineSize: geometry.lineSize, replacement: policy)
            let name = try string("\(table).name") ?? "L\(n + 1)"
            try checkLevelName(name, key: "\(table).name", taken: names)
            names.append(name)
            // choice() accepts only the enumerations' raw values.
            let sharing = LevelSharing(rawValue: try choice("\(table).sharing") ?? "private") ?? .private
            let inclusion = Inclusion(rawValue: try choice("\(table).inclusion") ?? "non-inclusive") ?? .nonInclusive
            if sharing == .private, let shared = data.lastIndex(where: { $0.sharing == .shared }) {
                let key = "\(table).sharing"
                throw ConfigError(.conflict, place: place(of: key), key: key,
                                  message: "\(key) is private, but it follows level.\(shared), which is shared: the private levels come first (nearest the CPUs)")
            }
            if inclusion == .exclusive, sharing == .private {
                let key = "\(table).inclusion"
                throw ConfigError(.conflict, place: place(of: key), key: key,
                                  message: "\(key) is exclusive, which only a shared level can be; a private level may be non-inclusive or inclusive")
            }
            data.append(LevelSettings(name: name, geometry: levelGeometry, replacement: policy,
                                      latency: try integer("\(table).latency") ?? 0, sharing: sharing, inclusion: inclusion))
        }
        return HierarchySettings(data: data, instruction: instruction,
                                 memoryLatency: try integer("memory.latency") ?? 0,
                                 transferLatency: try integer("coherence.transfer_latency") ?? 0)
    }

    /// The message for an unknown `icache.*` or `level.*` key, saying what is meant instead.
    static func hierarchyKeyHint(_ name: String) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts[0] == "icache" || parts[0] == "level" else { return nil }
        let leaf = parts.last!
        let lineSize = "\(name) is not a key: every level has the first level's line size, cache.line_size"
        if parts[0] == "icache" {
            if leaf == "line_size" { return lineSize }
            if leaf == "write_policy" || leaf == "write_allocate" { return "\(name) is not a key: an instruction cache is never written" }
            return nil
        }
        let valid = ConfigKey.validLeaves(of: "level").joined(separator: ", ")
        guard parts.count == 3 else {
            return "unknown key \(name); keys of a [[level]] table are written level.N.KEY, N from 1 (the first [[level]]) to \(ConfigKey.maximumLevels), such as level.1.ways; valid keys are \(valid)"
        }
        guard ConfigKey.levelKeyParts(name) != nil else {
            return "unknown key \(name): [[level]] tables are numbered level.1 (the first) to level.\(ConfigKey.maximumLevels), such as level.1.ways"
        }
        if leaf == "line_size" { return lineSize }
        if leaf == "write_policy" || leaf == "write_allocate" {
            return "\(name) is not a key: levels below the first are write-back and write-allocate"
        }
        return "unknown key \(name); valid keys in [[level]] are \(valid)"
    }

    func replacementChoice(_ key: String) throws -> ReplacementKind {
        ReplacementKind(rawValue: try choice(key) ?? "lru") ?? .lru
    }

    /// Names show in every report and CSV field: short, plain and distinct.
    func checkLevelName(_ name: String, key: String, taken: [String]) throws {
        let plain = name.unicodeScalars.allSatisfy { s in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" || s == "_" || s == ".")
        }
        guard plain, (1...32).contains(name.count) else {
            throw ConfigError(.outOfRange, place: place(of: key), key: key,
                              message: "\(key) must be 1…32 letters, digits, '-', '_' or '.', got \(ConfigValue.string(name))")
        }
        guard !taken.contains(name) else {
            throw ConfigError(.conflict, place: place(of: key), key: key,
                              message: "\(key) is \(ConfigValue.string(name)), a name another level already has; each level needs its own")
        }
    }
}
