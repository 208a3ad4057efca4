import Foundation
import Testing

/// `mtlab scan` on logs that `mtlab trace` writes: the exit status of a partial report and
/// the mscan-shaped JSON file.
@Suite struct ScanCLITests {
    /// Records a two-CPU false-sharing trace as `t.mtrace` and a copy cut inside its last
    /// record as `cut.mtrace`.
    private func lab() throws -> Lab {
        let lab = try Lab()
        try lab.write("t.trace", "0 W 0x1000 8\n1 W 0x1008 8\n0 A 0x1000 8\n1 R 0x1008 8\n0 R 0x2000 8\n")
        try lab.write("t.toml", "[system]\ncpus = 2\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 16\nways = 2\n")
        let traced = try lab.run(["trace", "t.toml", "-o", "t.mtrace"])
        #expect(traced.status == 0, "\(traced.stderr)")
        let bytes = try lab.read("t.mtrace")
        try lab.write("cut.mtrace", bytes.prefix(bytes.count - 30))
        return lab
    }

    @Test func aPartialReportIsWrittenWholeAndExitsWithStatus2() throws {
        let lab = try lab()
        let whole = try lab.run(["scan", "--summary", "t.mtrace"])
        #expect(whole.status == 0, "\(whole.stderr)")

        let refused = try lab.run(["scan", "--summary", "cut.mtrace"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("mtlab: error: cut.mtrace: byte "), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)

        let partial = try lab.run(["scan", "--summary", "--partial", "cut.mtrace"])
        #expect(partial.status == 2, "\(partial.stderr)")
        #expect(partial.stdout.hasPrefix("PARTIAL REPORT"))
        #expect(partial.stdout.contains("accesses by cpu:"), "the report is written in full")
        #expect(partial.stderr.hasPrefix("mtlab: error: ") && partial.stderr.hasSuffix("(the report covers the log before this fault)\n"), "\(partial.stderr)")

        let json = try lab.run(["scan", "--summary", "--partial", "--json", "-", "cut.mtrace"])
        #expect(json.status == 2)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(parsed?["partial"] != nil && parsed?["summary"] != nil)
    }

    @Test func mscanJSONWritesFalseSharingPerPC() throws {
        let lab = try lab()
        // Two labeled objects on one line, written by two CPUs at pcs 0x10 and 0x20.
        func record(_ type: UInt32, _ size: Int, cpu: UInt16 = 0, _ fields: [(Int, UInt64, Int)], name: String = "") -> [UInt8] {
            var b = [UInt8](repeating: 0, count: size)
            for (offset, value, width) in [(0, UInt64(type), 4), (4, UInt64(size), 2), (6, UInt64(cpu), 2)] + fields {
                for i in 0..<width { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            }
            for (i, c) in name.utf8.enumerated() { b[36 + i] = c }
            return b
        }
        let log = record(10, 51, [(24, 2, 2), (42, 1, 8)])
            + record(1, 124, [(32, 1, 4), (100, 0x1000, 8), (108, 8, 8), (116, 0x400100, 8)], name: "a")
            + record(1, 124, [(32, 1, 4), (100, 0x1008, 8), (108, 8, 8), (116, 0x400200, 8)], name: "b")
            + record(2, 54, cpu: 0, [(24, 2, 4), (29, 0x10, 8), (45, 0x1000, 8), (53, 8, 1)])
            + record(2, 54, cpu: 1, [(24, 2, 4), (29, 0x20, 8), (45, 0x1008, 8), (53, 8, 1)])
        try lab.write("fs.mtrace", Data(log))
        let result = try lab.run(["scan", "--false-sharing", "--mscan-json", "m.json", "fs.mtrace"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "the report goes to the file")
        let parsed = try JSONSerialization.jsonObject(with: lab.read("m.json")) as? [String: Any]
        let sites = parsed?["false-sharing"] as? [[String: Any]] ?? []
        #expect(sites.map { $0["pc"] as? String } == ["0x10", "0x20"], "\(String(describing: parsed))")
        let names = sites.map { ($0["instances"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "?" } }
        #expect(names == [["a", "b"], ["a", "b"]])

        let both = try lab.run(["scan", "--json", "-", "--mscan-json", "-", "fs.mtrace"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("--json and --mscan-json cannot both write to standard output"), "\(both.stderr)")
    }
}
