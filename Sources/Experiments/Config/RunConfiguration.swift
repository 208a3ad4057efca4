import Foundation
import TOML
import MTrace
import CacheModels
import Coherence
import Reports

/// A recorded trace to simulate.
public struct TraceWorkload: Equatable {
    /// The path as the config (or `--set`) wrote it: what reports show, so that outputs do
    /// not depend on the working directory.
    public var path: String
    /// The path to open: `path` resolved against the config file's folder.
    public var resolvedPath: String
    public var format: TraceFormat

    public init(path: String, resolvedPath: String, format: TraceFormat) {
        self.path = path
        self.resolvedPath = resolvedPath
        self.format = format
    }
}

/// Where a run's accesses come from: a recorded trace, a program the emulator runs, or a
/// synthetic generator.
public enum Workload: Equatable {
    case trace(TraceWorkload)
    case emulated(EmulatedWorkload)
    /// A synthetic generator (`workload.generator`), seeded by `system.seed`.
    case generator(GeneratorSpec)
}

/// A validated run config: everything `mtlab run` needs, with every default filled in.
/// See ``ConfigKey`` for the keys, their defaults and ranges.
public struct RunConfiguration: Equatable {
    public var cpus: Int
    public var seed: UInt64
    public var workload: Workload
    public var geometry: CacheGeometry
    public var replacement: ReplacementKind
    public var coherence: CoherenceProtocol
    /// The cache hierarchy, when the config gives any of its keys (`[icache]`, `[[level]]`,
    /// `[memory]`, the write policy or a latency); its first data level is `geometry` and
    /// `replacement`. Nil is a single-level run.
    public var hierarchy: HierarchySettings?
    /// The config file it came from (as named on the command line), for messages.
    public var file: String

    public init(cpus: Int, seed: UInt64 = 1, workload: Workload, geometry: CacheGeometry,
                replacement: ReplacementKind = .lru, coherence: CoherenceProtocol = .mesi,
                hierarchy: HierarchySettings? = nil, file: String) {
        self.hierarchy = hierarchy
        self.cpus = cpus
        self.seed = seed
        self.workload = workload
        self.geometry = geometry
        self.replacement = replacement
        self.coherence = coherence
        self.file = file
    }

    /// The file the workload reads (a trace, an ELF or a guest's source), resolved; nil for
    /// a generator.
    public var inputPath: String? {
        switch workload {
        case .trace(let t): return t.resolvedPath
        case .emulated(let e):
            switch e.program {
            case .elf(_, let resolvedPath), .guest(_, let resolvedPath, _): return resolvedPath
            }
        case .generator: return nil
        }
    }

    /// The emulated workload, if this config runs one.
    public var emulated: EmulatedWorkload? {
        if case let .emulated(e) = workload { return e }
        return nil
    }

    /// What the simulator needs of this config.
    public func simulatorConfiguration(checkInvariants: Bool = false) -> SimulatorConfiguration {
        SimulatorConfiguration(cpus: cpus, geometry: geometry, replacement: replacement,
                               coherence: coherence, seed: seed, checkInvariants: checkInvariants)
    }

    /// What the hierarchy simulator needs of this config, when it has a hierarchy.
    public func hierarchyConfiguration(checkInvariants: Bool = false) -> HierarchyConfiguration? {
        hierarchy.map {
            HierarchyConfiguration(cpus: cpus, hierarchy: $0, coherence: coherence, seed: seed, checkInvariants: checkInvariants)
        }
    }

    /// Every built key that applies to this config with its resolved value, in
    /// ``ConfigKey/all`` order (both `cache.sets` and `cache.size`, whichever was given;
    /// the `machine` keys only for emulated workloads; the hierarchy keys only for a
    /// hierarchy, `level.N.*` as `level.1.name`, `level.1.sets`, …, `level.2.name`, …).
    public var resolvedValues: [(key: String, value: ConfigValue)] {
        var values: [(key: String, value: ConfigValue)] = []
        for key in ConfigKey.all {
            if key.levelValue == nil {
                if let value = key.resolve(self) { values.append((key.name, value)) }
            } else if key.name == ConfigKey.levelKeys[0].name, let levels = hierarchy?.data.dropFirst() {
                for (n, level) in zip(1..., levels) {
                    for k in ConfigKey.levelKeys { values.append(("level.\(n).\(k.levelLeaf)", k.levelValue!(level))) }
                }
            }
        }
        return values
    }

    /// Reads and validates the TOML config at `path`, applying `--set key=value` overrides
    /// first. Throws ``ConfigError``.
    public static func load(path: String, overrides: [String] = []) throws -> RunConfiguration {
        let data: Data
        switch readInputFile(path) {
        case .success(let d): data = d
        case .failure(let problem):
            throw ConfigError(.unreadable, place: path, message: "cannot read the config file: \(problem.reason)")
        }
        // The bytes go to the TOML reader as they are: it names the line and byte offset of
        // invalid UTF-8.
        return try parse(bytes: Array(data), file: path, overrides: overrides)
    }

    /// Validates config text as if read from `file` (which names it in messages and anchors
    /// relative trace paths). Throws ``ConfigError``.
    public static func parse(_ text: String, file: String, overrides: [String] = []) throws -> RunConfiguration {
        try parse(bytes: Array(text.utf8), file: file, overrides: overrides)
    }

    static func parse(bytes: [UInt8], file: String, overrides: [String]) throws -> RunConfiguration {
        var loader = ConfigLoader(file: file)
        try loader.read(bytes)
        for o in overrides { try loader.apply(override: o) }
        return try loader.validate()
    }
}

/// The mutable state of one load: the config's values by dotted key, each with where it
/// came from, so that errors point at the file or at the `--set` that set it.
struct ConfigLoader {
    struct Entry {
        var value: ConfigValue
        var place: String
    }

    let file: String
    var entries: [String: Entry] = [:]
    /// The `[[level]]` tables of the file.
    var levelCount = 0

    init(file: String) { self.file = file }

    mutating func read(_ bytes: [UInt8]) throws {
        let root: TOMLTable
        do {
            root = try TOMLTable(parsing: bytes)
        } catch {
            throw ConfigError(.syntax, place: "\(file):\(error.line):\(error.column)", message: error.message)
        }
        // Sorted, so that the first of several unknown keys reported is always the same one.
        for (tableName, node) in root.sorted(by: { $0.0 < $1.0 }) {
            guard ConfigKey.tables.contains(tableName) else {
                throw unknownKey(tableName, place: file)
            }
            if tableName == "level" {
                try readLevels(node)
                continue
            }
            guard let table = node.table else {
                throw ConfigError(.wrongType, place: file, key: tableName,
                                  message: "\(tableName) must be a table ([\(tableName)]), got \(ConfigValue(toml: node).typedDescription)")
            }
            for (leaf, value) in table.sorted(by: { $0.0 < $1.0 }) {
                let name = tableName + "." + leaf
                try checkKnown(name, place: file)
                entries[name] = Entry(value: ConfigValue(toml: value), place: file)
            }
        }
    }

    /// `[[level]]` tables: their keys become `level.1.*`, `level.2.*`, … in file order.
    mutating func readLevels(_ node: TOMLValue) throws {
        guard let array = node.array, array.allSatisfy({ $0.table != nil }) else {
            throw ConfigError(.wrongType, place: file, key: "level",
                              message: "level must be an array of tables, each written [[level]], got \(ConfigValue(toml: node).typedDescription)")
        }
        guard array.count <= ConfigKey.maximumLevels else {
            throw ConfigError(.outOfRange, place: file, key: "level",
                              message: "at most \(ConfigKey.maximumLevels) [[level]] tables may follow [cache], got \(array.count)")
        }
        levelCount = array.count
        for (n, element) in zip(1..., array) {
            for (leaf, value) in (element.table ?? TOMLTable()).sorted(by: { $0.0 < $1.0 }) {
                let name = "level.\(n).\(leaf)"
                try checkKnown(name, place: file)
                entries[name] = Entry(value: ConfigValue(toml: value), place: file)
            }
        }
    }

    mutating func apply(override text: String) throws {
        let place = "--set \(text)"
        guard let eq = text.firstIndex(of: "=") else {
            throw ConfigError(.badOverride, place: place, message: "expected key=value, such as cache.ways=4")
        }
        let name = text[..<eq].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        try checkKnown(name, place: place)
        if let (n, _) = ConfigKey.levelKeyParts(name), n > levelCount {
            let has = levelCount == 0 ? "no [[level]] tables" : levelCount == 1 ? "one [[level]] table (level.1)"
                : "\(levelCount) [[level]] tables (level.1 to level.\(levelCount))"
            throw ConfigError(.unknownKey, place: place, key: name,
                              message: "\(name) names level.\(n), which does not exist: the config has \(has); add a [[level]] table to the file for it")
        }
        entries[name] = Entry(value: ConfigValue(commandLine: value), place: place)
    }

    func checkKnown(_ name: String, place: String) throws {
        guard ConfigKey.named(name) != nil else { throw unknownKey(name, place: place) }
    }

    func unknownKey(_ name: String, place: String) -> ConfigError {
        if let hint = Self.hierarchyKeyHint(name) {
            return ConfigError(.unknownKey, place: place, key: name, message: hint)
        }
        let tables = ConfigKey.tables
        if let dot = name.firstIndex(of: "."), tables.contains(String(name[..<dot])) {
            let table = String(name[..<dot])
            let valid = ConfigKey.validLeaves(of: table).joined(separator: ", ")
            return ConfigError(.unknownKey, place: place, key: name,
                               message: "unknown key \(name); valid keys in [\(table)] are \(valid)")
        }
        let valid = tables.map { $0 == "level" ? "[[level]]" : "[\($0)]" }.joined(separator: ", ")
        let what = name.contains(".") ? "key \(name) (no such table)" : "table or key \(name)"
        return ConfigError(.unknownKey, place: place, key: name,
                           message: "unknown \(what); valid tables are \(valid), and keys are written table.key")
    }

    // MARK: Typed access, driven by ConfigKey.all

    func place(of name: String) -> String { entries[name]?.place ?? file }

    func integer(_ name: String) throws -> Int? {
        guard let entry = entries[name] else { return nil }
        guard case let .integer(v) = entry.value else {
            throw ConfigError(.wrongType, place: entry.place, key: name,
                              message: "\(name) must be an integer, got \(entry.value.typedDescription)")
        }
        if case let .integer(range?) = ConfigKey.named(name)!.type, !range.contains(v) {
            throw ConfigError(.outOfRange, place: entry.place, key: name,
                              message: "\(name) must be \(ConfigKey.named(name)!.rangeText), got \(v)")
        }
        return v
    }

    func string(_ name: String) throws -> String? {
        guard let entry = entries[name] else { return nil }
        guard case let .string(s) = entry.value else {
            throw ConfigError(.wrongType, place: entry.place, key: name,
                              message: "\(name) must be a string, got \(entry.value.typedDescription)")
        }
        return s
    }

    func boolean(_ name: String) throws -> Bool? {
        guard let entry = entries[name] else { return nil }
        guard case let .boolean(b) = entry.value else {
            throw ConfigError(.wrongType, place: entry.place, key: name,
                              message: "\(name) must be true or false, got \(entry.value.typedDescription)")
        }
        return b
    }

    func choice(_ name: String) throws -> String? {
        guard let entry = entries[name] else { return nil }
        guard case let .choice(choices) = ConfigKey.named(name)!.type else { preconditionFailure("\(name) is not a choice") }
        guard case let .string(s) = entry.value, choices.contains(s) else {
            throw ConfigError(entry.value.typeName == "string" ? .outOfRange : .wrongType, place: entry.place, key: name,
                              message: "\(name) must be one of \(choices.joined(separator: ", ")), got \(entry.value.typedDescription)")
        }
        return s
    }

    // MARK: Validation

    func validate() throws -> RunConfiguration {
        let cpus = try integer("system.cpus") ?? 1
        let seed = UInt64(try integer("system.seed") ?? 1)
        // choice() accepts only the registry's names.
        let replacement = ReplacementKind(rawValue: try choice("cache.replacement") ?? "lru") ?? .lru
        let coherence = CoherenceProtocol(rawValue: try choice("coherence.protocol") ?? "mesi")!
        let geometry = try validateGeometry(table: "cache", replacement: replacement)
        let hierarchy = try validateHierarchy(firstLevel: geometry, replacement: replacement)
        let workload = try validateWorkload()
        return RunConfiguration(cpus: cpus, seed: seed, workload: workload, geometry: geometry,
                                replacement: replacement, coherence: coherence, hierarchy: hierarchy, file: file)
    }

    /// The geometry of `table` (`cache`, `icache`, `level.N`); every table but `cache`
    /// takes `cache.line_size`, given as `lineSize`.
    func validateGeometry(table: String, lineSize given: Int? = nil, replacement: ReplacementKind) throws -> CacheGeometry {
        // Type and range errors come in this order, whichever keys are wrong.
        let lineSize = try given ?? integer("cache.line_size")
        let ways = try integer("\(table).ways")
        let sets = try integer("\(table).sets")
        let size = try integer("\(table).size")
        let settings = CacheSettings(sets: sets, size: size, ways: ways, lineSize: lineSize, replacement: replacement, table: table)
        do {
            return try settings.geometry()
        } catch let e as GeometryError {
            let name = e.qualifiedKey
            let kind: ConfigError.Kind
            switch e.problem {
            case .invalid: kind = .outOfRange
            case .conflict: kind = .conflict
            case .missing: kind = .missing
            }
            // A key given nowhere (the missing one) is blamed on the file.
            throw ConfigError(kind, place: place(of: name), key: name, message: e.description)
        }
    }

    /// Exactly one of `workload.trace`, `workload.elf`, `workload.guest`,
    /// `workload.generator`; the keys that go with it; no key that belongs to another kind
    /// of workload.
    func validateWorkload() throws -> Workload {
        let sources = ["workload.trace", "workload.elf", "workload.guest", "workload.generator"].filter { entries[$0] != nil }
        guard let source = sources.first else {
            throw ConfigError(.missing, place: file, key: "workload.trace",
                              message: "the workload is missing: give workload.trace (a trace file), workload.elf (a RISC-V executable) or workload.guest (a guest program's source), relative to the config file's folder, or workload.generator")
        }
        guard sources.count == 1 else {
            // Blame the one a --set added, when one did: that is where the user looks.
            let culprit = sources.first { place(of: $0) != file } ?? sources[1]
            throw ConfigError(.conflict, place: place(of: culprit), key: culprit,
                              message: "\(sources.joined(separator: " and ")) are both given; give exactly one workload")
        }
        let emulated = source == "workload.elf" || source == "workload.guest"
        let emulatedOnly = ConfigKey.all.filter { $0.table == "machine" }.map(\.name) + ["workload.cflags"]
        if !emulated, let stray = emulatedOnly.first(where: { entries[$0] != nil }) {
            throw ConfigError(.conflict, place: place(of: stray), key: stray,
                              message: "\(stray) applies only to emulated workloads (workload.elf or workload.guest), not to \(source)")
        }
        if source != "workload.trace", entries["workload.format"] != nil {
            throw ConfigError(.conflict, place: place(of: "workload.format"), key: "workload.format",
                              message: "workload.format applies only to workload.trace, not to \(source)")
        }
        // (Also refuses generator parameters given without workload.generator.)
        if let generator = try validateGenerator() { return .generator(generator) }
        if source == "workload.trace" { return .trace(try validateTrace()) }
        if source == "workload.elf", entries["workload.cflags"] != nil {
            throw ConfigError(.conflict, place: place(of: "workload.cflags"), key: "workload.cflags",
                              message: "workload.cflags applies only to workload.guest (workload.elf is already built)")
        }
        return .emulated(try validateEmulated(source))
    }

    func validateTrace() throws -> TraceWorkload {
        let path = try nonEmptyPath("workload.trace")
        let format: TraceFormat
        if let name = try choice("workload.format") {
            format = TraceFormat(rawValue: name)!
        } else if let inferred = TraceFormat.infer(fromPath: path) {
            format = inferred
        } else {
            throw ConfigError(.missing, place: place(of: "workload.trace"), key: "workload.format",
                              message: "workload.format is required: the extension of \(quoted(path)) does not say the format (.trace is text, .din is din, .mtrace is mtrace, each optionally .gz)")
        }
        return TraceWorkload(path: path, resolvedPath: resolve(path), format: format)
    }

    func validateEmulated(_ source: String) throws -> EmulatedWorkload {
        let path = try nonEmptyPath(source)
        let program: EmulatedWorkload.Program = source == "workload.elf"
            ? .elf(path: path, resolvedPath: resolve(path))
            : .guest(path: path, resolvedPath: resolve(path), cflags: try string("workload.cflags") ?? "")
        var workload = EmulatedWorkload(program: program)
        if let ram = try integer("machine.ram") {
            guard ram % 4096 == 0 else {
                throw ConfigError(.outOfRange, place: place(of: "machine.ram"), key: "machine.ram",
                                  message: "machine.ram must be a multiple of 4096 bytes, got \(ram)")
            }
            workload.ramSize = ram
        }
        if let quantum = try integer("machine.quantum") { workload.quantum = quantum }
        if let jitter = try integer("machine.jitter") { workload.jitter = jitter }
        if let limit = try integer("machine.max_instructions") { workload.maxInstructions = UInt64(limit) }
        if let tick = try integer("machine.instructions_per_tick") { workload.instructionsPerTick = UInt64(tick) }
        if let fetches = try boolean("machine.trace_fetches") { workload.traceFetches = fetches }
        return workload
    }

    func nonEmptyPath(_ key: String) throws -> String {
        guard let path = try string(key) else { preconditionFailure("\(key) is checked to be present") }
        guard !path.isEmpty else {
            throw ConfigError(.outOfRange, place: place(of: key), key: key, message: "\(key) must be a path, got \"\"")
        }
        return path
    }

    /// `path` relative to the config file's folder, spelled so the user can open it from
    /// where they ran mtlab (no standardisation: messages show what they would type).
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }
}
