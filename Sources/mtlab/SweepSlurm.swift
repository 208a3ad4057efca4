import ArgumentParser
import Foundation
import MTrace
import Reports
import Sweeps

/// `mtlab sweep --slurm` and `mtlab sweep --status`: submitting a sweep as a Slurm array
/// and reading where it stands.
extension SweepCommand {
    /// Shards when `--tasks` is not given and nothing was submitted before.
    static let defaultTasks = 16

    func submit(_ plan: SweepPlan) throws {
        let cwd = FileManager.default.currentDirectoryPath
        let output = absolute(plan.definition.outputPath, in: cwd)
        if let problem = SlurmBatch.problem(partition: partition, time: time, outputFolder: output) {
            throw ValidationError(problem)
        }
        // A dry run checks the folder as a submission would, and changes nothing.
        let store = dryRun ? try SweepStore.check(plan, create: !resume) : try SweepStore.open(plan, create: !resume)
        let record = try store.flatMap { try SlurmRecord.read(from: $0) }
        let n = tasks ?? record?.tasks ?? min(plan.uniqueRuns.count, Self.defaultTasks)
        let shards = try SweepStatus(plan: plan, store: store).unfinishedShards(of: n)
        guard !shards.isEmpty else {
            printError("mtlab: sweep: every distinct run has a result; nothing to submit (`mtlab sweep \(shellQuoted(sweep)) --collect` writes the tables)\n")
            return
        }
        let batch = SlurmBatch(mtlab: mtlab ?? Self.executablePath(), workingDirectory: cwd, sweep: sweep,
                               outputFolder: output, tasks: n, cpusPerTask: jobs ?? 1,
                               arrayParallelism: arrayParallelism, partition: partition, time: time)
        let array = SlurmBatch.arraySpec(shards)
        if dryRun {
            try writeOut("# mtlab sweep --slurm --dry-run: nothing written or submitted.\n"
                + "# \(escaped(batch.shardsScriptPath)):\n" + batch.shardsScript
                + "# \(escaped(batch.collectScriptPath)):\n" + batch.collectScript
                + "# Submitted with:\n" + batch.commands(array: array))
            return
        }
        // open(_:create:) returned a store or threw; this only unwraps it.
        guard let store else { throw SweepError(place: tidy(plan.definition.outputPath), message: "holds no sweep") }
        // Two copies of a task would run the same points at once: refuse while any is queued.
        if let record {
            let queued = try Self.queuedTasks(of: record)
            if !queued.isEmpty {
                let list = queued.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.name))" }.joined(separator: ", ")
                throw SweepError(place: tidy(plan.definition.outputPath),
                                 message: "tasks of this sweep are still queued or running: \(list); wait for them or scancel them, then resubmit")
            }
        }
        var files = OutputFiles()
        files.add(folder: batch.slurmFolder, files: [("shards.sh", batch.shardsScript), ("collect.sh", batch.collectScript)])
        files.add(folder: batch.logsFolder, files: [])
        do { try files.commit() } catch let e as OutputError { throw SweepError(place: e.path, message: e.message) }

        let arrayJob = try Self.sbatch(batch.submitShards(array: array))
        var submission = SlurmRecord.Submission(arrayJob: arrayJob, array: array, collectJob: nil)
        var updated = record ?? SlurmRecord(tasks: n, submissions: [])
        updated.tasks = n
        updated.submissions.append(submission)
        // Recorded before the collect job, so that --status finds the array even if that fails.
        try updated.write(to: store)
        let collectJob: String
        do {
            collectJob = try Self.sbatch(batch.submitCollect(after: arrayJob))
        } catch {
            printError("mtlab: sweep: array job \(arrayJob) was submitted, but not its collect job; run `mtlab sweep \(shellQuoted(sweep)) --collect` when it has ended\n")
            throw error
        }
        submission.collectJob = collectJob
        updated.submissions[updated.submissions.count - 1] = submission
        try updated.write(to: store)
        try writeOut("array job \(arrayJob): task\(shards.count == 1 ? "" : "s") \(array) of \(n) (task K runs shard K/\(n))\n"
            + "collect job \(collectJob): writes the tables when every task has ended\n")
        printError("mtlab: sweep: scripts and logs in \(escaped(tidy(store.slurmFolder))); `mtlab sweep \(shellQuoted(sweep)) --status` shows progress\n")
    }

    func printStatus(_ plan: SweepPlan) throws {
        let store = try SweepStore.check(plan, create: true)
        let status = try SweepStatus(plan: plan, store: store)
        let record = try store.flatMap { try SlurmRecord.read(from: $0) }
        var queue: [Int: SlurmTaskState] = [:]
        var queueNote: String?
        if let record {
            do { queue = try Self.queuedTasks(of: record) } catch { queueNote = String(describing: error) }
        }
        let n = record?.tasks
        func shard(_ offset: Int) -> Int? { n.map { SweepStatus.shard(ofRunAt: offset, of: $0) } }

        var done = 0, failed = 0, running = 0, pending = 0, missing = 0
        for (offset, entry) in status.runs.enumerated() {
            switch entry.state {
            case .done: done += 1
            case .failed: failed += 1
            case .notDone:
                switch shard(offset).flatMap({ queue[$0] }) {
                case .running?: running += 1
                case .pending?: pending += 1
                case .other?: running += 1
                case nil: missing += 1
                }
            }
        }
        let d = plan.definition
        var out = "sweep \(escaped(sweep)): \(plan.uniqueRuns.count) distinct runs for \(plan.runs.count) rows in \(escaped(tidy(d.outputPath)))\n"
        out += "done \(done), failed \(failed), running \(running), pending \(pending), missing \(missing)\n"
        if let record, let n {
            let last = record.submissions.last.map { " (last array job \($0.arrayJob), collect job \($0.collectJob ?? "none"))" } ?? ""
            out += "slurm: \(n) tasks\(last)\n"
            out += "task  runs  done  failed  left  queue\n"
            // Per task: runs, done, failed.
            var counts = [(runs: Int, done: Int, failed: Int)](repeating: (0, 0, 0), count: n + 1)
            for (offset, entry) in status.runs.enumerated() {
                let k = SweepStatus.shard(ofRunAt: offset, of: n)
                counts[k].runs += 1
                switch entry.state {
                case .done: counts[k].done += 1
                case .failed: counts[k].failed += 1
                case .notDone: break
                }
            }
            for k in 1...n where counts[k].runs > 0 {
                let c = counts[k]
                let cells = [String(k), String(c.runs), String(c.done), String(c.failed), String(c.runs - c.done - c.failed)]
                let widths = [4, 4, 4, 6, 4]
                out += zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: "  ")
                    + "  " + (queue[k]?.name ?? "-") + "\n"
            }
        }
        if let queueNote { out += "the Slurm queue could not be read (\(queueNote)); runs without a result count as missing\n" }
        let log = SweepLog(interactive: false, plan: plan)
        for entry in status.runs {
            if case let .failed(message) = entry.state {
                out += "failed: \(log.describe(entry.run)): \(escaped(message))\n"
            }
        }
        if store == nil {
            out += "nothing has run yet: mtlab sweep \(shellQuoted(sweep)) (or --slurm) runs it\n"
        } else if missing > 0 || failed > 0 {
            out += record == nil
                ? "to run what is missing or failed: mtlab sweep \(shellQuoted(sweep)) --resume (or --slurm --resume)\n"
                : "to run what is missing or failed: mtlab sweep \(shellQuoted(sweep)) --slurm --resume\n"
        }
        try writeOut(out)
    }

    /// The recorded array jobs' tasks that Slurm still lists, by task number. Throws
    /// ``SweepError`` when `squeue` cannot be run or fails.
    static func queuedTasks(of record: SlurmRecord) throws -> [Int: SlurmTaskState] {
        // Every task of the user's jobs, one line each, filtered here: asking for the job
        // ids instead fails once Slurm has forgotten a finished job.
        let result = try runTool("squeue", ["--noheader", "--array", "--me", "--format=%F %K %T"])
        guard result.status == 0 else {
            throw SweepError(place: "squeue", message: "failed: \(toolMessage(result.stderr.isEmpty ? "exit status \(result.status)" : result.stderr))")
        }
        // The current shards are the last submission's and any earlier one's still queued.
        return SlurmTaskState.parse(result.stdout, arrayJobs: Set(record.submissions.map(\.arrayJob)))
    }

    /// Runs `sbatch --parsable …` and returns the job id it printed.
    static func sbatch(_ arguments: [String]) throws -> String {
        let result = try runTool("sbatch", arguments)
        guard result.status == 0 else {
            throw SweepError(place: "sbatch", message: "failed: \(toolMessage(result.stderr.isEmpty ? "exit status \(result.status)" : result.stderr))")
        }
        // "id" or "id;cluster".
        let first = result.stdout.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let id = String(first.split(separator: ";").first ?? "")
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw SweepError(place: "sbatch", message: "printed no job id (\(toolMessage(result.stdout)))")
        }
        return id
    }

    /// Runs a Slurm client found on `PATH`, to the end.
    static func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            throw SweepError(place: name, message: "not found on PATH: submit from a machine with the Slurm client commands")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw SweepError(place: path, message: "cannot be run: \(error.localizedDescription)")
        }
        // stderr is read on another thread while this one reads stdout, so that neither
        // pipe fills and blocks the tool.
        final class Box: @unchecked Sendable { var data = Data() }
        let stderrBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderrBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let stderrData = stderrBox.data
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdoutData, as: UTF8.self), String(decoding: stderrData, as: UTF8.self))
    }

    /// This executable's absolute path, for the batch scripts.
    static func executablePath() -> String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath().path ?? "mtlab"
    }
}

/// `path` made absolute against `folder` (not tidied: with symbolic links, `a/..` need not be `.`).
private func absolute(_ path: String, in folder: String) -> String {
    path.hasPrefix("/") ? path : folder + "/" + path
}

/// A tool's message as one line with every character visible.
private func toolMessage(_ text: String) -> String {
    escaped(text.trimmingCharacters(in: .whitespacesAndNewlines))
}
