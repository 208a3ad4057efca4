import ArgumentParser
import CacheModels
import Coherence
import Foundation
import MTrace

/// `mtlab bench`: simulator throughput on the synthetic SplitMix64 reference trace.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure simulated line accesses per second on the synthetic reference trace.")

    @Option(help: "References per case.")
    var references: Int = 10_000_000

    @Option(help: "Repetitions per case; the fastest counts (the machine is shared and noisy).")
    var repeats: Int = 3

    @Option(help: "Run only these cases (a, b, c).")
    var cases: String = "abc"

    func run() throws {
        let geometry = try CacheGeometry(size: 32768, ways: 8, lineSize: 64)
        // Generate once into memory so that (a) and (b) time the simulator alone.
        var trace = [Access](repeating: Access(cpu: 0, kind: .load, address: 0), count: references)
        var source = SyntheticReferenceTrace(references: references)
        _ = try trace.withUnsafeMutableBufferPointer { try source.read(into: $0) }

        func timeSimulation(_ config: SimulatorConfiguration, _ accesses: [Access]) throws -> (Double, UInt64) {
          var best = (Double.infinity, UInt64(0))
          for _ in 0..<repeats {
            let sim = try CoherenceSimulator(config)
            let start = threadCPUNanoseconds()
            try accesses.withUnsafeBufferPointer { all in
                var i = 0
                while i < all.count {
                    let n = min(defaultBatchSize, all.count - i)
                    try sim.consume(UnsafeBufferPointer(rebasing: all[i..<i + n]))
                    i += n
                }
            }
            let seconds = Double(threadCPUNanoseconds() - start) / 1e9
            if seconds < best.0 { best = (seconds, sim.result().totals.accesses) }
            let t = sim.result().totals
            print("  misses \(t.misses) coherence \(t.coherenceMisses) transfers \(t.transfers) inval \(t.invalidations) upgrades \(t.upgrades) of \(t.accesses)")
          }
          return best
        }
        if cases.contains("a") {
        let (ta, na) = try timeSimulation(SimulatorConfiguration(cpus: 1, geometry: geometry, replacement: .lru, coherence: .none), trace)
        print(String(format: "(a) 1 CPU, 32 KiB 8-way LRU, none:  %.1f M line accesses/s", Double(na) / ta / 1e6))
        }
        if cases.contains("b") {
        let shared = trace.enumerated().map { i, a in var a = a; a.cpu = UInt16(i % 8); return a }
        let (tb, nb) = try timeSimulation(SimulatorConfiguration(cpus: 8, geometry: geometry, replacement: .lru, coherence: .mesi), shared)
        print(String(format: "(b) 8 CPUs, MESI:                    %.1f M line accesses/s", Double(nb) / tb / 1e6))
        }
    }
}

/// CPU time of the calling thread: unlike wall time, it does not count the time this
/// process waits while other processes hold the machine's cores.
func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
