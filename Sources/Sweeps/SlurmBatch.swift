import Foundation
import MTrace
import Reports

/// The Slurm side of a sweep: the two batch scripts `mtlab sweep --slurm` writes (an array
/// whose task K runs shard K/N, and a collect job that writes the tables) and the `sbatch`
/// command lines that submit them. Pure: nothing here writes a file or runs a process.
///
/// Every path and name that comes from the user reaches the scripts only shell-quoted
/// (``shellQuoted(_:)``), never inside a comment or an `#SBATCH` line, so a sweep path with
/// spaces, quotes or `$(…)` cannot run commands.
public struct SlurmBatch: Equatable, Sendable {
    /// The `mtlab` the tasks run: a path, or a command name looked up on each node's `PATH`.
    public var mtlab: String
    /// The folder the tasks run in (the submitter's working directory), absolute.
    public var workingDirectory: String
    /// The sweep file as the user named it (relative to ``workingDirectory`` or absolute),
    /// so that the tables name it exactly as a local run's do.
    public var sweep: String
    /// The sweep's output folder, absolute; scripts and logs go to its `slurm/` folder.
    public var outputFolder: String
    /// Shards (array tasks) the sweep is split into: task K runs shard K/tasks.
    public var tasks: Int
    /// Runs simulated at once in each task, and the CPUs it asks for.
    public var cpusPerTask: Int
    /// At most this many tasks run at once (`--array=…%K`), or nil for no limit.
    public var arrayParallelism: Int?
    public var partition: String?
    /// A Slurm time limit (`minutes`, `HH:MM:SS`, `D-HH:MM`, …) for every job.
    public var time: String?

    public init(mtlab: String, workingDirectory: String, sweep: String, outputFolder: String, tasks: Int,
                cpusPerTask: Int, arrayParallelism: Int?, partition: String?, time: String?) {
        self.mtlab = mtlab
        self.workingDirectory = workingDirectory
        self.sweep = sweep
        self.outputFolder = outputFolder
        self.tasks = tasks
        self.cpusPerTask = cpusPerTask
        self.arrayParallelism = arrayParallelism
        self.partition = partition
        self.time = time
    }

    /// The folder of the scripts, the submission record and (under `logs/`) the job logs.
    public var slurmFolder: String { outputFolder + "/" + SweepStore.slurmFolderName }
    public var logsFolder: String { slurmFolder + "/logs" }
    public var shardsScriptPath: String { slurmFolder + "/shards.sh" }
    public var collectScriptPath: String { slurmFolder + "/collect.sh" }

    /// Checks the values that reach `#SBATCH` lines or Slurm's file name patterns; returns
    /// the first problem as a sentence naming the option, or nil.
    public static func problem(partition: String?, time: String?, outputFolder: String) -> String? {
        if let partition {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,-")
            if partition.isEmpty || !partition.allSatisfy(allowed.contains) {
                return "--partition must be a partition name (letters, digits, _ . - and , between names), got '\(partition)'"
            }
        }
        if let time {
            // minutes, M:S, H:M:S, D-H, D-H:M, D-H:M:S: digit groups, one optional '-', ':'s.
            let groups = time.split(separator: "-", omittingEmptySubsequences: false)
            let ok = !time.isEmpty && groups.count <= 2
                && groups.allSatisfy { g in
                    let parts = g.split(separator: ":", omittingEmptySubsequences: false)
                    return parts.count <= 3 && parts.allSatisfy { !$0.isEmpty && $0.count <= 9 && $0.allSatisfy { ("0"..."9").contains($0) } }
                }
            if !ok { return "--time must be a Slurm time limit such as 90, 1:30:00 or 2-12:00:00, got '\(time)'" }
        }
        // sbatch reads % in --output as a pattern and a backslash as turning patterns off.
        if outputFolder.contains("%") || outputFolder.contains("\\") {
            return "the sweep's output folder \(outputFolder) holds % or \\, which sbatch reads as log file name patterns; choose another output folder"
        }
        return nil
    }

    /// The job name of the array and of the collect job: `mtlab-` and the sweep file's
    /// name without `.toml`, reduced to characters that need no quoting anywhere.
    public var jobName: String {
        let file = sweep.split(separator: "/").last.map(String.init) ?? sweep
        let stem = file.hasSuffix(".toml") ? String(file.dropLast(5)) : file
        let safe = String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") ? $0 : "_" })
        return "mtlab-" + (safe.isEmpty ? "sweep" : safe)
    }

    private func header(_ what: String, name: String, cpus: Int) -> String {
        var lines = ["#!/bin/bash", "# \(what); written by mtlab sweep --slurm.",
                     "#SBATCH --job-name=\(name)", "#SBATCH --cpus-per-task=\(cpus)"]
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += ["set -euo pipefail", "cd -- \(shellQuoted(workingDirectory))"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The array's script: task K runs shard K/``tasks``. The array's range is given to
    /// `sbatch` (``submitShards(array:)``), so that a resubmission names only some tasks.
    public var shardsScript: String {
        header("Array task K runs shard K/\(tasks) of the sweep", name: jobName, cpus: cpusPerTask)
            + "exec \(shellQuoted(mtlab)) sweep \(shellQuoted(sweep)) --shard \"${SLURM_ARRAY_TASK_ID}/\(tasks)\" --jobs \(cpusPerTask)\n"
    }

    /// The collect job's script: the tables from every stored result.
    public var collectScript: String {
        header("Writes the sweep's tables once every array task has ended", name: jobName + "-collect", cpus: 1)
            + "exec \(shellQuoted(mtlab)) sweep \(shellQuoted(sweep)) --collect\n"
    }

    /// `sbatch` arguments (without `sbatch`) that submit the array tasks `array` (such as
    /// `1-4` or `2,5`), printing the job id alone.
    public func submitShards(array: String) -> [String] {
        ["--parsable", "--array=" + array + (arrayParallelism.map { "%\($0)" } ?? ""),
         "--output=" + logsFolder + "/shards-%A_%a.log", shardsScriptPath]
    }

    /// `sbatch` arguments that submit the collect job to start when job `after` has ended,
    /// however it ended.
    public func submitCollect(after: String) -> [String] {
        ["--parsable", "--dependency=afterany:" + after, "--output=" + logsFolder + "/collect-%j.log", collectScriptPath]
    }

    /// The submission as shell commands, for `--dry-run`: what `mtlab sweep --slurm` does.
    public func commands(array: String) -> String {
        "mkdir -p -- \(shellQuoted(logsFolder))\n"
            + "array=$(sbatch " + submitShards(array: array).map(shellQuoted).joined(separator: " ") + ")\n"
            + "sbatch " + submitCollect(after: "PLACEHOLDER").map(shellQuoted).joined(separator: " ")
                .replacingOccurrences(of: "afterany:PLACEHOLDER", with: "afterany:\"${array%%;*}\"") + "\n"
    }

    /// Task numbers as Slurm's array syntax: runs of consecutive numbers as ranges (`1-3,7`).
    public static func arraySpec(_ tasks: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let sorted = tasks.sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}

/// `text` as one shell word: bare when it holds only characters no shell treats specially,
/// otherwise in single quotes (each `'` written as `'\''`).
public func shellQuoted(_ text: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%")
    if !text.isEmpty && text.allSatisfy(plain.contains) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// What `mtlab sweep --slurm` submitted for a sweep, kept as `slurm/jobs.json` in its output
/// folder: the number of shards (which fixes what each task runs) and every submission's
/// array and collect job ids, for `--status` and `--resume`.
public struct SlurmRecord: Equatable, Sendable {
    public struct Submission: Equatable, Sendable {
        public var arrayJob: String
        /// The tasks submitted, in Slurm's array syntax.
        public var array: String
        public var collectJob: String?
        public init(arrayJob: String, array: String, collectJob: String?) {
            self.arrayJob = arrayJob
            self.array = array
            self.collectJob = collectJob
        }
    }

    public var tasks: Int
    public var submissions: [Submission]

    public init(tasks: Int, submissions: [Submission]) {
        self.tasks = tasks
        self.submissions = submissions
    }

    public static let fileName = "jobs.json"

    public func rendered() -> String {
        JSONValue.object([
            ("mtlab_sweep_slurm", .integer(1)),
            ("tasks", .integer(tasks)),
            ("submissions", .array(submissions.map { s in
                .object([("array_job", .string(s.arrayJob)), ("array", .string(s.array)),
                         ("collect_job", s.collectJob.map { .string($0) } ?? .null)])
            })),
        ]).rendered()
    }

    /// The record in `store`, nil when the sweep was never submitted; throws ``SweepError``
    /// for a file that is not one.
    public static func read(from store: SweepStore) throws -> SlurmRecord? {
        let path = store.slurmFolder + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        func bad(_ why: String) -> SweepError {
            SweepError(place: path, message: "is not mtlab's record of Slurm jobs (\(why)); move it away")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("cannot be read") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw bad("not JSON") }
        guard (object["mtlab_sweep_slurm"] as? NSNumber)?.intValue == 1 else { throw bad("written by another version of mtlab") }
        guard let tasks = (object["tasks"] as? NSNumber)?.intValue, tasks >= 1,
              let list = object["submissions"] as? [[String: Any]] else { throw bad("fields missing") }
        var submissions: [Submission] = []
        for entry in list {
            guard let job = entry["array_job"] as? String, let array = entry["array"] as? String else { throw bad("a submission without its job") }
            submissions.append(Submission(arrayJob: job, array: array, collectJob: entry["collect_job"] as? String))
        }
        return SlurmRecord(tasks: tasks, submissions: submissions)
    }

    /// Writes the record into `store` (temporary file, then rename).
    public func write(to store: SweepStore) throws {
        var files = OutputFiles()
        files.add(folder: store.slurmFolder, files: [(Self.fileName, rendered())])
        do { try files.commit() } catch let e as OutputError { throw SweepError(place: e.path, message: e.message) }
    }
}
