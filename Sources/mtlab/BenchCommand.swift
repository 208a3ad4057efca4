import ArgumentParser
import Experiments
import Foundation

/// `mtlab bench`: simulator throughput on the synthetic SplitMix64 reference trace.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure simulator throughput on the synthetic reference trace.",
        discussion: """
            Rates are per second of thread CPU time, best of --repeats, each beside a baseline
            (a bare LRU tag array) measured in the same run: compare ratios across machines.
            """)

    @Option(help: "References per case.")
    var references: Int = 10_000_000

    @Option(help: "Repetitions per case; the fastest counts.")
    var repeats: Int = 3

    @Option(help: "Cases to run: any of a, b, c.")
    var cases: String = "abc"

    @Flag(help: "Instead of the cases: a sweep of 100 small points with --jobs 1 and 2 (speed-up, cores busy).")
    var sweep = false

    func validate() throws {
        guard references > 0 else { throw ValidationError("--references must be positive") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        guard !cases.isEmpty, cases.allSatisfy({ "abc".contains($0) }) else {
            throw ValidationError("--cases takes letters from a, b, c")
        }
    }

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("mtlab-bench-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        if sweep {
            let results = try SweepBenchmark(repeats: repeats, scratchFolder: scratch).run()
            print("sweep of 100 points (read-mostly generator, 20000 operations per CPU), best of \(repeats), "
                + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
            print(SweepBenchmark.render(results), terminator: "")
            return
        }
        let results = try SimulatorBenchmark(references: references, repeats: repeats, scratchFolder: scratch)
            .run(cases: cases)
        print("synthetic reference trace, \(references) references, best of \(repeats)")
        print(SimulatorBenchmark.render(results), terminator: "")
    }
}
