import CPUModel
import CacheModels
import Coherence
import Foundation
import MTrace
import Reports

/// The emulator benchmark: guest MIPS of a compute-bound guest
/// (`guests/bench/compute.c`, or another program of `guests/bench/`) with tracing off, with every access traced into a 4-CPU
/// MESI ``CoherenceSimulator``, and the slowdown between the two. A third case traces
/// into a sink that only counts, to show how the traced time splits between the
/// emulator and the simulator.
///
/// The machine has 4 harts (the guest computes on hart 0; the others park in `wfi`), so
/// the traced case is exactly a 4-CPU run. Rates are per second of thread CPU time, best
/// of `repeats`, so other processes on a shared machine disturb them little.
public struct EmulatorBenchmark {
    public struct Case: Sendable {
        public var name: String
        public var description: String
        /// Guest instructions retired per second of thread CPU time.
        public var mips: Double
        /// The target in MIPS, if any.
        public var target: Double?
        public var instructions: UInt64
        /// Accesses handed to the sink (0 untraced): a check that the work was real.
        public var accesses: UInt64
    }

    /// The guests folder holding `bench/`.
    public var guestsDirectory: String
    /// The program of `bench/`: `compute` (about 13 % loads and stores) or `memory` (about half).
    public var program: String
    /// Where the benchmark guest is built and cached.
    public var cache: GuestCache
    /// The guest's `ROUNDS`: its length (a round of `compute` is about half a million instructions).
    public var rounds: Int
    public var repeats: Int

    public init(guestsDirectory: String, program: String = "compute",
                cache: GuestCache = GuestCache(folder: GuestCache.defaultFolder), rounds: Int = 200, repeats: Int = 3) {
        self.guestsDirectory = guestsDirectory
        self.program = program
        self.cache = cache
        self.rounds = rounds
        self.repeats = repeats
    }

    /// Builds (or finds) the guest and measures the three cases.
    public func run() throws -> [Case] {
        let source = guestsDirectory + "/bench/\(program).c"
        let elf = try cache.elf(for: source, flags: ["-DROUNDS=\(rounds)"]).path
        let image = try ELFImage(contentsOf: elf)
        let configuration = MachineConfiguration(harts: 4)
        let geometry = try CacheGeometry(size: 32768, ways: 8, lineSize: 64)
        let simulator = SimulatorConfiguration(cpus: 4, geometry: geometry, replacement: .lru, coherence: .mesi)

        func measure(_ makeSink: () throws -> AccessSink?) throws -> (mips: Double, instructions: UInt64, accesses: UInt64) {
            var best = (mips: 0.0, instructions: UInt64(0), accesses: UInt64(0))
            for _ in 0..<repeats {
                let machine = try Machine(configuration: configuration, program: image)
                let sink = try makeSink()
                let start = threadCPUNanoseconds()
                let result = try machine.run(trace: sink)
                let seconds = Double(threadCPUNanoseconds() - start) / 1e9
                guard result.outcome == .passed else {
                    throw BenchmarkError(message: "the benchmark guest did not pass: \(result.outcome)")
                }
                let mips = Double(result.totalInstructions) / seconds / 1e6
                if mips > best.mips { best = (mips, result.totalInstructions, result.tracedAccesses) }
            }
            return best
        }

        let untraced = try measure { nil }
        let counted = try measure { CountingSink() }
        let traced = try measure { try CoherenceSimulator(simulator) }
        return [
            Case(name: "untraced", description: "tracing off", mips: untraced.mips, target: 100,
                 instructions: untraced.instructions, accesses: untraced.accesses),
            Case(name: "counted", description: "every access traced into a sink that only counts", mips: counted.mips,
                 target: nil, instructions: counted.instructions, accesses: counted.accesses),
            Case(name: "mesi", description: "every access traced into a 4-CPU MESI simulator (32 KiB 8-way)",
                 mips: traced.mips, target: 25, instructions: traced.instructions, accesses: traced.accesses),
        ]
    }

    /// The cases as an aligned table, with each one's slowdown against the untraced case.
    public static func render(_ results: [Case]) -> String {
        let untraced = results.first?.mips ?? 1
        var table = TextTable([
            .init(header: "case", rightAligned: false), .init(header: "MIPS", rightAligned: true),
            .init(header: "slowdown", rightAligned: true), .init(header: "target MIPS", rightAligned: true),
            .init(header: "instructions", rightAligned: true), .init(header: "accesses", rightAligned: true),
            .init(header: "what", rightAligned: false),
        ])
        table.rows = results.map { r in
            [r.name, String(format: "%.1f", r.mips), String(format: "%.2f×", untraced / r.mips),
             r.target.map { String(format: "%.0f", $0) } ?? "-", String(r.instructions), String(r.accesses), r.description]
        }
        return table.render(indent: "")
    }
}

/// A benchmark that could not measure what it should.
public struct BenchmarkError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Counts accesses and touches each one, as the cheapest sink that still reads the batch.
private final class CountingSink: AccessSink {
    var count: UInt64 = 0
    var checksum: UInt64 = 0
    func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        count &+= UInt64(accesses.count)
        for access in accesses { checksum &+= access.address }
    }
}
