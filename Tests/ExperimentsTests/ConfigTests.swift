import Foundation
import Testing
import MTrace
import CacheModels
import Coherence
@testable import Experiments

private let minimal = """
    [workload]
    trace = "traces/t.trace"
    [cache]
    sets = 64
    """

private func load(_ text: String, file: String = "configs/run.toml", _ overrides: [String] = []) throws -> RunConfiguration {
    try RunConfiguration.parse(text, file: file, overrides: overrides)
}

/// The error loading `text` throws; fails the test when it loads.
private func failure(_ text: String, _ overrides: [String] = [], file: String = "configs/run.toml",
                     sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        _ = try load(text, file: file, overrides)
        Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
    } catch let e as ConfigError {
        return e
    } catch {
        Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite struct ConfigLoading {
    @Test func defaults() throws {
        let c = try load(minimal)
        #expect(c.cpus == 1)
        #expect(c.seed == 1)
        #expect(c.geometry == (try CacheGeometry(sets: 64, ways: 8, lineSize: 64)))
        #expect(c.replacement == .lru)
        #expect(c.coherence == .mesi)
        #expect(c.workload == .trace(TraceWorkload(path: "traces/t.trace", resolvedPath: "configs/traces/t.trace", format: .text)))
        #expect(c.file == "configs/run.toml")
    }

    @Test func everyKey() throws {
        let c = try load("""
            [system]
            cpus = 16
            seed = 42
            [workload]
            trace = "/abs/t.log"
            format = "din"
            [cache]
            line_size = 32
            size = 32768
            ways = 4
            replacement = "plru"
            [coherence]
            protocol = "moesi"
            """)
        #expect(c.cpus == 16)
        #expect(c.seed == 42)
        #expect(c.workload == .trace(TraceWorkload(path: "/abs/t.log", resolvedPath: "/abs/t.log", format: .din)))
        #expect(c.geometry == (try CacheGeometry(sets: 256, ways: 4, lineSize: 32)))
        #expect(c.replacement == .plru)
        #expect(c.coherence == .moesi)
        let simulator = c.simulatorConfiguration(checkInvariants: true)
        #expect(simulator == SimulatorConfiguration(cpus: 16, geometry: c.geometry, replacement: .plru,
                                                    coherence: .moesi, seed: 42, checkInvariants: true))
    }

    @Test func resolvedValuesNameEveryBuiltKey() throws {
        let c = try load(minimal)
        let names = c.resolvedValues.map(\.key)
        // A trace workload resolves every built key but those of emulated and generated workloads.
        let otherWorkloads = Set(["workload.elf", "workload.guest", "workload.cflags"] + ConfigKey.generatorKeys.map(\.name))
        // The hierarchy keys resolve only for a hierarchy (HierarchyConfigTests).
        #expect(names == ConfigKey.all.filter { $0.table != "machine" && !otherWorkloads.contains($0.name) && !ConfigLoader.isHierarchyKey($0.name) }.map(\.name))
        let values = Dictionary(uniqueKeysWithValues: c.resolvedValues.map { ($0.key, $0.value) })
        #expect(values["cache.size"] == .integer(32768))
        #expect(values["cache.sets"] == .integer(64))
        #expect(values["workload.format"] == .string("text"))
        #expect(values["workload.trace"] == .string("traces/t.trace"))
    }

    @Test func tracePathIsRelativeToTheConfigFolder() throws {
        #expect(try load(minimal, file: "run.toml").workload == .trace(
            TraceWorkload(path: "traces/t.trace", resolvedPath: "traces/t.trace", format: .text)))
        #expect(try load(minimal, file: "/a/b/run.toml").workload == .trace(
            TraceWorkload(path: "traces/t.trace", resolvedPath: "/a/b/traces/t.trace", format: .text)))
    }

    @Test func unknownKeyNamesItAndListsTheValidOnes() {
        let e = failure(minimal + "\nwayz = 4\n")
        #expect(e?.kind == .unknownKey)
        #expect(e?.key == "cache.wayz")
        #expect(e?.description == "configs/run.toml: unknown key cache.wayz; valid keys in [cache] are line_size, sets, size, ways, replacement, write_policy, write_allocate, latency")
    }

    @Test func unknownTableAndTopLevelKey() {
        let table = failure(minimal + "\n[memroy]\nsize = 4\n")
        #expect(table?.kind == .unknownKey)
        #expect(table?.description.contains("memroy") == true)
        #expect(table?.description.contains("[system], [workload], [cache], [icache], [[level]], [memory], [coherence]") == true)
        let topLevel = failure("cpus = 4\n" + minimal)
        #expect(topLevel?.kind == .unknownKey)
        #expect(topLevel?.key == "cpus")
        let nested = failure(minimal + "\n[cache.l2]\nsets = 4\n")
        #expect(nested?.key == "cache.l2")
    }

    @Test func oneWorkloadOnly() {
        let e = failure(minimal, ["workload.generator=stream"])
        #expect(e?.kind == .conflict)
        #expect(e?.description.contains("workload.trace and workload.generator are both given") == true)
    }

    @Test func wrongTypes() {
        let ways = failure(minimal + "\nways = \"8\"\n")
        #expect(ways?.kind == .wrongType)
        #expect(ways?.description == "configs/run.toml: cache.ways must be an integer, got string \"8\"")
        let protocolNumber = failure(minimal + "\n[coherence]\nprotocol = 3\n")
        #expect(protocolNumber?.kind == .wrongType)
        #expect(protocolNumber?.description.contains("coherence.protocol must be one of none, msi, mesi, moesi, got integer 3") == true)
        let trace = failure("[workload]\ntrace = [1]\n[cache]\nsets = 4\n")
        #expect(trace?.description.contains("workload.trace must be a string, got an array") == true)
        let table = failure("system = 3\n" + minimal)
        #expect(table?.kind == .wrongType)
        let float = failure(minimal + "\n[system]\ncpus = 2.5\n")
        #expect(float?.description.contains("system.cpus must be an integer, got float 2.5") == true)
    }

    @Test func outOfRangeValuesNameKeyRangeAndValue() {
        let cpus = failure(minimal + "\n[system]\ncpus = 65\n")
        #expect(cpus?.kind == .outOfRange)
        #expect(cpus?.description == "configs/run.toml: system.cpus must be 1…64, got 65")
        #expect(failure(minimal + "\n[system]\ncpus = 0\n")?.key == "system.cpus")
        #expect(failure(minimal + "\n[system]\nseed = -1\n")?.description.contains("system.seed must be 0…2^63−1, got -1") == true)
        let line = failure(minimal + "\nline_size = 48\n")
        #expect(line?.key == "cache.line_size")
        #expect(line?.description.contains("cache.line_size must be a power of two 1...4096, got 48") == true)
        #expect(failure(minimal + "\nline_size = 8192\n")?.key == "cache.line_size")
        let ways = failure(minimal + "\nways = 0\n")
        #expect(ways?.key == "cache.ways")
        #expect(ways?.description.contains("got 0") == true)
        let replacement = failure(minimal + "\nreplacement = \"lfru\"\n")
        #expect(replacement?.kind == .outOfRange)
        #expect(replacement?.description.contains(
            "cache.replacement must be one of lru, fifo, random, plru, srrip, brrip, lfu, mru, got string \"lfru\"") == true)
        let plru = failure(minimal + "\nways = 12\nreplacement = \"plru\"\n")
        #expect(plru?.key == "cache.ways")
        #expect(plru?.description.contains("plru") == true)
        #expect(failure("[workload]\ntrace = \"\"\n[cache]\nsets = 4\n")?.key == "workload.trace")
    }

    /// Every registered policy is a valid value; the seed matters to a trace run exactly
    /// when the policy draws random numbers (random, brrip).
    @Test func everyRegisteredPolicyLoads() throws {
        for k in ReplacementKind.allCases {
            let c = try load(minimal, ["cache.replacement=\(k.rawValue)"])
            #expect(c.replacement == k)
            #expect(c.seedMatters == (k == .random || k == .brrip), "\(k)")
        }
    }

    @Test func nonPowerOfTwoSets() {
        let e = failure("[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 48\n")
        #expect(e?.kind == .outOfRange)
        #expect(e?.key == "cache.sets")
        #expect(e?.description == "configs/run.toml: cache.sets must be a power of two ≥ 1, got 48")
    }

    @Test func sizeMustGiveAPowerOfTwoSetCount() {
        let e = failure("[workload]\ntrace = \"t.trace\"\n[cache]\nsize = 24576\n")
        #expect(e?.key == "cache.size")
        #expect(e?.description.contains("not a power of two") == true)
        #expect(failure("[workload]\ntrace = \"t.trace\"\n[cache]\nsize = 0\n")?.key == "cache.size")
        #expect(failure("[workload]\ntrace = \"t.trace\"\n[cache]\nsize = 1000\n")?.key == "cache.size")
    }

    @Test func setsAndSizeExcludeEachOther() {
        let both = failure(minimal + "\nsize = 32768\n")
        #expect(both?.kind == .conflict)
        #expect(both?.description.contains("cache.sets and cache.size are both given") == true)
        let neither = failure("[workload]\ntrace = \"t.trace\"\n")
        #expect(neither?.kind == .missing)
        #expect(neither?.description.contains("cache.sets or cache.size") == true)
    }

    @Test func missingTraceAndUninferableFormat() {
        let trace = failure("[cache]\nsets = 4\n")
        #expect(trace?.kind == .missing)
        #expect(trace?.key == "workload.trace")
        let format = failure("[workload]\ntrace = \"t.bin\"\n[cache]\nsets = 4\n")
        #expect(format?.key == "workload.format")
        #expect(format?.description.contains("\"t.bin\"") == true)
        #expect(throws: Never.self) { try load("[workload]\ntrace = \"t.bin\"\nformat = \"text\"\n[cache]\nsets = 4\n") }
    }

    @Test func syntaxErrorGivesFileLineColumn() {
        let e = failure("[system]\ncpus = 2\n[workload\ntrace = \"x\"\n")
        #expect(e?.kind == .syntax)
        #expect(e?.place.hasPrefix("configs/run.toml:3:") == true)
        let value = failure("[system]\n\ncpus = = 2\n")
        #expect(value?.place.hasPrefix("configs/run.toml:3:") == true)
    }

    @Test func syntaxErrorsReadFileLineColumnMessage() {
        #expect(failure("[system]\ncpus = 2\ncpus = 3\n")?.description
                == "configs/run.toml:3:1: duplicate key \"cpus\" (first defined at line 2)")
        // Inputs that aborted the process inside the previous TOML library.
        for (text, place) in [("[\n", "configs/run.toml:1:2"), ("[.]", "configs/run.toml:1:2"),
                              ("[{}]", "configs/run.toml:1:2"), ("[[\n", "configs/run.toml:1:3")] {
            let e = failure(text)
            #expect(e?.kind == .syntax)
            #expect(e?.place == place)
        }
        #expect(failure("[cache]\nways = " + String(repeating: "[", count: 100_000))?.message
                == "tables and arrays are nested more than 128 levels deep")
    }

    @Test func invalidUTF8NamesTheLineAndByteOffset() throws {
        let folder = NSTemporaryDirectory() + "mtlab-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/run.toml"
        try Data(Array("[workload]\ntrace = \"t".utf8) + [0xC3, 0x28] + Array("\"\n".utf8)).write(to: URL(fileURLWithPath: path))
        do {
            _ = try RunConfiguration.load(path: path)
            Issue.record("expected a ConfigError")
        } catch let e as ConfigError {
            #expect(e.kind == .syntax)
            #expect(e.description == path + ":2:11: invalid UTF-8 at byte offset 21")
        }
    }

    @Test func overridesApplyBeforeValidation() throws {
        let c = try load(minimal + "\nways = 0\n", ["cache.ways=4", "coherence.protocol=msi", "system.cpus = 8",
                                                  "workload.trace=\"other dir/x.din\"", "cache.line_size=0x20"])
        #expect(c.geometry == (try CacheGeometry(sets: 64, ways: 4, lineSize: 32)))
        #expect(c.coherence == .msi)
        #expect(c.cpus == 8)
        #expect(c.workload == .trace(TraceWorkload(path: "other dir/x.din", resolvedPath: "configs/other dir/x.din", format: .din)))
        // The last override of a key wins, as when a sweep appends to a base command line.
        #expect(try load(minimal, ["cache.ways=2", "cache.ways=16"]).geometry.ways == 16)
        // An override can replace sets by size only by naming both: sets stays set otherwise.
        #expect(failure(minimal, ["cache.size=4096"])?.kind == .conflict)
    }

    @Test func overrideErrorsNameTheOverride() {
        let unknown = failure(minimal, ["cache.wayz=4"])
        #expect(unknown?.kind == .unknownKey)
        #expect(unknown?.description == "--set cache.wayz=4: unknown key cache.wayz; valid keys in [cache] are line_size, sets, size, ways, replacement, write_policy, write_allocate, latency")
        let noTable = failure(minimal, ["ways=4"])
        #expect(noTable?.kind == .unknownKey)
        let noEquals = failure(minimal, ["cache.ways"])
        #expect(noEquals?.kind == .badOverride)
        let badValue = failure(minimal, ["cache.ways=four"])
        #expect(badValue?.description == "--set cache.ways=four: cache.ways must be an integer, got string \"four\"")
    }

    @Test func commandLineValues() {
        #expect(ConfigValue(commandLine: "4") == .integer(4))
        #expect(ConfigValue(commandLine: "0x40") == .integer(64))
        #expect(ConfigValue(commandLine: "true") == .boolean(true))
        #expect(ConfigValue(commandLine: "2.5") == .float(2.5))
        #expect(ConfigValue(commandLine: "msi") == .string("msi"))
        #expect(ConfigValue(commandLine: "\"a b\"") == .string("a b"))
        #expect(ConfigValue(commandLine: "traces/x.trace") == .string("traces/x.trace"))
        #expect(ConfigValue(commandLine: "") == .string(""))
        // Extra TOML smuggled into a value does not become extra keys.
        #expect(ConfigValue(commandLine: "1\nx = 2") == .string("1\nx = 2"))
        #expect(ConfigValue(commandLine: "1 # note") == .integer(1))
        #expect(ConfigValue(commandLine: "[1, 2]") == .other(typeName: "array"))
        #expect(ConfigValue(commandLine: "{a = 1}") == .other(typeName: "table"))
        #expect(ConfigValue(commandLine: "1979-05-27") == .other(typeName: "date or time"))
        #expect(ConfigValue(commandLine: "-9223372036854775808") == .integer(Int.min))
        #expect(ConfigValue(commandLine: "9223372036854775808") == .string("9223372036854775808"))
        #expect(ConfigValue(commandLine: "[") == .string("["))
        #expect(ConfigValue(commandLine: String(repeating: "[", count: 10_000)) == .string(String(repeating: "[", count: 10_000)))
    }

    @Test func everyFormatChoiceIsATraceFormat() {
        for name in ConfigKey.traceFormatNames { #expect(TraceFormat(rawValue: name) != nil) }
    }

    /// The doc comment of ConfigKey shows the key table; it must be the generated one.
    @Test func documentedTableMatchesTheKeyTable() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Experiments/Config/ConfigKeys.swift")
        let text = try String(contentsOf: source, encoding: .utf8)
        let documented = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.hasPrefix("/// |") }
            .map { $0.dropFirst(4) + "\n" }
            .joined()
        #expect(documented == ConfigKey.markdownTable())
    }

    @Test func readingAMissingFile() {
        #expect(throws: ConfigError.self) { try RunConfiguration.load(path: "/nonexistent/run.toml") }
        do {
            _ = try RunConfiguration.load(path: "/nonexistent/run.toml")
        } catch let e as ConfigError {
            #expect(e.description == "/nonexistent/run.toml: cannot read the config file: no such file")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func readingAFolder() throws {
        let folder = NSTemporaryDirectory() + "mtlab-config-folder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: ConfigError(.unreadable, place: folder, message: "cannot read the config file: it is a folder")) {
            _ = try RunConfiguration.load(path: folder)
        }
    }
}
