import Foundation
import Testing
import Benchmarks

@Suite struct CheckTestcasesBenchmarkTests {
    @Test func benchmarkCaseScansTheLogItWrites() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mtlab-ct-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try CheckTestcasesBenchmark(pcs: 1600, repeats: 1, scratchFolder: scratch).run()
        // As in ScanTests' CheckTestcasesScalingTests: 84 rows of 100 × 100 pcs' pairs.
        #expect(result.rows == 84 && result.pairs == 84 * 100 * 100)
        #expect(result.seconds > 0 && result.seconds < 30)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        #expect(CheckTestcasesBenchmark.render(result).contains("84 conflict rows standing for 840000 access pairs"))
    }
}
