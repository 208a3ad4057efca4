import Foundation
import Testing
import Benchmarks

/// The benchmark's bare loops are independent, minimal simulators of the same caches:
/// their miss counts must equal the engine's on the same trace, or a case measures
/// different work than it claims.
@Suite struct SimulatorBenchmarkCases {
    @Test func bareLoopsMissExactlyAsTheEngineDoes() throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("mtlab-bench-test-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cases = try SimulatorBenchmark(references: 50_000, repeats: 1, scratchFolder: scratch).run(cases: "abcpt")
        let misses = Dictionary(uniqueKeysWithValues: cases.map { ($0.name, $0.misses) })
        #expect(cases.map(\.name) == ["base", "a", "base8", "b", "c", "p", "t"])
        #expect(misses["base"]! > 0)
        #expect(misses["a"] == misses["base"])
        #expect(misses["c"] == misses["base"])
        #expect(misses["t"] == misses["base"])
        #expect(misses["b"] == misses["base8"])
        // Eight CPUs sharing every line miss far more often than one CPU alone.
        #expect(misses["b"]! > misses["a"]!)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }
}
