import Foundation
import Testing
import CacheModels
import Coherence
@testable import Experiments

/// Eight CPUs, private L1 and L2, a small shared inclusive LLC (so that it evicts and
/// back-invalidates), latencies, on a read-mostly table most CPUs share.
private let eightCPUs = """
    [system]
    cpus = 8
    [workload]
    generator = "read-mostly"
    operations = 3000
    working_set = 65536
    write_fraction = 0.05
    [cache]
    size = 4096
    ways = 4
    latency = 4
    [[level]]
    size = 8192
    ways = 4
    latency = 12
    [[level]]
    name = "LLC"
    size = 16384
    ways = 8
    sharing = "shared"
    inclusion = "inclusive"
    latency = 40
    [memory]
    latency = 200
    [coherence]
    transfer_latency = 30
    """

private func run(_ text: String, _ overrides: [String] = []) throws -> CompletedRun {
    try Runner.run(try RunConfiguration.parse(text, file: "run.toml", overrides: overrides), checkInvariants: true)
}

private func json(_ outcome: CompletedRun, top: Int = 100, rank: LineRanking = .movement) throws -> [String: Any] {
    let text = JSONReport.render(outcome, top: top, rank: rank)
    return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct HierarchyReports {
    @Test func aHierarchyRunsTheHierarchySimulator() throws {
        let o = try run(eightCPUs)
        let h = try #require(o.hierarchy)
        #expect(h.levels.map(\.name) == ["L1", "L2", "LLC"])
        #expect(h.levels[2].instances.count == 1)
        #expect(h.levels[0].instances.count == 8)
        #expect(h.levels[2].total.backInvalidations > 0)
        #expect(h.timing != nil)
        // The first level's counters are the run's counters.
        #expect(o.result.totals.misses == h.levels[0].total.misses)
        #expect(try run(eightCPUs.replacingOccurrences(of: "latency", with: "# latency")
            .replacingOccurrences(of: "transfer_# latency", with: "# transfer_latency")).hierarchy?.timing == nil)
    }

    @Test func jsonHasLevelsTimingAndStallCycles() throws {
        let o = try run(eightCPUs)
        let h = try #require(o.hierarchy)
        let object = try json(o)
        #expect(Set(object.keys) == ["config", "totals", "cpus", "levels", "timing", "transfer_matrix", "lines", "statistics"])
        let levels = try #require(object["levels"] as? [[String: Any]])
        #expect(levels.map { $0["name"] as? String } == ["L1", "L2", "LLC"])
        #expect(levels.map { $0["sharing"] as? String } == ["private", "private", "shared"])
        #expect(levels.map { $0["inclusion"] as? String } == ["non-inclusive", "non-inclusive", "inclusive"])
        for (level, result) in zip(levels, h.levels) {
            let totals = try #require(level["totals"] as? [String: Any])
            let cpus = try #require(level["cpus"] as? [[String: Any]])
            #expect(cpus.count == result.instances.count)
            for field in result.total.fields {
                #expect((totals[field.name] as? NSNumber)?.uint64Value == field.value, "\(result.name) \(field.name)")
            }
            for (i, cpu) in cpus.enumerated() {
                if result.sharing == .shared { #expect(cpu["cpu"] is NSNull) } else { #expect(cpu["cpu"] as? Int == i) }
                for field in result.instances[i].fields {
                    #expect((cpu[field.name] as? NSNumber)?.uint64Value == field.value, "\(result.name) \(i) \(field.name)")
                }
            }
        }
        let timing = try #require(object["timing"] as? [String: Any])
        let cpus = try #require(timing["cpus"] as? [[String: Any]])
        #expect(cpus.count == 8)
        let t = try #require(h.timing)
        #expect(cpus.map { ($0["cycles"] as? NSNumber)?.uint64Value } == t.cycles)
        #expect(((timing["totals"] as? [String: Any])?["cycles"] as? NSNumber)?.uint64Value == t.totalCycles)
        #expect(t.totalCycles > 0)
        let config = try #require(object["config"] as? [String: Any])
        let configLevels = try #require(config["level"] as? [[String: Any]])
        #expect(configLevels.map { $0["name"] as? String } == ["L2", "LLC"])
        #expect(configLevels[1]["inclusion"] as? String == "inclusive")
        #expect((config["memory"] as? [String: Any])?["latency"] as? Int == 200)
        #expect(Array(config.keys).contains("icache") == false)

        let lines = try #require(object["lines"] as? [[String: Any]])
        #expect(lines.allSatisfy { $0["stall_cycles"] != nil })
        let byCycles = try #require(try json(o, rank: .cycles)["lines"] as? [[String: Any]])
        let stalls = byCycles.compactMap { ($0["stall_cycles"] as? NSNumber)?.uint64Value }
        #expect(stalls.count == byCycles.count && stalls == stalls.sorted(by: >))
        #expect(stalls.first == t.lineCycles.max())
        // Ranked by movement (the default), the list starts with the line of most movement.
        let movements = lines.compactMap { ($0["movement"] as? NSNumber)?.uint64Value }
        #expect(movements == movements.sorted(by: >))
    }

    @Test func theInstructionCacheIsReported() throws {
        let o = try run(eightCPUs + "\n[icache]\nsets = 16\nways = 2")
        let object = try json(o)
        let icache = try #require(object["icache"] as? [String: Any])
        #expect(icache["name"] as? String == "L1i")
        #expect((icache["cpus"] as? [Any])?.count == 8)
        #expect((object["levels"] as? [[String: Any]])?.first?["name"] as? String == "L1d")
        let files = Dictionary(uniqueKeysWithValues: CSVReport.render(o).map { ($0.name, $0.contents) })
        #expect(files["levels.csv"]?.split(separator: "\n").filter { $0.hasPrefix("L1i,") }.count == 9)
    }

    @Test func csvHasTidyLevelsAndTiming() throws {
        let o = try run(eightCPUs)
        let files = Dictionary(uniqueKeysWithValues: CSVReport.render(o).map { ($0.name, $0.contents) })
        #expect(Array(files.keys).sorted() == CSVReport.fileNames.filter { $0 != "guest.csv" }.sorted())
        let levels = try #require(files["levels.csv"]).split(separator: "\n").map(String.init)
        #expect(levels[0] == "level,cpu,sharing,inclusion," + LevelCounters().fields.map(\.name).joined(separator: ","))
        #expect(levels.count == 1 + 9 + 9 + 2)
        #expect(levels[1].hasPrefix("L1,0,private,non-inclusive,"))
        #expect(levels[9].hasPrefix("L1,total,private,non-inclusive,"))
        #expect(levels[19].hasPrefix("LLC,shared,shared,inclusive,"))
        #expect(levels[20].hasPrefix("LLC,total,shared,inclusive,"))
        let h = try #require(o.hierarchy)
        #expect(levels[19].split(separator: ",").dropFirst(4).map { UInt64($0) } == h.levels[2].total.fields.map(\.value))
        let timing = try #require(files["timing.csv"]).split(separator: "\n")
        #expect(timing[0] == "cpu,cycles,line_accesses,average_access_time")
        #expect(timing.count == 10)
        #expect(timing[9].hasPrefix("total,\(h.timing!.totalCycles),"))
        let lines = try #require(files["lines.csv"]).split(separator: "\n")
        #expect(lines[0].contains(",movement,stall_cycles,sharing,"))
    }

    @Test func textReportIsReadableForThreeLevelsAndEightCPUs() throws {
        let o = try run(eightCPUs)
        let text = TextReport.render(o, top: 5)
        #expect(text.contains("L2           8 KiB, 32 sets × 4 ways × 64 B, lru, private, non-inclusive, 12 cycles"))
        #expect(text.contains("memory       200 cycles; a transfer from a peer 30 cycles"))
        #expect(text.contains("\nL1 (private, non-inclusive)\n"))
        #expect(text.contains("\nLLC (shared, inclusive)\n"))
        #expect(text.contains("back_invalidations"))
        #expect(!text.contains("victim_fills"))
        #expect(text.contains("Cycles per CPU"))
        #expect(text.contains("stall_cycles"))
        let lines = text.split(separator: "\n")
        // Every counter table fits 120 columns (the hot-line offsets may run longer).
        #expect(lines.allSatisfy { $0.count <= 120 || $0.contains("W ") || $0.contains("offsets") || $0.contains(" R ") })
        // The level tables list CPUs down: eight rows and a total for each private level.
        #expect(lines.filter { $0.hasPrefix("  7 ") }.count >= 4)
        #expect(lines.contains { $0.hasPrefix("  shared ") })
        #expect(TextReport.render(o, top: 5, rank: .cycles).contains("lines by stall cycles"))
    }

    @Test func aSingleLevelRunReportsNoLevels() throws {
        let o = try run("""
            [system]
            cpus = 2
            [workload]
            generator = "shared-counter"
            operations = 100
            [cache]
            sets = 16
            """)
        #expect(o.hierarchy == nil)
        let object = try json(o)
        #expect(object["levels"] == nil && object["timing"] == nil)
        #expect(o.hottestLines(5, rank: .cycles) == o.result.hottestLines(5))
    }

    @Test func aOneLevelHierarchyCountsAsTheSingleLevelEngine() throws {
        let text = eightCPUs.components(separatedBy: "[[level]]")[0]
        let plain = try run(text.replacingOccurrences(of: "latency = 4", with: ""))
        let hierarchy = try run(text)
        #expect(plain.hierarchy == nil)
        #expect(hierarchy.hierarchy?.levels.count == 1)
        #expect(plain.result.totals == hierarchy.result.totals)
        #expect(JSONReport.value(plain, top: 10).rendered().contains("\"levels\"") == false)
    }
}
