import Foundation
import Reports
import Sweeps

/// The sweep benchmark: one sweep of 100 small points run with 1 job and with 2,
/// reporting wall time, CPU time, how many cores were busy on average, and the speed-up.
///
/// The points are a generator workload (no files to read) over CPU counts, protocols and
/// associativities, so their costs differ as a real sweep's do. Each measurement writes a
/// fresh output folder under `scratchFolder`, so no run is skipped.
public struct SweepBenchmark {
    public struct Measurement: Sendable {
        public var jobs: Int
        public var runs: Int
        public var wallSeconds: Double
        /// User + system CPU time of the whole process during the sweep.
        public var cpuSeconds: Double
        /// CPU time over wall time: the cores kept busy on average.
        public var coresBusy: Double { wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 }
    }

    /// Operations per CPU of every point.
    public var operations: Int
    public var repeats: Int
    public var scratchFolder: URL

    public init(operations: Int = 20_000, repeats: Int = 3, scratchFolder: URL) {
        self.operations = operations
        self.repeats = repeats
        self.scratchFolder = scratchFolder
    }

    /// 5 CPU counts × 4 protocols × 5 associativities = 100 points, one seed.
    static let grid = """
        [grid]
        "system.cpus" = [1, 2, 4, 8, 16]
        "coherence.protocol" = ["none", "msi", "mesi", "moesi"]
        "cache.ways" = [1, 2, 4, 8, 16]
        """

    /// Measures each of `jobs` (best wall time of ``repeats``, alternating so that drift in
    /// the machine's load hits every setting alike).
    public func run(jobs: [Int] = [1, 2]) throws -> [Measurement] {
        let fm = FileManager.default
        try fm.createDirectory(at: scratchFolder, withIntermediateDirectories: true)
        let base = scratchFolder.appendingPathComponent("base.toml").path
        try """
            [workload]
            generator = "read-mostly"
            operations = \(operations)
            working_set = 65536
            write_fraction = 0.05
            [cache]
            sets = 64
            """.write(toFile: base, atomically: true, encoding: .utf8)
        var best: [Int: Measurement] = [:]
        for repeat_ in 0..<repeats {
            for j in jobs {
                let name = "sweep-\(j)-\(repeat_)"
                let file = scratchFolder.appendingPathComponent(name + ".toml").path
                try "base = \"base.toml\"\noutput = \"\(name)\"\n\(Self.grid)\n".write(toFile: file, atomically: true, encoding: .utf8)
                let plan = try SweepPlan(SweepDefinition.load(path: file))
                let store = try SweepStore.open(plan, create: true)
                let cpu0 = processCPUSeconds()
                let start = ContinuousClock.now
                let progress = try SweepExecutor(store: store, jobs: j).execute(plan.uniqueRuns) { _, _ in }
                let d = ContinuousClock.now - start
                let wall = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                let m = Measurement(jobs: j, runs: progress.done, wallSeconds: wall, cpuSeconds: processCPUSeconds() - cpu0)
                guard progress.failed == 0 else {
                    throw SweepError(place: file, message: "\(progress.failed) benchmark runs failed")
                }
                if best[j].map({ m.wallSeconds < $0.wallSeconds }) ?? true { best[j] = m }
                try? fm.removeItem(atPath: scratchFolder.appendingPathComponent(name).path)
            }
        }
        return jobs.map { best[$0]! }
    }

    /// An aligned table; speed-up is relative to the first measurement.
    public static func render(_ measurements: [Measurement]) -> String {
        let reference = measurements.first?.wallSeconds ?? 1
        var table = TextTable([
            .init(header: "jobs", rightAligned: true), .init(header: "runs", rightAligned: true),
            .init(header: "wall s", rightAligned: true), .init(header: "CPU s", rightAligned: true),
            .init(header: "cores busy", rightAligned: true), .init(header: "runs/s", rightAligned: true),
            .init(header: "speed-up", rightAligned: true),
        ])
        table.rows = measurements.map { m in
            [String(m.jobs), String(m.runs), String(format: "%.2f", m.wallSeconds), String(format: "%.2f", m.cpuSeconds),
             String(format: "%.2f", m.coresBusy), String(format: "%.1f", Double(m.runs) / m.wallSeconds),
             String(format: "%.2f", reference / m.wallSeconds)]
        }
        return table.render(indent: "")
    }
}

#if os(Linux)
// Glibc imports RUSAGE_SELF as an enum case where getrusage wants its raw value.
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// User plus system CPU time of the whole process (every thread), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF_WHO, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
