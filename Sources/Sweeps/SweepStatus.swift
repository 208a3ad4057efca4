import Foundation

/// Where each distinct run of a sweep stands, read from its output folder alone: finished
/// (a result file), failed (a failure file and no result) or neither. Which of the
/// unfinished ones are running is Slurm's to say (``SlurmTaskState``).
public struct SweepStatus {
    public enum State: Equatable, Sendable {
        case done
        case failed(String)
        case notDone
    }

    public let plan: SweepPlan
    /// ``SweepPlan/uniqueRuns`` with their states, in that order.
    public let runs: [(run: SweepRun, state: State)]

    /// Reads `store` (nil: no output folder yet, so nothing is done). Throws ``SweepError``
    /// for a result file that cannot be read.
    public init(plan: SweepPlan, store: SweepStore?) throws {
        self.plan = plan
        runs = try plan.uniqueRuns.map { run in
            guard let store else { return (run, .notDone) }
            if try store.result(for: run) != nil { return (run, .done) }
            if let message = store.failure(for: run) { return (run, .failed(message)) }
            return (run, .notDone)
        }
    }

    /// The shards (1-based, of `n`) that hold a run without a result: what a resubmission
    /// must run, failed runs included.
    public func unfinishedShards(of n: Int) -> [Int] {
        var shards = Set<Int>()
        for (offset, entry) in runs.enumerated() where entry.state != .done { shards.insert(offset % n + 1) }
        return shards.sorted()
    }

    /// The shard (1-based, of `n`) of the run at `offset` in ``runs``, as ``SweepPlan/shard(_:of:)`` deals them.
    public static func shard(ofRunAt offset: Int, of n: Int) -> Int { offset % n + 1 }
}

/// The state of one array task as `squeue` reports it, reduced to what a sweep's status needs.
public enum SlurmTaskState: Equatable, Sendable {
    case pending
    case running
    /// Any other state Slurm still lists (completing, suspended, requeued…), by name.
    case other(String)

    public init(squeueState: String) {
        switch squeueState {
        case "PENDING", "CONFIGURING": self = .pending
        case "RUNNING": self = .running
        default: self = .other(squeueState.lowercased())
        }
    }

    public var name: String {
        switch self {
        case .pending: return "pending"
        case .running: return "running"
        case let .other(name): return name
        }
    }

    /// Parses `squeue --noheader --array --format='%F %K %T'` lines ("array-job task state")
    /// into the states of the tasks of `arrayJobs`, by task number. A task listed twice
    /// (resubmitted while queued) keeps its running state over a pending one.
    public static func parse(_ output: String, arrayJobs: Set<String>) -> [Int: SlurmTaskState] {
        var states: [Int: SlurmTaskState] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 3, arrayJobs.contains(String(fields[0])), let task = Int(fields[1]) else { continue }
            let state = SlurmTaskState(squeueState: String(fields[2]))
            if states[task] != .running { states[task] = state }
        }
        return states
    }
}
