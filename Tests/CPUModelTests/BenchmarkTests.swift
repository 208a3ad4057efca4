import CPUModel
import Foundation
import Testing

/// Guest MIPS, untraced and traced into a counting sink. Runs only when MTLAB_BENCH is set
/// (use a release build: `MTLAB_BENCH=1 swift test -c release --filter CPUModelBenchmark`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["MTLAB_BENCH"] != nil, "set MTLAB_BENCH=1 to measure"))
struct CPUModelBenchmark {
    /// Compute-bound (about 13% memory instructions) and memory-bound (about half).
    @Test(arguments: ["compute", "memory"])
    func guestMIPS(guest: String) throws {
        let elf = try Guests.build(["bench/\(guest).c"], runtime: true, flags: ["-DROUNDS=200"], name: "bench_\(guest)")
        let image = try ELFImage(contentsOf: elf)
        for traced in [false, true, false, true] {
            let machine = try Machine(program: image)
            let sink = CountingSink()
            let start = Date()
            let result = try machine.run(trace: traced ? sink : nil)
            let seconds = Date().timeIntervalSince(start)
            let mips = Double(result.totalInstructions) / seconds / 1e6
            print(String(format: "%@ %@: %llu instructions, %llu accesses, %.3f s, %.1f MIPS", guest,
                         traced ? "traced  " : "untraced", result.totalInstructions, sink.count, seconds, mips))
            #expect(result.outcome == .passed)
        }
    }
}
