import Foundation
import Testing
import MTrace
@testable import Sweeps
import Statistics
import Experiments

/// A scratch folder with a base config and sweep files.
private final class SweepLab {
    let folder: String
    init() throws {
        folder = NSTemporaryDirectory() + "mtlab-sweep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func write(_ name: String, _ text: String) throws {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: folder + "/" + name, encoding: .utf8) }

    /// A two-CPU base config with `workload` lines, and a sweep over one- and two-way caches.
    func writeWaysSweep(workload: String) throws {
        try write("base.toml", """
            [system]
            cpus = 2
            [workload]
            \(workload)
            [cache]
            sets = 16
            ways = 2
            """)
        try write("sweep.toml", """
            base = "base.toml"
            output = "out"
            [grid]
            "cache.ways" = [1, 2]
            """)
    }

    /// Every file under the lab with its contents, to prove that nothing changed.
    func snapshot() -> [String: Data] {
        var out: [String: Data] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: folder)?.allObjects ?? [] {
            out[name] = FileManager.default.contents(atPath: folder + "/" + name) ?? Data()
        }
        return out
    }

    func plan(_ sweep: String = "sweep.toml") throws -> SweepPlan { try SweepPlan(SweepDefinition.load(path: folder + "/" + sweep)) }

    /// Runs `runs` (default: all) and writes the tables; returns the counts.
    @discardableResult
    func execute(_ plan: SweepPlan, runs: [SweepRun]? = nil, jobs: Int = 2) throws -> SweepProgress {
        let store = try SweepStore.open(plan, create: true)
        let progress = try SweepExecutor(store: store, jobs: jobs).execute(runs ?? plan.uniqueRuns) { _, _ in }
        try store.writeTables(try SweepTables(plan: plan, store: store).rendered())
        return progress
    }
}

private let base = """
    [system]
    cpus = 2
    [workload]
    generator = "per-cpu-counters"
    operations = 300
    [cache]
    sets = 16
    ways = 2
    """

private let sweep = """
    base = "base.toml"
    output = "out"
    seeds = [1, 2, 3]
    [grid]
    "workload.stride" = [8, 64]
    coherence.protocol = ["msi", "mesi", "moesi"]
    "cache.ways" = [1, 2]
    """

private func sweepError(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let e as SweepError {
        return e.description
    } catch {
        return "not a SweepError: \(error)"
    }
}

@Suite struct SweepExpansion {
    @Test func cartesianProductInFileOrderTimesSeeds() throws {
        let lab = try SweepLab()
        try lab.write("base.toml", base)
        try lab.write("sweep.toml", sweep)
        let plan = try lab.plan()
        #expect(plan.definition.grid.map(\.key) == ["workload.stride", "coherence.protocol", "cache.ways"])
        #expect(plan.definition.outputPath == lab.folder + "/out")
        #expect(plan.points.count == 12 && plan.runs.count == 36)
        #expect(plan.points[0].overrides == ["workload.stride=8", "coherence.protocol=\"msi\"", "cache.ways=1"])
        #expect(plan.points[1].overrides == ["workload.stride=8", "coherence.protocol=\"msi\"", "cache.ways=2"])
        #expect(plan.points[11].overrides == ["workload.stride=64", "coherence.protocol=\"moesi\"", "cache.ways=2"])
        #expect(plan.runs.prefix(3).map(\.seed) == [1, 2, 3] && plan.runs.prefix(3).allSatisfy { $0.point == 0 })
        let c = try #require(plan.runs[4].configuration)
        #expect(c.seed == 2 && c.geometry.ways == 2 && c.coherence == .msi)
        #expect(Set(plan.runs.map(\.key)).count == 36, "every run differs")
        #expect(plan.seedInsensitivePoints == 0)
    }

    /// The grid keeps the order of the file however its keys are spelled: quoted, dotted
    /// keys interleaved across tables, or sub-table headers.
    @Test(arguments: [
        ("[grid]\ncoherence.protocol = [\"msi\"]\ncache.ways = [1, 2]\n\"workload.stride\" = [8]\ncache.sets = [16]\n",
         ["coherence.protocol", "cache.ways", "workload.stride", "cache.sets"]),
        ("[grid]\n# cache.ways and cache.sets come later\ncoherence.protocol = [\"msi\"]\n[grid.cache]\nways = [1, 2]\n[grid.workload]\nstride = [8]\n",
         ["coherence.protocol", "cache.ways", "workload.stride"]),
        ("[grid.coherence]\nprotocol = [\"msi\"]\n[grid.cache]\nways = [1, 2]\n[grid]\n\"workload.stride\" = [8]\n",
         ["coherence.protocol", "cache.ways", "workload.stride"]),
        ("grid = { coherence.protocol = [\"msi\"], cache = { ways = [1, 2] }, workload.stride = [8] }\n",
         ["coherence.protocol", "cache.ways", "workload.stride"]),
    ]) func gridKeysInFileOrder(_ grid: String, _ keys: [String]) throws {
        let definition = try SweepDefinition.parse("base = \"base.toml\"\noutput = \"out\"\n" + grid, file: "s.toml")
        #expect(definition.grid.map(\.key) == keys)
    }

    @Test func sweepSyntaxErrorsNameFileLineColumn() {
        #expect(sweepError { _ = try SweepDefinition.parse("base = \"b.toml\"\n[\n", file: "s.toml") }
                == "s.toml:2:2: expected a table name after '[', found the end of the line")
        #expect(sweepError { _ = try SweepDefinition.parse("base = \"b.toml\"\nbase = \"c.toml\"\n", file: "s.toml") }
                == "s.toml:2:1: duplicate key \"base\" (first defined at line 1)")
    }

    @Test func runsThatCannotDifferAreSimulatedOnce() throws {
        let lab = try SweepLab()
        try lab.write("t.trace", "0 W 0x0\n1 R 0x0\n")
        try lab.write("base.toml", "[system]\ncpus = 2\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 4\n")
        try lab.write("sweep.toml", "base = \"base.toml\"\noutput = \"out\"\nseeds = [1, 2, 3, 4]\n[grid]\n\"cache.replacement\" = [\"lru\", \"random\"]\n")
        let plan = try lab.plan()
        // A trace with LRU is the same run for every seed; random replacement is not.
        #expect(plan.runs.count == 8 && plan.uniqueRuns.count == 5)
        #expect(plan.seedInsensitivePoints == 1)
        let progress = try lab.execute(plan)
        #expect(progress.done == 5)
        let rows = try lab.read("out/results.csv").split(separator: "\n")
        #expect(rows.count == 9)
        #expect(rows.filter { $0.hasPrefix("lru,") }.allSatisfy { $0.contains(",false,") })
        let summary = try lab.read("out/summary.csv")
        #expect(summary.contains("\nlru,4,false,"))
        #expect(summary.contains("\nrandom,4,true,"))
    }

    @Test func shardsCoverEveryRunExactlyOnce() throws {
        let lab = try SweepLab()
        try lab.write("base.toml", base)
        try lab.write("sweep.toml", sweep)
        let plan = try lab.plan()
        let all = plan.uniqueRuns.map(\.key)
        for n in 1...8 {
            let parts = (1...n).map { plan.shard($0, of: n).map(\.key) }
            #expect(parts.flatMap { $0 }.sorted() == all.sorted(), "\(n) shards")
            #expect(Set(parts.flatMap { $0 }).count == all.count, "\(n) shards overlap")
            #expect(parts.allSatisfy { abs($0.count - all.count / n) <= 1 })
        }
    }

    @Test func resumesAfterAnInterruption() throws {
        let lab = try SweepLab()
        try lab.write("base.toml", base)
        try lab.write("sweep.toml", sweep)
        try lab.write("fresh.toml", sweep.replacingOccurrences(of: "\"out\"", with: "\"fresh\""))
        let plan = try lab.plan()
        // The interrupted sweep finished a third of its runs and left a temporary file behind.
        let first = try lab.execute(plan, runs: plan.shard(2, of: 3))
        #expect(first.done == 12)
        try lab.write("out/points/.deadbeef.json.mtlab-999.tmp", "{ half a")
        let second = try lab.execute(try lab.plan(), jobs: 3)
        #expect(second.skipped == 12 && second.done == 24 && second.failed == 0)
        let third = try lab.execute(try lab.plan())
        #expect(third.skipped == 36 && third.done == 0)
        // The same tables as a sweep that was never interrupted.
        try lab.execute(try lab.plan("fresh.toml"), jobs: 1)
        for name in ["results.csv", "summary.csv", "failures.csv"] {
            #expect(try lab.read("out/" + name) == lab.read("fresh/" + name), "\(name)")
        }
    }

    @Test func aTraceRewrittenInPlaceIsRunAgain() throws {
        let lab = try SweepLab()
        try lab.write("t.trace", "0 R 0x1000 4\n1 W 0x9004 4\n")
        try lab.writeWaysSweep(workload: #"trace = "t.trace""#)
        let before = try lab.plan()
        #expect(try lab.execute(before).done == 2)
        #expect(try CSVTableReader(lab.read("out/results.csv")).rows.allSatisfy { $0["transfers"] == "0" })
        #expect(try lab.execute(try lab.plan()).skipped == 2)
        // Same path, same length, other bytes: new keys, so the runs are done again.
        try lab.write("t.trace", "0 R 0x1000 4\n1 W 0x1004 4\n")
        let after = try lab.plan()
        #expect(Set(after.uniqueRuns.map(\.key)).isDisjoint(with: before.uniqueRuns.map(\.key)))
        let rerun = try lab.execute(after)
        #expect(rerun.done == 2 && rerun.skipped == 0)
        let results = try CSVTableReader(lab.read("out/results.csv"))
        #expect(results.rows.allSatisfy { $0["transfers"] == "1" })
    }

    /// A guest source's run is identified by its build, so editing a header beside it, or the
    /// runtime, or the flags, gives new keys; keys stay put while nothing changes.
    @Test func aGuestIsIdentifiedByEverythingItsBuildReads() throws {
        let lab = try SweepLab()
        try lab.write("guests/link.ld", "SECTIONS {}\n")
        try lab.write("guests/runtime/crt0.S", "# start\n")
        try lab.write("guests/programs/p.h", "#define N 1\n")
        try lab.write("guests/programs/p.c", "#include \"p.h\"\nint main(void) { return N; }\n")
        try lab.writeWaysSweep(workload: #"guest = "guests/programs/p.c""#)
        let keys = { try Set(lab.plan().uniqueRuns.map(\.key)) }
        let first = try keys()
        #expect(first.count == 2)
        #expect(try keys() == first)
        try lab.write("guests/programs/p.h", "#define N 2\n")
        let afterHeader = try keys()
        #expect(afterHeader.isDisjoint(with: first))
        try lab.write("guests/runtime/crt0.S", "# start, changed\n")
        let afterRuntime = try keys()
        #expect(afterRuntime.isDisjoint(with: afterHeader))
        try lab.writeWaysSweep(workload: """
            guest = "guests/programs/p.c"
            cflags = "-DFAST"
            """)
        #expect(try keys().isDisjoint(with: afterRuntime))
    }

    @Test func tablesHoldEveryCounterAndTheirStatistics() throws {
        let lab = try SweepLab()
        try lab.write("base.toml", base)
        try lab.write("sweep.toml", sweep)
        let plan = try lab.plan()
        try lab.execute(plan)
        let results = try CSVTableReader(lab.read("out/results.csv"))
        #expect(results.columns.prefix(6) == ["workload.stride", "coherence.protocol", "cache.ways", "seed", "point", "seed_matters"])
        #expect(results.columns.contains("false_sharing_misses") && results.columns.contains("movement_per_operation"))
        #expect(results.rows.count == 36)
        for row in results.rows {
            let movement = Double(row["transfers"]!)! + Double(row["invalidations"]!)!
            #expect(abs(Double(row["movement_per_operation"]!)! - movement / 600) < 1e-6)
            #expect(abs(Double(row["miss_ratio"]!)! - Double(row["misses"]!)! / Double(row["accesses"]!)!) < 1e-6)
        }
        // Padded counters never move; packed ones do.
        #expect(results.rows.filter { $0["workload.stride"] == "64" }.allSatisfy { $0["movement"] == "0" })
        #expect(results.rows.filter { $0["workload.stride"] == "8" }.allSatisfy { $0["movement"] != "0" })

        let summary = try CSVTableReader(lab.read("out/summary.csv"))
        #expect(summary.rows.count == 12)
        let point = try #require(summary.rows.first { $0["workload.stride"] == "8" && $0["coherence.protocol"] == "mesi" && $0["cache.ways"] == "2" })
        let values = results.rows.filter { $0["workload.stride"] == "8" && $0["coherence.protocol"] == "mesi" && $0["cache.ways"] == "2" }
            .map { Double($0["misses"]!)! }
        let expected = SampleSummary(values)
        #expect(values.count == 3 && point["seeds"] == "3")
        #expect(abs(Double(point["misses_mean"]!)! - expected.mean) < 1e-6)
        #expect(abs(Double(point["misses_ci95_high"]!)! - expected.confidenceHigh) < 1e-6)
        #expect(abs(Double(point["misses_sd"]!)! - expected.standardDeviation) < 1e-6)
        let json = try JSONSerialization.jsonObject(with: Data(lab.read("out/summary.json").utf8)) as? [String: Any]
        #expect((json?["points"] as? [Any])?.count == 12)
    }

    @Test func failedRunsAreReportedAndTheOthersFinish() throws {
        let lab = try SweepLab()
        try lab.write("t.trace", "0 R 0x0\n0 W 0x40\n")
        try lab.write("bad.trace", "0 R 0x0\n0 Q 0x40\n")
        try lab.write("base.toml", "[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 4\nways = 4\n")
        try lab.write("sweep.toml", """
            base = "base.toml"
            output = "out"
            [grid]
            "workload.trace" = ["t.trace", "bad.trace", "missing.trace"]
            "cache.replacement" = ["lru", "plru"]
            "cache.ways" = [3, 4]
            """)
        let plan = try lab.plan()
        // plru with 3 ways does not load; bad.trace and missing.trace fail while running.
        #expect(plan.runs.filter { $0.configuration == nil }.count == 3)
        let progress = try lab.execute(plan)
        #expect(progress.done == 3 && progress.failed == 9)
        let failures = try lab.read("out/failures.csv")
        #expect(failures.contains("bad.trace:2:"))
        #expect(failures.contains("missing.trace"))
        #expect(failures.contains("power of two ≤ 64 for plru"))
        #expect(try lab.read("out/results.csv").split(separator: "\n").count == 4)
        // A rerun retries the failures (and they fail again), without rerunning the rest.
        let again = try lab.execute(try lab.plan())
        #expect(again.skipped == 3 && again.failed == 9)
    }
}

@Suite struct SweepBadInput {
    private func lab(sweep text: String, base baseText: String = base) throws -> SweepLab {
        let lab = try SweepLab()
        try lab.write("base.toml", baseText)
        try lab.write("sweep.toml", text)
        return lab
    }

    @Test func gridKeyThatDoesNotExist() throws {
        let lab = try lab(sweep: "base = \"base.toml\"\noutput = \"out\"\n[grid]\n\"cache.wayz\" = [1, 2]\n")
        let message = sweepError { _ = try lab.plan() }
        #expect(message?.contains("sweep.toml: grid key cache.wayz is not a config key") == true, "\(message ?? "")")
        #expect(message?.contains("cache.ways") == true)
        #expect(lab.snapshot().keys.sorted() == ["base.toml", "sweep.toml"])
    }

    @Test func emptyList() throws {
        let lab = try lab(sweep: "base = \"base.toml\"\noutput = \"out\"\n[grid]\n\"cache.ways\" = []\n")
        #expect(sweepError { _ = try lab.plan() }?.contains("grid key cache.ways has an empty list") == true)
    }

    @Test(arguments: [
        ("seeds = []\n", "seeds must be a non-empty list"),
        ("seeds = [1, 1]\n", "seeds lists 1 twice"),
        ("[grid]\n\"system.seed\" = [1, 2]\n", "list the seeds in the top-level seeds"),
        ("[grid]\n\"cache.ways\" = 4\n", "must be a list"),
        ("[grid]\n\"cache.ways\" = [2, 2]\n", "lists 2 twice"),
        ("[grid]\n\"workload.elf\" = [\"a\"]\n", "workload.elf and workload.generator are both given"),
        ("extra = 1\n", "unknown key extra"),
        ("[grid]\n\"workload.operations\" = [0, -1]\n", "no point of the grid gives a valid config"),
    ]) func badSweepFiles(_ tail: String, _ expected: String) throws {
        let lab = try lab(sweep: "base = \"base.toml\"\noutput = \"out\"\n" + tail)
        let message = sweepError { _ = try lab.plan() }
        #expect(message?.contains(expected) == true, "\(message ?? "no error")")
    }

    @Test func baseConfigThatFailsToLoad() throws {
        let lab = try lab(sweep: "base = \"base.toml\"\noutput = \"out\"\n", base: "[cache]\nways = 4\n")
        let message = sweepError { _ = try lab.plan() }
        #expect(message?.hasPrefix(lab.folder + "/sweep.toml: the base config fails to load: " + lab.folder + "/base.toml") == true, "\(message ?? "")")
        let missing = try self.lab(sweep: "base = \"nope.toml\"\noutput = \"out\"\n")
        #expect(sweepError { _ = try missing.plan() }?.contains("nope.toml: cannot read the config file: no such file") == true)
    }

    @Test func outputFolderOfADifferentSweep() throws {
        let lab = try lab(sweep: sweep)
        let plan = try lab.plan()
        try lab.execute(plan, runs: Array(plan.uniqueRuns.prefix(4)))
        try lab.write("base.toml", base.replacingOccurrences(of: "sets = 16", with: "sets = 32"))
        let before = lab.snapshot()
        let message = sweepError { _ = try SweepStore.open(try lab.plan(), create: true) }
        #expect(message?.contains("out: holds results of a different sweep") == true, "\(message ?? "")")
        #expect(message?.contains("cache.sets=32 (the folder's: cache.sets=16)") == true, "\(message ?? "")")
        #expect(lab.snapshot() == before, "nothing in the folder changed")
        // A changed set of grid keys is a different sweep too; more values or seeds are not.
        try lab.write("base.toml", base)
        try lab.write("more.toml", sweep.replacingOccurrences(of: "[1, 2, 3]", with: "[1, 2, 3, 4]")
            .replacingOccurrences(of: "[1, 2]", with: "[1, 2, 4]"))
        _ = try SweepStore.open(try lab.plan("more.toml"), create: true)
        try lab.write("fewer.toml", sweep.replacingOccurrences(of: "\"cache.ways\" = [1, 2]", with: ""))
        #expect(sweepError { _ = try SweepStore.open(try lab.plan("fewer.toml"), create: true) }?.contains("different sweep") == true)
    }

    @Test func outputFolderOfOtherFiles() throws {
        let lab = try lab(sweep: sweep)
        try lab.write("out/notes.txt", "mine\n")
        let before = lab.snapshot()
        let message = sweepError { _ = try SweepStore.open(try lab.plan(), create: true) }
        #expect(message?.contains("holds files that are not a sweep's (notes.txt)") == true, "\(message ?? "")")
        #expect(lab.snapshot() == before)
        let none = try self.lab(sweep: sweep)
        #expect(sweepError { _ = try SweepStore.open(try none.plan(), create: false) }?.contains("holds no sweep yet") == true)
    }
}

/// A CSV read into rows keyed by column (the values mtlab writes need no quoting here).
private struct CSVTableReader {
    let columns: [String]
    let rows: [[String: String]]
    init(_ text: String) throws {
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        columns = lines[0]
        rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }
}
