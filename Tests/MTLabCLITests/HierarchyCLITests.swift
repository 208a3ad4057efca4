import Foundation
import Testing

/// Four CPUs, private L1 and L2, a small shared inclusive LLC, latencies.
private let hierarchy = """
    [system]
    cpus = 4
    [workload]
    generator = "read-mostly"
    operations = 2000
    working_set = 32768
    [cache]
    sets = 8
    ways = 2
    latency = 2
    [[level]]
    sets = 16
    ways = 4
    latency = 10
    [[level]]
    name = "LLC"
    sets = 32
    ways = 4
    sharing = "shared"
    inclusion = "inclusive"
    latency = 30
    [memory]
    latency = 100
    """

private func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct HierarchyCommandEndToEnd {
    @Test func runReportsEveryLevelInJSONCSVAndText() throws {
        let lab = try Lab()
        try lab.write("h.toml", hierarchy)
        let run = try lab.run(["run", "h.toml", "--json", "report.json", "--csv", "csv", "--check"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\nLLC (shared, inclusive)\n"))
        #expect(run.stdout.contains("Cycles per CPU"))
        #expect(run.stderr.contains("the levels' inclusion promises held"))
        let report = try object(lab.readText("report.json"))
        let levels = try #require(report["levels"] as? [[String: Any]])
        #expect(levels.map { $0["name"] as? String } == ["L1", "L2", "LLC"])
        #expect(report["timing"] != nil && report["totals"] != nil && report["cpus"] != nil)
        #expect(lab.entries("csv") == ["cpus.csv", "levels.csv", "line_offsets.csv", "lines.csv", "statistics.csv", "timing.csv"])
        #expect(try lab.readText("csv/levels.csv").split(separator: "\n").count == 1 + 5 + 5 + 2)
    }

    @Test func setOverridesALevelAndNamesAMissingOne() throws {
        let lab = try Lab()
        try lab.write("h.toml", hierarchy)
        let run = try lab.run(["run", "h.toml", "--json", "-", "--set", "level.2.inclusion=exclusive", "--set", "level.1.ways=2"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try object(run.stdout)
        let config = try #require(report["config"] as? [String: Any])
        let levels = try #require(config["level"] as? [[String: Any]])
        #expect(levels[1]["inclusion"] as? String == "exclusive")
        #expect(levels[0]["ways"] as? Int == 2)
        #expect(((report["levels"] as? [[String: Any]])?[2]["totals"] as? [String: Any])?["back_invalidations"] as? Int == 0)

        let missing = try lab.run(["run", "h.toml", "--set", "level.3.ways=2"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "mtlab: error: --set level.3.ways=2: level.3.ways names level.3, which does not exist: the config has 2 [[level]] tables (level.1 to level.2); add a [[level]] table to the file for it\n")
        let bad = try lab.run(["run", "h.toml", "--set", "level.2.ways=0"])
        #expect(bad.stderr == "mtlab: error: --set level.2.ways=0: level.2.ways must be 1...1024, got 0\n")
    }

    @Test func rankByCycles() throws {
        let lab = try Lab()
        try lab.write("h.toml", hierarchy)
        let run = try lab.run(["run", "h.toml", "--json", "-", "--rank", "cycles", "--top", "20"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try #require(try object(run.stdout)["lines"] as? [[String: Any]])
        let stalls = lines.compactMap { $0["stall_cycles"] as? Int }
        #expect(stalls.count == 20 && stalls == stalls.sorted(by: >))
        let text = try lab.run(["run", "h.toml", "--rank", "cycles", "--top", "3"])
        #expect(text.stdout.contains("Top 3 of"), "\(text.stderr)")
        #expect(text.stdout.contains("lines by stall cycles"))

        try lab.write("flat.toml", hierarchy.components(separatedBy: "[[level]]")[0].replacingOccurrences(of: "latency = 2", with: ""))
        let untimed = try lab.run(["run", "flat.toml", "--rank", "cycles"])
        #expect(untimed.status != 0)
        #expect(untimed.stderr.contains("--rank cycles needs a config with timing"))
        let wrong = try lab.run(["run", "h.toml", "--rank", "misses"])
        #expect(wrong.status != 0 && wrong.stderr.contains("--rank must be one of movement, cycles, got 'misses'"))
    }

    @Test func aSweepOverInclusionPlotsLevelCounters() throws {
        let lab = try Lab()
        try lab.write("configs/h.toml", hierarchy)
        try lab.write("sweeps/s.toml", """
            base = "../configs/h.toml"
            output = "../results/s"
            [grid]
            "system.cpus" = [1, 4]
            "level.2.inclusion" = ["non-inclusive", "inclusive", "exclusive"]
            """)
        let sweep = try lab.run(["sweep", "sweeps/s.toml", "--jobs", "2"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        // Each inclusion is its own run, not a reused result.
        #expect(sweep.stderr.contains("6 distinct runs"), "\(sweep.stderr)")
        let plot = try lab.run(["plot", "results/s", "--x", "level.2.inclusion", "--y", "LLC.back_invalidations",
                                "--series", "system.cpus", "-o", "bi.svg", "--no-render"])
        #expect(plot.status == 0, "\(plot.stderr)")
        let data = try lab.readText("bi.dat")
        let rows = data.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }
        #expect(rows.count == 6)
        // Only the inclusive LLC back-invalidates.
        for row in rows where row.count > 2 {
            if row[1] != "inclusive" { #expect(row[2] == "0") }
        }
        #expect(rows.contains { $0[1] == "inclusive" && $0[2] != "0" })
        #expect(try lab.readText("bi.gp").contains("LLC back invalidations"))
        let cycles = try lab.run(["plot", "results/s/results.csv", "--x", "level.2.inclusion", "--y", "average_access_time",
                                  "--series", "system.cpus", "-o", "cy.svg", "--no-render"])
        #expect(cycles.status == 0, "\(cycles.stderr)")
        let missing = try lab.run(["plot", "results/s", "--x", "level.2.inclusion", "--y", "L9.misses", "-o", "x.svg", "--no-render",
                                   "--where", "system.cpus=4"])
        #expect(missing.status != 0 && missing.stderr.contains("LLC.back_invalidations"), "\(missing.stderr)")
    }
}
