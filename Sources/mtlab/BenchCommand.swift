import ArgumentParser
import Experiments
import Foundation
import Benchmarks

/// `mtlab bench`: simulator throughput on the synthetic SplitMix64 reference trace, or
/// (`--guest`) emulator speed in guest MIPS.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure simulator throughput on the synthetic reference trace, or emulator speed (--guest).",
        discussion: """
            Rates are per second of thread CPU time, best of --repeats, each beside a baseline
            (a bare LRU tag array; for b, bare 8-CPU MESI tag arrays) measured in the same run: compare ratios across machines. \
            With --guest: guest MIPS of guests/bench/compute.c (or --program memory) untraced, traced into a counting \
            sink, and traced into a 4-CPU MESI simulator, with the slowdowns. Measure release builds.
            """)

    @Flag(help: "Measure the emulator (guest MIPS) instead of the simulator.")
    var guest = false

    @Option(help: ArgumentHelp("The guests folder, for --guest.", valueName: "dir"))
    var guests: String = "guests"

    @Option(help: ArgumentHelp("The program of guests/bench/ to run, for --guest: compute or memory.", valueName: "name"))
    var program: String = "compute"

    @Option(help: "Rounds of the guest, for --guest (a round of compute is about half a million instructions).")
    var rounds: Int = 200

    @Option(help: "References per case.")
    var references: Int = 10_000_000

    @Option(help: "Repetitions per case; the fastest counts.")
    var repeats: Int = 3

    @Option(help: "Cases to run: any of a, b, c, p (the din file of c parsed alone), t (c from a text trace), h and m (cache hierarchies).")
    var cases: String = "abc"

    @Flag(help: "Instead of the cases: a sweep of 100 small points with --jobs 1 and 2 (speed-up, cores busy).")
    var sweep = false

    @Flag(help: "Instead of the cases: scan --check-testcases on --pcs accesses from distinct pcs to the same 8 bytes.")
    var checkTestcases = false

    @Option(help: "Accesses (each from its own pc) for --check-testcases.")
    var pcs: Int = 32_000

    func validate() throws {
        guard references > 0 else { throw ValidationError("--references must be positive") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        guard !cases.isEmpty, cases.allSatisfy({ "abcpthm".contains($0) }) else {
            throw ValidationError("--cases takes letters from a, b, c, p, t, h, m")
        }
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
        guard pcs > 0 else { throw ValidationError("--pcs must be positive") }
    }

    /// Which code the numbers come from (see Package.swift).
    static var build: String {
        #if MTLAB_HOST_TUNED
        return "build: compiled for this CPU family (haswell: AVX2, BMI2; MTLAB_PORTABLE=1 builds for any x86-64)"
        #else
        return "build: portable (any CPU of its architecture)"
        #endif
    }

    func run() throws {
        try reportingErrors(execute)
    }

    private func execute() throws {
        try writeOut(Self.build + "\n")
        if guest {
            guard FileManager.default.fileExists(atPath: guests + "/bench/\(program).c") else {
                throw ValidationError("\(guests)/bench/\(program).c not found: run from the repository, or give --guests DIR")
            }
            let results = try EmulatorBenchmark(guestsDirectory: guests, program: program, rounds: rounds,
                                                repeats: repeats).run()
            try writeOut("emulator: \(guests)/bench/\(program).c, ROUNDS=\(rounds), 4 harts, best of \(repeats)\n")
            try writeOut(EmulatorBenchmark.render(results))
            return
        }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("mtlab-bench-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        if checkTestcases {
            let result = try CheckTestcasesBenchmark(pcs: pcs, repeats: repeats, scratchFolder: scratch).run()
            try writeOut("best of \(repeats)\n")
            try writeOut(CheckTestcasesBenchmark.render(result))
            return
        }
        if sweep {
            let results = try SweepBenchmark(repeats: repeats, scratchFolder: scratch).run()
            try writeOut("sweep of 100 points (read-mostly generator, 20000 operations per CPU), best of \(repeats), "
                + "\(ProcessInfo.processInfo.activeProcessorCount) cores\n")
            try writeOut(SweepBenchmark.render(results))
            return
        }
        let results = try SimulatorBenchmark(references: references, repeats: repeats, scratchFolder: scratch)
            .run(cases: cases)
        try writeOut("synthetic reference trace, \(references) references, best of \(repeats)\n")
        try writeOut(SimulatorBenchmark.render(results))
    }
}
