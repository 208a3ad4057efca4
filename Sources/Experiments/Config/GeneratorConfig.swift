import MTrace

/// The `[workload]` keys of the synthetic generators, and their validation.
extension ConfigKey {
    /// `workload.generator` and its parameters, in documentation order. A parameter shows in
    /// the resolved config only when the chosen generator reads it.
    static let generatorKeys: [ConfigKey] = [
        ConfigKey(name: "workload.generator", type: .choice(GeneratorKind.allCases.map(\.rawValue)),
                  defaultText: "exactly one of `trace`, `elf`, `guest`, `generator`",
                  rangeText: GeneratorKind.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "),
                  meaning: "a synthetic workload instead of a trace, deterministic in `system.seed` (see docs/generators.md)") {
            guard case let .generator(g) = $0.workload else { return nil }
            return .string(g.kind.rawValue)
        },
        ConfigKey(name: "workload.operations", type: .integer(1...GeneratorSpec.maximumCount), defaultText: "100000",
                  rangeText: "1…2^40", meaning: "operations per CPU (`reference`: references per CPU, round-robin)") {
            generatorValue($0, .operations) { .integer($0.operations) }
        },
        ConfigKey(name: "workload.access_size", type: .integer(1...maximumAccessSize), defaultText: "8",
                  rangeText: "1…4096", meaning: "bytes per access (`reference`: always 4)") {
            generatorValue($0, .accessSize) { .integer($0.accessSize) }
        },
        ConfigKey(name: "workload.stride", type: .integer(nil), defaultText: "`access_size` (packed)",
                  rangeText: "`access_size`…2^30 for the counters, 1…2^30 for `stream`",
                  meaning: "bytes between per-CPU counters, from the lock to its counter, or between a stream's accesses") {
            generatorValue($0, .stride) { .integer($0.stride) }
        },
        ConfigKey(name: "workload.working_set", type: .integer(nil), defaultText: "1048576",
                  rangeText: "a multiple of `access_size`, up to 2^40",
                  meaning: "bytes of each CPU's region (`uniform`, `stream`) or of the shared table (`read-mostly`)") {
            generatorValue($0, .workingSet) { .integer($0.workingSet) }
        },
        ConfigKey(name: "workload.write_fraction", type: .number(0...1),
                  defaultText: "1 (counters), 0.3 (`uniform`, `stream`), 0.01 (`read-mostly`)", rangeText: "0…1",
                  meaning: "fraction of operations that write") {
            generatorValue($0, .writeFraction) { .float($0.writeFraction) }
        },
    ]

    /// A generator parameter's value when the config's generator reads it, else nil.
    private static func generatorValue(_ c: RunConfiguration, _ parameter: GeneratorParameter,
                                       _ value: (GeneratorSpec) -> ConfigValue) -> ConfigValue? {
        guard case let .generator(g) = c.workload, g.kind.parameters.contains(parameter) else { return nil }
        return value(g)
    }
}

extension ConfigLoader {
    /// The generator the config names, or nil when it names none (then no generator
    /// parameter may be given). Throws ``ConfigError`` naming the key at fault.
    func validateGenerator() throws -> GeneratorSpec? {
        let parameterKeys = GeneratorParameter.allCases.map { "workload." + $0.rawValue }
        guard let name = try choice("workload.generator") else {
            if let given = parameterKeys.first(where: { entries[$0] != nil }) {
                throw ConfigError(.conflict, place: place(of: given), key: given,
                                  message: "\(given) is a generator parameter; it needs workload.generator")
            }
            return nil
        }
        let spec = GeneratorSpec(
            kind: GeneratorKind(rawValue: name)!,
            operations: try integer("workload.operations") ?? 100_000,
            accessSize: try integer("workload.access_size") ?? 8,
            stride: try integer("workload.stride"),
            workingSet: try integer("workload.working_set") ?? 1 << 20,
            writeFraction: try number("workload.write_fraction"))
        do {
            try spec.validate()
        } catch let e as GeneratorError {
            let key = "workload." + e.parameter.rawValue
            throw ConfigError(.outOfRange, place: place(of: key), key: key, message: e.description)
        }
        return spec
    }

    /// A number key's value (an integer is taken as a number), checked against its range.
    func number(_ name: String) throws -> Double? {
        guard let entry = entries[name] else { return nil }
        let value: Double
        switch entry.value {
        case let .integer(v): value = Double(v)
        case let .float(v): value = v
        default:
            throw ConfigError(.wrongType, place: entry.place, key: name,
                              message: "\(name) must be a number, got \(entry.value.typedDescription)")
        }
        if case let .number(range) = ConfigKey.named(name)!.type, !range.contains(value) {
            throw ConfigError(.outOfRange, place: entry.place, key: name,
                              message: "\(name) must be \(ConfigKey.named(name)!.rangeText), got \(entry.value.description)")
        }
        return value
    }
}
