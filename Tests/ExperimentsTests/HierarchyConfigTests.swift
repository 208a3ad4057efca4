import Foundation
import Testing
import CacheModels
import Coherence
@testable import Experiments

private let single = """
    [workload]
    trace = "t.trace"
    [cache]
    size = 32768
    """

/// Three levels: private L1 (with an instruction cache) and L2, a shared inclusive LLC.
private let threeLevels = """
    [system]
    cpus = 8
    [workload]
    trace = "t.trace"
    [cache]
    line_size = 64
    size = 32768
    ways = 8
    write_policy = "write-through"
    write_allocate = false
    latency = 4
    [icache]
    size = 16384
    ways = 4
    latency = 1
    [[level]]
    name = "L2"
    size = 262144
    ways = 16
    latency = 12
    [[level]]
    name = "LLC"
    size = 4194304
    ways = 16
    replacement = "fifo"
    sharing = "shared"
    inclusion = "inclusive"
    latency = 40
    [memory]
    latency = 200
    [coherence]
    protocol = "moesi"
    transfer_latency = 50
    """

private func load(_ text: String, _ overrides: [String] = []) throws -> RunConfiguration {
    try RunConfiguration.parse(text, file: "run.toml", overrides: overrides)
}

/// The error loading `text` throws; fails the test when it loads.
private func failure(_ text: String, _ overrides: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        _ = try load(text, overrides)
        Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
    } catch let e as ConfigError {
        return e
    } catch {
        Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// `single` with `extra` appended (tables after `[cache]`).
private func with(_ extra: String) -> String { single + "\n" + extra }

@Suite struct HierarchyConfig {
    @Test func aConfigWithoutHierarchyKeysHasNone() throws {
        let c = try load(single)
        #expect(c.hierarchy == nil)
        #expect(c.hierarchyConfiguration() == nil)
        #expect(!c.resolvedValues.contains { ConfigLoader.isHierarchyKey($0.key) })
    }

    @Test func everyHierarchyKeyLoads() throws {
        let c = try load(threeLevels)
        let h = try #require(c.hierarchy)
        #expect(h.data.count == 3)
        #expect(h.data[0] == LevelSettings(name: "L1d", geometry: try CacheGeometry(size: 32768, ways: 8, lineSize: 64),
                                           writeBack: false, writeAllocate: false, latency: 4))
        #expect(h.instruction == LevelSettings(name: "L1i", geometry: try CacheGeometry(size: 16384, ways: 4, lineSize: 64), latency: 1))
        #expect(h.data[1] == LevelSettings(name: "L2", geometry: try CacheGeometry(size: 262144, ways: 16, lineSize: 64), latency: 12))
        #expect(h.data[2] == LevelSettings(name: "LLC", geometry: try CacheGeometry(size: 4194304, ways: 16, lineSize: 64),
                                           replacement: .fifo, latency: 40, sharing: .shared, inclusion: .inclusive))
        #expect(h.memoryLatency == 200)
        #expect(h.transferLatency == 50)
        let simulator = try #require(c.hierarchyConfiguration(checkInvariants: true))
        #expect(simulator == HierarchyConfiguration(cpus: 8, hierarchy: h, coherence: .moesi, seed: 1, checkInvariants: true))
    }

    @Test func defaultsOfALevel() throws {
        let c = try load(with("[[level]]\nsets = 512"))
        let h = try #require(c.hierarchy)
        #expect(h.data.map(\.name) == ["L1", "L2"])
        #expect(h.data[1] == LevelSettings(name: "L2", geometry: try CacheGeometry(sets: 512, ways: 8, lineSize: 64)))
        #expect(h.data[0].writeBack && h.data[0].writeAllocate && h.data[0].latency == 0)
        #expect(h.instruction == nil)
        #expect(!h.hasTiming)
    }

    @Test func anyOneHierarchyKeyMakesAHierarchy() throws {
        for extra in ["[cache]\nlatency = 0", "[memory]\nlatency = 1", "[coherence]\ntransfer_latency = 3", "[icache]\nsets = 4"] {
            let text = extra.hasPrefix("[cache]")
                ? single.replacingOccurrences(of: "size = 32768", with: "size = 32768\nlatency = 0") : with(extra)
            let c = try load(text)
            #expect(c.hierarchy?.data.count == 1, "\(extra)")
        }
        #expect(try load(single, ["cache.write_policy=write-through"]).hierarchy?.data[0].writeBack == false)
    }

    @Test func resolvedValuesNameEachLevel() throws {
        let c = try load(threeLevels)
        let values = c.resolvedValues
        let names = values.map(\.key)
        #expect(names.contains("cache.write_policy") && names.contains("icache.sets") && names.contains("memory.latency"))
        let levelNames = names.filter { $0.hasPrefix("level.") }
        #expect(levelNames == (1...2).flatMap { n in ConfigKey.levelKeys.map { "level.\(n).\($0.levelLeaf)" } })
        let byName = Dictionary(uniqueKeysWithValues: values.map { ($0.key, $0.value) })
        #expect(byName["level.2.inclusion"] == .string("inclusive"))
        #expect(byName["level.1.sets"] == .integer(256))
        #expect(byName["cache.write_policy"] == .string("write-through"))
        #expect(byName["coherence.transfer_latency"] == .integer(50))
        // Every resolved key is one the loader takes back.
        for name in names { #expect(ConfigKey.named(name) != nil, "\(name)") }
    }

    @Test func setOverridesALevel() throws {
        let c = try load(threeLevels, ["level.1.ways=4", "level.2.inclusion=exclusive", "icache.latency=2"])
        let h = try #require(c.hierarchy)
        #expect(h.data[1].geometry.ways == 4)
        #expect(h.data[1].geometry.size == 262144)
        #expect(h.data[2].inclusion == .exclusive)
        #expect(h.instruction?.latency == 2)
    }

    @Test func setOfALevelThatDoesNotExistIsAnError() {
        let e = failure(threeLevels, ["level.3.ways=4"])
        #expect(e?.kind == .unknownKey)
        #expect(e?.key == "level.3.ways")
        #expect(e?.place == "--set level.3.ways=4")
        #expect(e?.message == "level.3.ways names level.3, which does not exist: the config has 2 [[level]] tables (level.1 to level.2); add a [[level]] table to the file for it")
        #expect(failure(single, ["level.1.sets=4"])?.message.contains("the config has no [[level]] tables") == true)
    }

    @Test func levelKeysAreNumberedFromOne() {
        for name in ["level.0.ways", "level.01.ways", "level.9.ways", "level.x.ways", "level.N.ways"] {
            let e = failure(threeLevels, ["\(name)=4"])
            #expect(e?.key == name)
            #expect(e?.message.contains("numbered level.1 (the first) to level.8") == true, "\(name)")
        }
        #expect(failure(threeLevels, ["level.ways=4"])?.message.contains("written level.N.KEY") == true)
    }

    @Test func unknownKeysOfTheNewTables() {
        let e = failure(with("[[level]]\nsets = 64\nsize_kb = 3"))
        #expect(e?.kind == .unknownKey)
        #expect(e?.key == "level.1.size_kb")
        #expect(e?.message == "unknown key level.1.size_kb; valid keys in [[level]] are name, sets, size, ways, replacement, latency, sharing, inclusion")
        #expect(failure(with("[icache]\nsets = 64\nsharing = \"shared\""))?.message
            == "unknown key icache.sharing; valid keys in [icache] are sets, size, ways, replacement, latency")
        #expect(failure(with("[memory]\nlatancy = 3"))?.message == "unknown key memory.latancy; valid keys in [memory] are latency")
        #expect(failure(with("[icache]\nsets = 64\nwrite_policy = \"write-back\""))?.message
            == "icache.write_policy is not a key: an instruction cache is never written")
        #expect(failure(with("[[level]]\nsets = 64\nwrite_allocate = false"))?.message
            == "level.1.write_allocate is not a key: levels below the first are write-back and write-allocate")
    }

    @Test func aLevelsLineSizeCannotDiffer() {
        for (text, key) in [(with("[[level]]\nsets = 64\nline_size = 128"), "level.1.line_size"),
                            (with("[icache]\nsets = 64\nline_size = 32"), "icache.line_size")] {
            let e = failure(text)
            #expect(e?.key == key)
            #expect(e?.message == "\(key) is not a key: every level has the first level's line size, cache.line_size")
        }
    }

    @Test func levelMustBeAnArrayOfTables() {
        let e = failure(with("[level]\nsets = 64"))
        #expect(e?.kind == .wrongType)
        #expect(e?.key == "level")
        #expect(e?.message == "level must be an array of tables, each written [[level]], got a table")
        let nine = (0..<9).map { _ in "[[level]]\nsets = 64" }.joined(separator: "\n")
        #expect(failure(with(nine))?.message == "at most 8 [[level]] tables may follow [cache], got 9")
    }

    @Test func geometryErrorsNameTheLevelsKey() {
        let cases: [(String, [String], String, String)] = [
            (with("[[level]]\nsize = 4096\n[[level]]\nsets = 64\nways = 0"), [], "level.2.ways", "level.2.ways must be 1...1024, got 0"),
            (with("[[level]]\nsets = 3"), [], "level.1.sets", "level.1.sets must be a power of two ≥ 1, got 3"),
            (with("[[level]]\nways = 4"), [], "level.1.sets", "level.1 needs level.1.sets or level.1.size (give exactly one)"),
            (with("[[level]]\nsets = 4\nsize = 4096"), [], "level.1.size", "level.1.sets and level.1.size are both given; give exactly one"),
            (with("[icache]\nsize = 1000"), [], "icache.size", "icache.size must be a multiple of ways × line_size (8 × 64), got 1000"),
            (with("[icache]\nways = 2"), [], "icache.sets", "icache needs icache.sets or icache.size (give exactly one)"),
            (with("[[level]]\nsets = 4\nways = 12\nreplacement = \"plru\""), [], "level.1.ways",
             "level.1.ways must be \(ReplacementKind.plru.waysRequirement ?? "") for plru replacement, got 12"),
            (with("[[level]]\nsets = 4"), ["level.1.ways=2000"], "level.1.ways", "level.1.ways must be 1...1024, got 2000"),
        ]
        for (text, overrides, key, message) in cases {
            let e = failure(text, overrides)
            #expect(e?.key == key, "\(key)")
            #expect(e?.message == message)
            #expect(e?.place == (overrides.isEmpty ? "run.toml" : "--set \(overrides[0])"))
        }
    }

    @Test func valuesOfTheNewKeys() {
        let cases: [(String, String, String)] = [
            (with("[[level]]\nsets = 4\nlatency = -1"), "level.1.latency", "level.1.latency must be 0…2^20, got -1"),
            (with("[memory]\nlatency = 1048577"), "memory.latency", "memory.latency must be 0…2^20, got 1048577"),
            (with("[icache]\nsets = 4\nlatency = \"fast\""), "icache.latency", "icache.latency must be an integer, got string \"fast\""),
            (with("[[level]]\nsets = 4\nsharing = \"global\""), "level.1.sharing",
             "level.1.sharing must be one of private, shared, got string \"global\""),
            (with("[[level]]\nsets = 4\ninclusion = \"strict\""), "level.1.inclusion",
             "level.1.inclusion must be one of non-inclusive, inclusive, exclusive, got string \"strict\""),
            (with("[[level]]\nsets = 4\nreplacement = \"oldest\""), "level.1.replacement",
             "level.1.replacement must be one of \(ReplacementKind.allCases.map(\.rawValue).joined(separator: ", ")), got string \"oldest\""),
            (with("[[level]]\nsets = 4\nname = 2"), "level.1.name", "level.1.name must be a string, got integer 2"),
            (with("[[level]]\nsets = 4\nname = \"\""), "level.1.name", "level.1.name must be 1…32 letters, digits, '-', '_' or '.', got \"\""),
            (with("[[level]]\nsets = 4\nname = \"L2,x\""), "level.1.name", "level.1.name must be 1…32 letters, digits, '-', '_' or '.', got \"L2,x\""),
            (single.replacingOccurrences(of: "size = 32768", with: "size = 32768\nwrite_policy = \"write-around\""), "cache.write_policy",
             "cache.write_policy must be one of write-back, write-through, got string \"write-around\""),
            (single.replacingOccurrences(of: "size = 32768", with: "size = 32768\nwrite_allocate = 1"), "cache.write_allocate",
             "cache.write_allocate must be true or false, got integer 1"),
            (with("[coherence]\ntransfer_latency = 2.5"), "coherence.transfer_latency",
             "coherence.transfer_latency must be an integer, got float 2.5"),
            (single.replacingOccurrences(of: "size = 32768", with: "size = 32768\nlatency = 2000000"), "cache.latency",
             "cache.latency must be 0…2^20, got 2000000"),
            (with("[icache]\nsets = 4\nreplacement = 3"), "icache.replacement",
             "icache.replacement must be one of \(ReplacementKind.allCases.map(\.rawValue).joined(separator: ", ")), got integer 3"),
            (with("[icache]\nsets = 4\nways = 2048"), "icache.ways", "icache.ways must be 1...1024, got 2048"),
        ]
        for (text, key, message) in cases {
            let e = failure(text)
            #expect(e?.key == key)
            #expect(e?.message == message)
        }
    }

    @Test func namesMustDiffer() {
        let e = failure(with("[[level]]\nsets = 4\nname = \"L2\"\n[[level]]\nsets = 8\nname = \"L2\""))
        #expect(e?.kind == .conflict)
        #expect(e?.key == "level.2.name")
        #expect(e?.message == "level.2.name is \"L2\", a name another level already has; each level needs its own")
        #expect(failure(with("[[level]]\nsets = 4\nname = \"L1\""))?.key == "level.1.name")
        #expect(failure(with("[icache]\nsets = 4\n[[level]]\nsets = 4\nname = \"L1i\""))?.key == "level.1.name")
        // The default names follow the position, and a given name may take another's default.
        #expect(failure(with("[[level]]\nsets = 4\nname = \"L3\"\n[[level]]\nsets = 8"))?.key == "level.2.name")
    }

    @Test func aPrivateLevelMayNotFollowASharedOne() {
        let text = with("[[level]]\nsets = 4\nsharing = \"shared\"\n[[level]]\nsets = 8")
        let e = failure(text)
        #expect(e?.kind == .conflict)
        #expect(e?.key == "level.2.sharing")
        #expect(e?.message == "level.2.sharing is private, but it follows level.1, which is shared: the private levels come first (nearest the CPUs)")
        #expect(failure(text, ["level.2.sharing=private"])?.place == "--set level.2.sharing=private")
        #expect((try? load(text, ["level.2.sharing=shared"]))?.hierarchy?.privateLevels == 1)
    }

    @Test func exclusiveOnlyForSharedLevels() {
        let e = failure(with("[[level]]\nsets = 4\ninclusion = \"exclusive\""))
        #expect(e?.kind == .conflict)
        #expect(e?.key == "level.1.inclusion")
        #expect(e?.message == "level.1.inclusion is exclusive, which only a shared level can be; a private level may be non-inclusive or inclusive")
        #expect((try? load(with("[[level]]\nsets = 4\ninclusion = \"exclusive\"\nsharing = \"shared\"")))?.hierarchy?.data[1].inclusion == .exclusive)
    }

    @Test func aLevelWithRandomReplacementMakesTheSeedMatter() throws {
        #expect(try !load(with("[[level]]\nsets = 4")).seedMatters)
        #expect(try load(with("[[level]]\nsets = 4\nreplacement = \"random\"")).seedMatters)
        #expect(try load(with("[icache]\nsets = 4\nreplacement = \"brrip\"")).seedMatters)
    }

    @Test func unknownTableListsTheNewOnes() {
        let e = failure(with("[l2]\nsets = 4"))
        #expect(e?.message.contains("[icache], [[level]], [memory]") == true)
    }
}
