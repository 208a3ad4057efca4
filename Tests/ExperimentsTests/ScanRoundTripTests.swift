import CacheModels
import Coherence
import Foundation
import Testing
import Scan
@testable import Experiments
@testable import MTrace

/// Simulates every access of the trace at `path`.
private func simulate(_ path: String, cpus: Int, coherence: CoherenceProtocol) throws -> SimulationResult {
    let geometry = try CacheGeometry(sets: 16, ways: 2, lineSize: 64)
    let simulator = try CoherenceSimulator(SimulatorConfiguration(cpus: cpus, geometry: geometry, coherence: coherence))
    var source = try openTrace(path: path, format: nil, cpus: cpus)
    try pump(&source, into: simulator)
    return try simulator.result()
}

@Suite struct ScanRoundTripTests {
    @Test func textToMTraceGivesIdenticalCounters() throws {
        try withScanFolder { folder in
            // Loads, stores and atomics of 1...255 bytes by 4 CPUs over a small, shared region.
            var random = SplitMix64(seed: 2024)
            var lines: [String] = []
            for _ in 0..<20_000 {
                let r = random.next()
                let op = ["R", "W", "A", "R"][Int(r & 3)]
                let size = [1, 2, 4, 8, 16, 64, 200, 255][Int(r >> 2 & 7)]
                lines.append("\(r >> 5 & 3) \(op) 0x\(String(0x1000 + (r >> 8) % 8192, radix: 16)) \(size)")
            }
            try lines.joined(separator: "\n").write(toFile: folder + "/w.trace", atomically: true, encoding: .utf8)

            for output in ["w.mtrace", "w.mtrace.gz"] {
                let summary = try convertTrace(from: folder + "/w.trace", format: .text, to: folder + "/" + output, format: .mtrace)
                #expect(summary.accessesWritten == 20_000 && summary.cpus == 4)
                for coherence in CoherenceProtocol.allCases {
                    let text = try simulate(folder + "/w.trace", cpus: 4, coherence: coherence)
                    let log = try simulate(folder + "/" + output, cpus: 4, coherence: coherence)
                    #expect(text.cpus == log.cpus, "\(coherence)")
                    #expect(text.totals == log.totals && text.totals.atomics > 0)
                    #expect(Array(text.lines) == Array(log.lines))
                }
            }
            // And back to text: the same file.
            _ = try convertTrace(from: folder + "/w.mtrace.gz", format: .mtrace, to: folder + "/back.trace", format: .text)
            let back = try String(contentsOfFile: folder + "/back.trace", encoding: .utf8)
            #expect(back == lines.joined(separator: "\n") + "\n")
        }
    }

    /// `trace` (config → log), `convert` (log → log.gz → text) and `run` agree on every counter.
    @Test func traceConvertRunRoundTrip() throws {
        try withScanFolder { folder in
            var random = SplitMix64(seed: 77)
            var text = ""
            for _ in 0..<5000 {
                let r = random.next()
                text += "\(r % 3) \(["R", "W", "A"][Int(r >> 2 % 3)]) 0x\(String(0x8000 + (r >> 8) % 2048, radix: 16)) \([1, 4, 8, 32][Int(r >> 4 & 3)])\n"
            }
            try text.write(toFile: folder + "/w.trace", atomically: true, encoding: .utf8)
            func config(_ trace: String) throws -> RunConfiguration {
                try RunConfiguration.parse("""
                    [system]
                    cpus = 3
                    [workload]
                    trace = "\(trace)"
                    [cache]
                    sets = 8
                    ways = 2
                    [coherence]
                    protocol = "moesi"
                    """, file: folder + "/run.toml")
            }
            let (recorded, outcome) = try recordLog(try config("w.trace"), to: folder + "/w.mtrace", mode: .all)
            #expect(outcome == nil)
            #expect(recorded == LogRecordingSummary(accessesSeen: 5000, accessesRecorded: 5000, cpus: 3))
            _ = try convertTrace(from: folder + "/w.mtrace", format: .mtrace, to: folder + "/w.mtrace.gz", format: .mtrace)
            _ = try convertTrace(from: folder + "/w.mtrace.gz", format: .mtrace, to: folder + "/back.trace", format: .text)
            let reference = try Runner.run(try config("w.trace")).result
            for trace in ["w.mtrace", "w.mtrace.gz", "back.trace"] {
                let result = try Runner.run(try config(trace)).result
                #expect(result.cpus == reference.cpus, "\(trace)")
                #expect(Array(result.lines) == Array(reference.lines), "\(trace)")
            }
            #expect(reference.totals.atomics > 0 && reference.totals.coherenceMisses > 0)
        }
    }

    @Test func aConvertedLogScans() throws {
        try withScanFolder { folder in
            try "0 W 0x1000 8\n1 W 0x1008 8\n0 R 0x1000 8\n1 R 0x1008 8\n"
                .write(toFile: folder + "/f.trace", atomically: true, encoding: .utf8)
            _ = try convertTrace(from: folder + "/f.trace", format: .text, to: folder + "/f.mtrace", format: .mtrace)
            var options = ScanOptions()
            options.analyses = [.summary, .allSharing, .checkTestcases]
            let report = try scanLog(path: folder + "/f.mtrace", displayName: "f.mtrace", options: options)
            let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
            #expect(json.dict("summary").int("accesses") == 4)
            #expect(json.dict("summary").list("accesses-by-cpu").map { $0.int("moved") } == [2, 1])  // the second CPU's read finds its bit set
            #expect(json.list("shared_cachelines").count == 1)
            #expect(json.list("testcases").first?.string("name") == "f.trace")
            #expect(json.list("testcases").first?.bool("conflict-free") == true)
        }
    }

    /// A log that `trace` writes for a trace of atomics scans with as many accesses (and
    /// locked ones) as the trace has, and with the instructions its host records count.
    @Test func aRecordedTraceOfAtomicsScansAsItsAccesses() throws {
        try withScanFolder { folder in
            var text = ""
            for i in 0..<40 { text += "\(i % 4) \(i % 3 == 0 ? "A" : "R") 0x\(String(0x2000 + 8 * (i % 5), radix: 16)) 8\n" }
            try text.write(toFile: folder + "/a.trace", atomically: true, encoding: .utf8)
            let configuration = try RunConfiguration.parse("""
                [system]
                cpus = 4
                [workload]
                trace = "a.trace"
                [cache]
                sets = 8
                ways = 2
                """, file: folder + "/a.toml")
            _ = try recordLog(configuration, to: folder + "/a.mtrace", mode: .all)
            var options = ScanOptions()
            options.analyses = [.summary]
            let report = try scanLog(path: folder + "/a.mtrace", options: options)
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
                .dict("summary")
            #expect(summary.int("accesses") == 40)
            #expect(summary.list("accesses-by-cpu").reduce(0) { $0 + $1.int("locked")! } == 14)
            #expect(summary.dict("records-by-type").int("access") == 54)
            // The accesses and the disabling host record lie between the two host records.
            #expect(summary.int("total-instructions") == 41)
            #expect(summary.dict("records-by-type").int("machine") == 4)
        }
    }
}
