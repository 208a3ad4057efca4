import Foundation
import Testing

private let gnuplotInstalled = ProcessInfo.processInfo.environment["PATH", default: "/usr/bin"].split(separator: ":")
    .contains { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }

private let base = """
    [system]
    cpus = 2
    [workload]
    generator = "per-cpu-counters"
    operations = 2000
    [cache]
    sets = 16
    ways = 2
    """

private let sweepFile = """
    base = "../configs/base.toml"
    output = "../results/s"
    seeds = [1, 2]
    [grid]
    "workload.stride" = [8, 64]
    "coherence.protocol" = ["msi", "mesi"]
    """

@Suite(.serialized) struct SweepCommandEndToEnd {
    @Test func runRerunShardsAndCollect() throws {
        let lab = try Lab()
        try lab.write("configs/base.toml", base)
        try lab.write("sweeps/s.toml", sweepFile)
        let first = try lab.run(["sweep", "sweeps/s.toml", "--jobs", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        // stderr is not a terminal: plain log lines, one per run.
        #expect(first.stderr.contains("mtlab: sweep: 4 points × 2 seeds = 8 rows, 8 distinct runs; 2 jobs"))
        #expect(first.stderr.components(separatedBy: "] done ").count == 9, "\(first.stderr)")
        #expect(first.stderr.contains("done workload.stride=8 coherence.protocol=msi seed=1 in"))
        #expect(!first.stderr.contains("\r"))
        #expect(lab.entries("results/s").filter { !$0.hasPrefix("points/") }
            == ["failures.csv", "points", "results.csv", "results.json", "summary.csv", "summary.json", "sweep.json"])
        #expect(lab.entries("results/s/points").count == 8)
        let results = try lab.readText("results/s/results.csv")

        let rerun = try lab.run(["sweep", "sweeps/s.toml", "--resume"])
        #expect(rerun.status == 0 && rerun.stderr.contains("0 ran, 8 finished before, 0 failed"), "\(rerun.stderr)")
        #expect(try lab.readText("results/s/results.csv") == results)

        // Shards into a second folder, then collect: the same tables.
        try lab.write("sweeps/t.toml", sweepFile.replacingOccurrences(of: "results/s", with: "results/t"))
        let one = try lab.run(["sweep", "sweeps/t.toml", "--shard", "1/3"])
        #expect(one.status == 0 && one.stderr.contains("shard 1/3 has 3"), "\(one.stderr)")
        #expect(!lab.entries("results/t").contains("results.csv"))
        let early = try lab.run(["sweep", "sweeps/t.toml", "--collect"])
        #expect(early.status != 0 && early.stderr.contains("5 of 8 rows have no result yet"), "\(early.stderr)")
        for k in 2...3 { #expect(try lab.run(["sweep", "sweeps/t.toml", "--shard", "\(k)/3"]).status == 0) }
        let collected = try lab.run(["sweep", "sweeps/t.toml", "--collect"])
        #expect(collected.status == 0, "\(collected.stderr)")
        #expect(try lab.readText("results/t/results.csv") == results)
        #expect(try lab.readText("results/t/summary.csv") == lab.readText("results/s/summary.csv"))
    }

    @Test func resumesAfterTheProcessIsKilled() throws {
        let lab = try Lab()
        try lab.write("configs/base.toml", base.replacingOccurrences(of: "2000", with: "60000"))
        try lab.write("sweeps/s.toml", sweepFile.replacingOccurrences(of: "[1, 2]", with: "[1, 2, 3]"))
        let (process, _, _) = try lab.start(["sweep", "sweeps/s.toml", "--jobs", "1"])
        let deadline = Date().addingTimeInterval(60)
        while lab.entries("results/s/points").filter({ $0.hasSuffix(".json") && !$0.hasPrefix(".") }).count < 2 && Date() < deadline {
            usleep(10_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finished = lab.entries("results/s/points").filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.count
        #expect(finished >= 2 && finished < 12, "killed after \(finished) of 12 runs")

        let resumed = try lab.run(["sweep", "sweeps/s.toml", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("\(12 - finished) ran, \(finished) finished before, 0 failed"), "\(resumed.stderr)")
        try lab.write("sweeps/fresh.toml", sweepFile.replacingOccurrences(of: "[1, 2]", with: "[1, 2, 3]")
            .replacingOccurrences(of: "results/s", with: "results/fresh"))
        #expect(try lab.run(["sweep", "sweeps/fresh.toml"]).status == 0)
        #expect(try lab.readText("results/s/results.csv") == lab.readText("results/fresh/results.csv"))
    }

    @Test func badInputChangesNothing() throws {
        let lab = try Lab()
        try lab.write("configs/base.toml", base)
        try lab.write("sweeps/s.toml", sweepFile)
        #expect(try lab.run(["sweep", "sweeps/s.toml"]).status == 0)
        try lab.write("results/s/results.csv", "kept\n")
        let cases: [(file: String, contents: String, expected: String)] = [
            ("sweeps/s.toml", sweepFile.replacingOccurrences(of: "workload.stride", with: "workload.strid"), "grid key workload.strid is not a config key"),
            ("sweeps/s.toml", sweepFile.replacingOccurrences(of: "[8, 64]", with: "[]"), "grid key workload.stride has an empty list"),
            ("configs/base.toml", base.replacingOccurrences(of: "sets = 16", with: "sets = 12"), "the base config fails to load"),
            ("configs/base.toml", base.replacingOccurrences(of: "ways = 2", with: "ways = 4"), "holds results of a different sweep"),
        ]
        for (file, contents, expected) in cases {
            let original = try lab.readText(file)
            try lab.write(file, contents)
            let before = lab.entries().map { ($0, lab.size($0)) }.map { "\($0.0):\($0.1)" }
            let r = try lab.run(["sweep", "sweeps/s.toml"])
            #expect(r.status != 0)
            #expect(r.stderr.hasPrefix("mtlab: error: ") && r.stderr.contains(expected), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(lab.entries().map { ($0, lab.size($0)) }.map { "\($0.0):\($0.1)" } == before, "\(expected)")
            #expect(try lab.readText("results/s/results.csv") == "kept\n")
            try lab.write(file, original)
        }
        let shard = try lab.run(["sweep", "sweeps/s.toml", "--shard", "3/2"])
        #expect(shard.status != 0 && shard.stderr.contains("--shard must be K/N"), "\(shard.stderr)")
    }
}

@Suite(.serialized) struct MRCAndPlotEndToEnd {
    @Test func mrcEqualsSeparateRuns() throws {
        let lab = try Lab()
        try lab.write("m.toml", """
            [system]
            cpus = 2
            [workload]
            generator = "uniform"
            operations = 4000
            working_set = 8192
            [cache]
            sets = 8
            ways = 4
            [coherence]
            protocol = "none"
            """)
        let r = try lab.run(["mrc", "m.toml", "-o", "m.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try lab.readText("m.csv").split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows[0] == ["cpu", "sets", "ways", "lines", "bytes", "accesses", "misses", "miss_ratio"])
        for ways in [1, 5, 16] {
            let run = try lab.run(["run", "m.toml", "--set", "cache.ways=\(ways)", "--json", "-"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let cpus = try #require(json["cpus"] as? [[String: Any]])
            for cpu in 0..<2 {
                let row = try #require(rows.first { $0[0] == "\(cpu)" && $0[2] == "\(ways)" })
                #expect(UInt64(row[6]) == (cpus[cpu]["misses"] as? NSNumber)?.uint64Value, "cpu \(cpu), \(ways) ways")
            }
        }
    }

    @Test func plotsWriteDataAndScriptEvenWithoutGnuplot() throws {
        let lab = try Lab()
        try lab.write("configs/base.toml", base)
        try lab.write("sweeps/s.toml", sweepFile)
        #expect(try lab.run(["sweep", "sweeps/s.toml"]).status == 0)
        let missing = try lab.run(["plot", "results/s", "--x", "workload.stride", "--y", "miss_ratio", "-o", "f.png"],
                                  environment: ["MTLAB_GNUPLOT": "/nonexistent/gnuplot"])
        #expect(missing.status != 0 && missing.stderr.contains("gnuplot not found"), "\(missing.stderr)")
        #expect(!lab.entries().contains { $0.hasPrefix("f.") })
        let scriptOnly = try lab.run(["plot", "results/s", "--x", "workload.stride", "--y", "miss_ratio", "--series",
                                      "coherence.protocol", "-o", "f.png", "--no-render"],
                                     environment: ["MTLAB_GNUPLOT": "/nonexistent/gnuplot"])
        #expect(scriptOnly.status == 0, "\(scriptOnly.stderr)")
        #expect(lab.entries().filter { $0.hasPrefix("f.") } == ["f.dat", "f.gp"])
        let script = try lab.readText("f.gp")
        #expect(script.contains("set output 'f.png'") && script.contains("yerrorlines") && script.contains("'Protocol'"))
        #expect(try lab.readText("f.dat").contains("# series 1: mesi"))
    }

    @Test func badPlotInputNamesTheColumnOrFile() throws {
        let lab = try Lab()
        try lab.write("configs/base.toml", base)
        try lab.write("sweeps/s.toml", sweepFile)
        #expect(try lab.run(["sweep", "sweeps/s.toml"]).status == 0)
        try lab.write("old.png", "old")
        let cases: [([String], String)] = [
            (["--x", "workload.stride", "--y", "miss_ratios"], "results/s/results.csv: has no column miss_ratios"),
            (["--x", "cache.ways", "--y", "miss_ratio"], "has no column cache.ways (asked for --x)"),
            (["--x", "workload.stride", "--y", "miss_ratio"], "coherence.protocol takes several values"),
            (["--x", "workload.stride", "--y", "miss_ratio", "--series", "coherence.protocol", "--where", "seed=9"], "no rows left"),
            (["--kind", "transfer-matrix"], "results/s: no such file"),
            (["--kind", "line"], "needs --x KEY and --y METRIC"),
        ]
        for (arguments, expected) in cases {
            let before = lab.entries()
            let r = try lab.run(["plot", "results/s"] + arguments + ["-o", "old.png"])
            #expect(r.status != 0)
            #expect(r.stderr.contains(expected), "\(r.stderr)")
            #expect(lab.entries() == before)
            #expect(try lab.readText("old.png") == "old")
        }
        let format = try lab.run(["plot", "results/s", "--x", "workload.stride", "--y", "miss_ratio", "-o", "f.jpg"])
        #expect(format.status != 0 && format.stderr.contains("must end in .png, .svg or .pdf"))
    }

    @Test(.enabled(if: gnuplotInstalled, "gnuplot is not installed: install gnuplot-nox (scripts/setup.sh) to test rendering"))
    func everyKindRendersInEveryFormat() throws {
        let lab = try Lab()
        try lab.write("configs/base.toml", base.replacingOccurrences(of: "cpus = 2", with: "cpus = 4"))
        try lab.write("sweeps/s.toml", sweepFile.replacingOccurrences(of: "\"coherence.protocol\"", with: "\"system.cpus\"")
            .replacingOccurrences(of: "[\"msi\", \"mesi\"]", with: "[1, 2, 4]"))
        #expect(try lab.run(["sweep", "sweeps/s.toml"]).status == 0)
        #expect(try lab.run(["run", "configs/base.toml", "--json", "run.json"]).status == 0)
        #expect(try lab.run(["mrc", "configs/base.toml", "-o", "mrc.csv"]).status == 0)
        let plots: [[String]] = [
            ["results/s", "--x", "system.cpus", "--y", "movement_per_operation", "--series", "workload.stride", "-o", "line.png"],
            ["results/s/summary.csv", "--kind", "scaling", "--log-x", "-o", "scaling.svg"],
            ["mrc.csv", "--kind", "mrc", "--log-x", "-o", "mrc.pdf"],
            ["run.json", "--kind", "transfer-matrix", "-o", "transfers.png"],
            ["run.json", "--kind", "line-offsets", "--top", "2", "-o", "offsets.svg"],
        ]
        for arguments in plots {
            let r = try lab.run(["plot"] + arguments)
            #expect(r.status == 0, "\(arguments): \(r.stderr)")
            let image = arguments.last!
            let stem = String(image[..<image.lastIndex(of: ".")!])
            for name in [image, stem + ".dat", stem + ".gp"] { #expect(lab.size(name) > 100, "\(name)") }
            #expect(!lab.entries().contains { $0.hasSuffix(".tmp") })
        }
    }
}
