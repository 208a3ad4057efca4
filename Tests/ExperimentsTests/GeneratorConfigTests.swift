import Testing
import MTrace
@testable import Experiments

private let generatorConfig = """
    [system]
    cpus = 4
    [workload]
    generator = "per-cpu-counters"
    operations = 100
    stride = 64
    [cache]
    sets = 64
    """

private func error(_ text: String, _ overrides: [String] = []) -> ConfigError? {
    do {
        _ = try RunConfiguration.parse(text, file: "g.toml", overrides: overrides)
        return nil
    } catch {
        return error as? ConfigError
    }
}

@Suite struct GeneratorConfig {
    @Test func loadsAGeneratorWithDefaults() throws {
        let c = try RunConfiguration.parse(generatorConfig, file: "g.toml")
        #expect(c.workload == .generator(GeneratorSpec(kind: .perCPUCounters, operations: 100, accessSize: 8, stride: 64)))
        #expect(c.seedMatters)
        let resolved = c.resolvedValues.map { "\($0.key)=\($0.value)" }
        // The generator's own parameters, and no trace keys.
        #expect(resolved.contains("workload.generator=\"per-cpu-counters\""))
        #expect(resolved.contains("workload.stride=64") && resolved.contains("workload.write_fraction=1.0"))
        #expect(!resolved.contains { $0.hasPrefix("workload.trace") || $0.hasPrefix("workload.working_set") })
    }

    @Test func everyGeneratorRuns() throws {
        for kind in GeneratorKind.allCases {
            let c = try RunConfiguration.parse(generatorConfig, file: "g.toml",
                                               overrides: ["workload.generator=\(kind.rawValue)", "workload.working_set=8192"])
            let outcome = try Runner.run(c, checkInvariants: true)
            #expect(outcome.operations == 400, "\(kind)")
            #expect(outcome.result.totals.accesses > 0)
        }
    }

    @Test func aFractionMayBeWrittenAsAnInteger() throws {
        let c = try RunConfiguration.parse(generatorConfig, file: "g.toml", overrides: ["workload.write_fraction=0"])
        guard case let .generator(g) = c.workload else { Issue.record("not a generator"); return }
        #expect(g.writeFraction == 0)
    }

    @Test func badInputNamesTheKey() {
        let e1 = error(generatorConfig, ["workload.trace=t.trace"])
        #expect(e1?.kind == .conflict && e1?.key == "workload.trace")
        let e2 = error("[workload]\ntrace = \"t.trace\"\noperations = 5\n[cache]\nsets = 1\n")
        #expect(e2?.kind == .conflict && e2?.key == "workload.operations")
        #expect(e2?.message.contains("needs workload.generator") == true)
        let e3 = error(generatorConfig, ["workload.generator=counters"])
        #expect(e3?.kind == .outOfRange && e3?.message.contains("per-cpu-counters") == true)
        let e4 = error(generatorConfig, ["workload.stride=4"])
        #expect(e4?.key == "workload.stride" && e4?.place == "--set workload.stride=4")
        let e5 = error(generatorConfig, ["workload.write_fraction=2"])
        #expect(e5?.key == "workload.write_fraction" && e5?.message.contains("0…1") == true)
        let e6 = error(generatorConfig, ["workload.write_fraction=\"half\""])
        #expect(e6?.kind == .wrongType)
        let e7 = error("[workload]\n[cache]\nsets = 1\n")
        #expect(e7?.kind == .missing && e7?.message.contains("workload.generator") == true)
    }

    @Test func keyTableDocumentsTheGenerators() {
        let table = ConfigKey.markdownTable()
        for key in ["workload.generator", "workload.operations", "workload.access_size", "workload.stride",
                    "workload.working_set", "workload.write_fraction"] {
            #expect(table.contains("`\(key)`"), "\(key)")
        }
        #expect(!table.contains("reserved: a synthetic trace generator"))
    }
}
