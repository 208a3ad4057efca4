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

    /// Each row's ratio is its rate over the baseline the row names: `base8` for (b), the
    /// 8-CPU MESI loop of the same accesses, `base` for the rest.
    @Test func ratiosAreAgainstTheNamedBaseline() {
        func row(_ name: String, _ rate: Double) -> SimulatorBenchmark.Case {
            .init(name: name, description: "case \(name)", rate: rate, target: nil, misses: 1)
        }
        let results = [row("base", 100e6), row("a", 40e6), row("base8", 20e6), row("b", 12e6), row("c", 30e6)]
        let lines = SimulatorBenchmark.render(results).split(separator: "\n").map {
            $0.split(separator: " ").map(String.init)
        }
        #expect(lines[0] == ["case", "M/s", "×", "baseline", "baseline", "target", "M/s", "misses", "what"])
        #expect(lines.dropFirst().map { Array($0.prefix(4)) } == [
            ["base", "100.0", "1.00", "base"], ["a", "40.0", "0.40", "base"], ["base8", "20.0", "0.20", "base"],
            ["b", "12.0", "0.60", "base8"], ["c", "30.0", "0.30", "base"],
        ])
        // Without base8 in the run, (b) falls back to base.
        let alone = SimulatorBenchmark.render([row("base", 100e6), row("b", 12e6)])
        #expect(alone.split(separator: "\n").last?.split(separator: " ").prefix(4).map(String.init) == ["b", "12.0", "0.12", "base"])
    }
}
