import Foundation
import Testing
import MTrace
import Coherence
@testable import Experiments

@Suite struct Running {
    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "mtlab-runner-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func runsATraceFromTheConfigFolder() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[system]\ncpus = 2\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 4\nways = 1\n"
            .write(toFile: dir + "/run.toml", atomically: false, encoding: .utf8)
        // 0x0 and 0x100 conflict in a direct-mapped 4-set cache; cpu 1 then reads cpu 0's line.
        try "0 W 0x0 4\n0 R 0x100\n0 R 0x0\n1 R 0x0 2\n".write(toFile: dir + "/t.trace", atomically: false, encoding: .utf8)
        let outcome = try Runner.run(try RunConfiguration.load(path: dir + "/run.toml"), checkInvariants: true)
        #expect(outcome.workloadAccesses == 4)
        let t = outcome.result.totals
        #expect(t.accesses == 4 && t.misses == 4 && t.coldMisses == 3 && t.replacementMisses == 1)
        #expect(t.transfers == 1)
        #expect(outcome.statistics.lines == 2)
        #expect(outcome.statistics.movement.total == 1)
    }

    @Test func traceErrorsKeepTheirPlace() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "0 R 0x0\n3 R 0x40\n".write(toFile: dir + "/t.trace", atomically: false, encoding: .utf8)
        let config = try RunConfiguration.parse("[system]\ncpus = 2\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 4\n",
                                                file: dir + "/run.toml")
        do {
            _ = try Runner.run(config)
            Issue.record("a cpu out of range was accepted")
        } catch let e as TraceError {
            #expect(e.file == dir + "/t.trace")
            #expect(e.line == 2)
        }
    }
}
