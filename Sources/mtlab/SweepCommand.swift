import ArgumentParser
import Experiments
import Foundation
import Sweeps

/// `mtlab sweep SWEEP.toml`: run every point of a parameter grid, in parallel and resumably.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a config over a grid of overrides and seeds; tabulate results with statistics across seeds.",
        discussion: """
            The sweep file names a base run config, an output folder (both relative to the sweep \
            file), optional seeds (default [1]) and a [grid] of dotted config keys with lists of \
            values. Every point of the cartesian product runs once per seed; each result is \
            written as it finishes under OUTPUT/points/, named by a hash of its full configuration, \
            so a rerun (or --resume) skips finished runs. Tables: results.csv/json (one row per \
            point and seed), summary.csv/json (mean, sd, 95% CI from Student's t, min, max across \
            seeds), failures.csv.

            --slurm submits the sweep to Slurm instead: an array job whose task K runs shard K/N \
            (N = --tasks), then a collect job that writes the tables once every task has ended; \
            scripts and logs go to OUTPUT/slurm/. --status says which runs are done, failed, \
            running or missing; --slurm --resume resubmits only the tasks with runs left. See \
            docs/sweeps.md.
            """)

    @Argument(help: "The sweep file (TOML).")
    var sweep: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Runs simulated at once (default: the number of cores).", valueName: "n"))
    var jobs: Int?

    @Flag(help: "Continue a sweep whose output folder already exists (an error when there is none).")
    var resume = false

    @Option(help: ArgumentHelp("Run only the K-th of N disjoint parts (1-based); write no tables.", valueName: "K/N"))
    var shard: String?

    @Flag(help: "Run nothing: gather the results the shards wrote and write the tables.")
    var collect = false

    @Flag(help: "Report which runs are done, failed, running (Slurm) or missing, from the output folder; run nothing.")
    var status = false

    @Flag(help: "Submit to Slurm: an array job (task K runs shard K/N) and a collect job after it; with --resume, only the tasks with runs left.")
    var slurm = false

    @Option(help: ArgumentHelp("With --slurm: array tasks (shards) (default: the distinct runs, at most 16; on a resubmission, as before).", valueName: "n"))
    var tasks: Int?

    @Option(help: ArgumentHelp("With --slurm: the partition to submit to.", valueName: "name"))
    var partition: String?

    @Option(name: .customLong("array-parallelism"), help: ArgumentHelp("With --slurm: at most k tasks at once.", valueName: "k"))
    var arrayParallelism: Int?

    @Option(help: ArgumentHelp("With --slurm: each job's time limit (Slurm's form: 90, 1:30:00, 2-12:00:00).", valueName: "limit"))
    var time: String?

    @Option(help: ArgumentHelp("With --slurm: the mtlab the jobs run (default: this one, by absolute path).", valueName: "path"))
    var mtlab: String?

    @Flag(name: .customLong("dry-run"), help: "With --slurm: print the batch scripts and the sbatch commands; write and submit nothing.")
    var dryRun = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let shard { _ = try Self.parseShard(shard) }
        if collect && (shard != nil || resume || jobs != nil) {
            throw ValidationError("--collect runs nothing; it takes no --shard, --resume or --jobs")
        }
        let slurmOnly: [(String, Bool)] = [("--tasks", tasks != nil), ("--partition", partition != nil),
                                           ("--array-parallelism", arrayParallelism != nil), ("--time", time != nil),
                                           ("--mtlab", mtlab != nil), ("--dry-run", dryRun)]
        if !slurm, let (name, _) = slurmOnly.first(where: { $0.1 }) {
            throw ValidationError("\(name) is an option of --slurm")
        }
        if status && (slurm || collect || resume || shard != nil || jobs != nil) {
            throw ValidationError("--status runs nothing; it takes no --slurm, --collect, --resume, --shard or --jobs")
        }
        if slurm && (collect || shard != nil) {
            throw ValidationError("--slurm submits every shard and a collect job; it takes no --shard or --collect")
        }
        if let tasks, tasks < 1 { throw ValidationError("--tasks must be at least 1, got \(tasks)") }
        if let arrayParallelism, arrayParallelism < 1 {
            throw ValidationError("--array-parallelism must be at least 1, got \(arrayParallelism)")
        }
        if let mtlab, mtlab.isEmpty { throw ValidationError("--mtlab must name an executable") }
    }

    static func parseShard(_ text: String) throws -> (k: Int, n: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
            throw ValidationError("--shard must be K/N with 1 ≤ K ≤ N, such as 2/8; got '\(text)'")
        }
        return (k, n)
    }

    func run() throws {
        try reportingErrors {
            let definition = try SweepDefinition.load(path: sweep)
            let plan = try SweepPlan(definition)
            if status {
                try printStatus(plan)
                return
            }
            if slurm {
                try submit(plan)
                return
            }
            let store = try SweepStore.open(plan, create: !resume && !collect)
            let log = SweepLog(interactive: isatty(STDERR_FILENO) != 0, plan: plan)
            if collect {
                try finish(plan, store, log, ran: nil)
                return
            }
            let parts = try shard.map(Self.parseShard)
            let runs = parts.map { plan.shard($0.k, of: $0.n) } ?? plan.uniqueRuns
            let jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
            log.header(runs: runs.count, shard: shard, jobs: jobs)
            let progress = try SweepExecutor(store: store, jobs: jobs).execute(runs) { event, progress in
                log.report(event, progress)
            }
            log.done(progress)
            if parts != nil {
                printError("mtlab: sweep: shard \(shard!) done; run `mtlab sweep \(sweep) --collect` once every shard has finished\n")
                if progress.failed > 0 { throw ExitCode.failure }
                return
            }
            try finish(plan, store, log, ran: progress)
        }
    }

    /// Writes the tables from every stored result and says what is missing or failed.
    private func finish(_ plan: SweepPlan, _ store: SweepStore, _ log: SweepLog, ran: SweepProgress?) throws {
        let tables = try SweepTables(plan: plan, store: store)
        try store.writeTables(tables.rendered())
        let distinct = Set(tables.rows.map(\.result.key)).count
        printError("mtlab: sweep: \(tables.rows.count) result rows (\(distinct) distinct runs) in \(tidy(store.folder))/results.csv, "
            + "summary.csv and .json\n")
        if ran == nil, !tables.failures.isEmpty {
            for f in tables.failures { printError("mtlab: sweep: failed: \(log.describe(point: f.point, seed: f.seed)): \(f.message)\n") }
        }
        if tables.missing > 0 {
            // A sweep submitted to Slurm is finished by resubmitting the tasks with runs left.
            let submitted = (try? SlurmRecord.read(from: store)).flatMap { $0 } != nil
            let how = submitted ? "`mtlab sweep \(shellQuoted(sweep)) --slurm --resume` resubmits the tasks that have runs left" : "rerun to finish them"
            printError("mtlab: sweep: \(tables.missing) of \(plan.runs.count) rows have no result yet (shards not run, or interrupted); \(how)\n")
        }
        if !tables.failures.isEmpty {
            printError("mtlab: sweep: \(tables.failures.count) rows failed; see failures.csv\n")
        }
        if !tables.failures.isEmpty || tables.missing > 0 { throw ExitCode.failure }
    }
}

/// `path` with `folder/..` pairs and `.` parts removed, for messages only (with symbolic
/// links the lexical form can name another place, so files are opened by the path as given).
func tidy(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: false) {
        if part == "." { continue }
        if part == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast(); continue }
        parts.append(part)
    }
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}

/// The sweep's messages on stderr: a progress line redrawn in place on a terminal (at most
/// ten times a second), plain log lines otherwise.
final class SweepLog {
    let interactive: Bool
    let plan: SweepPlan
    private var lastDrawn = -1.0

    init(interactive: Bool, plan: SweepPlan) {
        self.interactive = interactive
        self.plan = plan
    }

    func describe(point: SweepPoint, seed: UInt64, seedMatters: Bool = true) -> String {
        let values = zip(plan.definition.grid, point.values).map { entry, value -> String in
            if case let .string(text) = value { return "\(entry.key)=\(text)" }
            return "\(entry.key)=\(value.description)"
        }
        return (values + [seedMatters ? "seed=\(seed)" : "every seed"]).joined(separator: " ")
    }

    func describe(_ run: SweepRun) -> String {
        describe(point: plan.points[run.point], seed: run.seed, seedMatters: run.configuration?.seedMatters ?? true)
    }

    func header(runs: Int, shard: String?, jobs: Int) {
        let d = plan.definition
        var line = "mtlab: sweep: \(plan.points.count) points × \(d.seeds.count) seed\(d.seeds.count == 1 ? "" : "s") = "
            + "\(plan.runs.count) rows, \(plan.uniqueRuns.count) distinct runs"
        if let shard { line += "; shard \(shard) has \(runs)" }
        printError(line + "; \(jobs) job\(jobs == 1 ? "" : "s")\n")
        let insensitive = plan.seedInsensitivePoints
        if insensitive > 0 && d.seeds.count > 1 {
            printError("mtlab: note: seeds cannot change \(insensitive) of \(plan.points.count) points (a trace with no random "
                + "replacement, or a generator that draws no random number): their seeds repeat one identical run, simulated once\n")
        }
    }

    func report(_ event: SweepEvent?, _ p: SweepProgress) {
        let position = "[\(p.skipped + p.done + p.failed)/\(p.total)]"
        switch event {
        case let .finished(run, seconds)?:
            if !interactive { printError("mtlab: sweep: \(position) done \(describe(run)) in \(String(format: "%.2f", seconds)) s\n") }
        case let .failed(run, message)?:
            printError((interactive ? "\r\u{1B}[K" : "") + "mtlab: sweep: \(position) FAILED \(describe(run)): \(message)\n")
        case nil:
            break
        }
        if interactive && (p.elapsed - lastDrawn >= 0.1 || p.remaining == 0) {
            lastDrawn = p.elapsed
            printError("\r\u{1B}[K" + line(p))
        }
    }

    func line(_ p: SweepProgress) -> String {
        var s = "sweep: \(p.skipped + p.done)/\(p.total) done"
        if p.skipped > 0 { s += " (\(p.skipped) before)" }
        s += ", \(p.running) running, \(p.failed) failed, elapsed \(clock(p.elapsed))"
        if let eta = p.eta { s += ", ETA \(clock(eta))" }
        return s
    }

    func done(_ p: SweepProgress) {
        if interactive { printError("\r\u{1B}[K") }
        printError("mtlab: sweep: \(p.done) ran, \(p.skipped) finished before, \(p.failed) failed, in \(clock(p.elapsed))\n")
    }

    func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
