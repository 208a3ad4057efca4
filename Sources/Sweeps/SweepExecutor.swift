import Foundation
import Experiments

/// What happened to one run of a sweep.
public enum SweepEvent {
    case finished(SweepRun, seconds: Double)
    case failed(SweepRun, message: String)
}

/// Counts for a progress line, as of one moment.
public struct SweepProgress: Sendable {
    /// Runs this invocation was given (finished earlier ones included).
    public var total = 0
    /// Runs finished before this invocation, skipped.
    public var skipped = 0
    /// Runs finished by this invocation.
    public var done = 0
    public var failed = 0
    public var running = 0
    /// Wall seconds since the first run started.
    public var elapsed = 0.0

    /// Runs not yet finished or failed.
    public var remaining: Int { total - skipped - done - failed }

    /// Seconds left at the rate runs have finished so far, or nil before the first.
    public var eta: Double? {
        let finished = done + failed
        return finished == 0 ? nil : elapsed / Double(finished) * Double(remaining)
    }
}

/// Runs a sweep's runs in parallel threads of this process, `jobs` at a time, each
/// writing its result to the store the moment it finishes; a failing run is recorded
/// and the others go on. Runs whose result is already stored are skipped.
///
/// Threads rather than child processes: a run shares nothing with the others (each has its
/// own simulator and buffers), and a result costs no process start or re-parse.
public final class SweepExecutor {
    public let store: SweepStore
    public let jobs: Int

    private let condition = NSCondition()
    private var queue: [SweepRun] = []
    private var next = 0
    private var running = 0
    private var workersLeft = 0
    private var events: [SweepEvent] = []

    public init(store: SweepStore, jobs: Int) {
        precondition(jobs >= 1, "jobs must be at least 1")
        self.store = store
        self.jobs = jobs
    }

    /// Runs every run of `runs` without a stored result. `report` is called on the calling
    /// thread for each event and about every `tick` seconds with no event (nil), to
    /// refresh a progress line. Returns the final counts. Throws ``SweepError`` before
    /// running anything when a stored result cannot be read.
    @discardableResult
    public func execute(_ runs: [SweepRun], tick: Double = 0.5,
                        report: (SweepEvent?, SweepProgress) -> Void) throws -> SweepProgress {
        var progress = SweepProgress()
        progress.total = runs.count
        var pending: [SweepRun] = []
        for run in runs {
            if try store.result(for: run) != nil { progress.skipped += 1 } else { pending.append(run) }
        }
        guard !pending.isEmpty else { return progress }

        let clock = ContinuousClock()
        let start = clock.now
        func seconds() -> Double {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        condition.lock()
        queue = pending
        next = 0
        running = 0
        events = []
        workersLeft = min(jobs, pending.count)
        condition.unlock()
        for _ in 0..<min(jobs, pending.count) {
            let thread = Thread { [self] in work() }
            thread.stackSize = 8 << 20
            thread.start()
        }

        condition.lock()
        while true {
            if events.isEmpty && workersLeft > 0 {
                _ = condition.wait(until: Date(timeIntervalSinceNow: tick))
            }
            let batch = events
            events.removeAll()
            let finished = workersLeft == 0
            progress.running = running
            condition.unlock()
            progress.elapsed = seconds()
            if batch.isEmpty && !finished { report(nil, progress) }
            for event in batch {
                switch event {
                case .finished: progress.done += 1
                case .failed: progress.failed += 1
                }
                report(event, progress)
            }
            condition.lock()
            if finished && events.isEmpty { break }
        }
        condition.unlock()
        progress.running = 0
        progress.elapsed = seconds()
        return progress
    }

    /// One worker: take the next run, simulate it, store the outcome, report.
    private func work() {
        while true {
            condition.lock()
            guard next < queue.count else {
                workersLeft -= 1
                condition.signal()
                condition.unlock()
                return
            }
            let run = queue[next]
            next += 1
            running += 1
            condition.unlock()

            let event = perform(run)

            condition.lock()
            running -= 1
            events.append(event)
            condition.signal()
            condition.unlock()
        }
    }

    private func perform(_ run: SweepRun) -> SweepEvent {
        guard let configuration = run.configuration else {
            let message = run.loadError ?? "the point's config did not load"
            try? store.saveFailure(run, message: message)
            return .failed(run, message: message)
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let outcome = try Runner.run(configuration)
            let d = clock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            try store.save(PointResult(run: run, outcome: outcome, seconds: seconds), outcome: outcome)
            return .finished(run, seconds: seconds)
        } catch {
            let message = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            try? store.saveFailure(run, message: message)
            return .failed(run, message: message)
        }
    }
}
