import Foundation
import Testing

private let goodConfig = """
    [system]
    cpus = 2
    [workload]
    trace = "traces/t.trace"
    [cache]
    sets = 16
    ways = 2
    """

/// Two CPUs write the two halves of line 0x1000 (false sharing) and read a private line.
private let goodTrace = """
    # cpu op address size
    0 W 0x1000 8
    1 W 0x1008 8
    0 W 0x1000 8
    1 W 0x1008 8

    0 R 8192
    """

/// A gzip member holding `data` in one stored (uncompressed) deflate block: a valid `.gz`
/// built without zlib, so a test can also cut it short.
private func gzip(_ data: Data) -> Data {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    crc ^= 0xFFFF_FFFF
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
    precondition(data.count < 65536)
    var out = Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
    out.append(contentsOf: [0x01] + le16(data.count) + le16(~data.count & 0xFFFF))
    out.append(data)
    out.append(contentsOf: le32(crc) + le32(UInt32(data.count)))
    return out
}

@Suite(.serialized) struct RunCommandEndToEnd {
    @Test func goodRunPrintsTheTextReport() throws {
        let lab = try Lab()
        try lab.write("run.toml", goodConfig)
        try lab.write("traces/t.trace", goodTrace)
        let r = try lab.run(["run", "run.toml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Counters per CPU"))
        #expect(r.stdout.contains("2 KiB, 16 sets × 2 ways × 64 B"))
        #expect(r.stdout.contains("traces/t.trace (text)"))
        #expect(r.stdout.contains("cpu0 W 0-7  cpu1 W 8-15"))
        #expect(r.stdout.contains("Statistics over 2 touched lines"))
        #expect(!r.stderr.contains("error"))
        #expect(lab.entries() == ["run.toml", "traces", "traces/t.trace"])
    }

    @Test func jsonAndCSVAreWrittenAndReproducible() throws {
        let lab = try Lab()
        try lab.write("configs/run.toml", goodConfig.replacingOccurrences(of: "traces/t.trace", with: "../traces/t.trace"))
        try lab.write("traces/t.trace", goodTrace)
        try lab.write("out/.keep", "")
        let first = try lab.run(["run", "configs/run.toml", "--json", "out/a.json", "--csv", "out/csv-a", "--check",
                                 "--set", "coherence.protocol=moesi"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try lab.run(["run", "configs/run.toml", "--json", "out/b.json", "--csv", "out/csv-b", "--check",
                                  "--set", "coherence.protocol=moesi"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try lab.read("out/a.json") == lab.read("out/b.json"))
        for name in ["cpus.csv", "lines.csv", "line_offsets.csv", "statistics.csv"] {
            #expect(try lab.read("out/csv-a/\(name)") == lab.read("out/csv-b/\(name)"), "\(name)")
        }
        #expect(lab.entries().filter { $0.hasPrefix("out/csv-a") }
            == ["out/csv-a", "out/csv-a/cpus.csv", "out/csv-a/line_offsets.csv", "out/csv-a/lines.csv", "out/csv-a/statistics.csv"])

        let json = try #require(try JSONSerialization.jsonObject(with: lab.read("out/a.json")) as? [String: Any])
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["accesses"] as? Int == 5)
        #expect(totals.count == 17)
        let config = try #require(json["config"] as? [String: [String: Any]])
        #expect(config["coherence"]?["protocol"] as? String == "moesi")
        #expect(config["workload"]?["trace"] as? String == "../traces/t.trace")
        let lines = try #require(json["lines"] as? [[String: Any]])
        #expect(lines.first?["address"] as? String == "0x1000")
        #expect(lines.first?["sharing"] as? String == "falsely-shared")
        let cpus = String(decoding: try lab.read("out/csv-a/cpus.csv"), as: UTF8.self).split(separator: "\n")
        #expect(cpus.first?.hasPrefix("cpu,accesses,reads,writes,atomics,hits,misses") == true)
        #expect(cpus.last?.hasPrefix("total,5,") == true)

        // Rewriting into a folder that holds only mtlab's files is allowed.
        let again = try lab.run(["run", "configs/run.toml", "--csv", "out/csv-a", "--set", "coherence.protocol=moesi"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test func jsonToStdout() throws {
        let lab = try Lab()
        try lab.write("run.toml", goodConfig)
        try lab.write("traces/t.trace", goodTrace)
        let r = try lab.run(["run", "run.toml", "--json", "-", "--top", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["lines"] as? [Any])?.count == 1)
        #expect(json["statistics"] != nil)
    }

    @Test func gzipTraceRuns() throws {
        let lab = try Lab()
        try lab.write("run.toml", goodConfig.replacingOccurrences(of: "traces/t.trace", with: "t.trace.gz"))
        try lab.write("t.trace.gz", gzip(Data(goodTrace.utf8)))
        let r = try lab.run(["run", "run.toml", "--json", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["totals"] as? [String: Any])?["accesses"] as? Int == 5)
    }

    /// One bad input: the files to write and what the single error line must say.
    struct BadInput: CustomTestStringConvertible, Sendable {
        var name: String
        var config = goodConfig
        var trace = goodTrace
        var arguments: [String] = []
        var gzipTruncated = false
        var expected: [String]
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "unparseable trace line", trace: "0 R 0x10\n0 X 0x20\n", expected: ["traces/t.trace:2:", "operation", "\"X\""]),
        BadInput(name: "cpu ≥ system.cpus", trace: "0 R 0x10\n1 R 0x10\n2 R 0x20\n", expected: ["traces/t.trace:3:", "cpu 2 is out of range"]),
        BadInput(name: "size 0", trace: "0 R 0x10 0\n", expected: ["traces/t.trace:1:", "size", "found 0"]),
        BadInput(name: "size above 4096", trace: "0 R 0x10 4\n0 R 0x10 4097\n", expected: ["traces/t.trace:2:", "size", "found 4097"]),
        BadInput(name: "missing trace file", config: goodConfig.replacingOccurrences(of: "traces/t.trace", with: "traces/missing.trace"),
                 expected: ["traces/missing.trace", "cannot open"]),
        BadInput(name: "truncated gz", config: goodConfig.replacingOccurrences(of: "traces/t.trace", with: "traces/t.trace.gz"),
                 gzipTruncated: true, expected: ["traces/t.trace.gz", "truncated"]),
        BadInput(name: "unknown config key", config: goodConfig + "\nwayz = 4\n", expected: ["run.toml:", "cache.wayz", "valid keys"]),
        BadInput(name: "non-power-of-two sets", config: goodConfig.replacingOccurrences(of: "sets = 16", with: "sets = 48"),
                 expected: ["run.toml:", "cache.sets", "power of two", "48"]),
        BadInput(name: "TOML syntax error", config: "[system\ncpus = 2\n", expected: ["run.toml:1:"]),
        // These four made the previous TOML library abort the process.
        BadInput(name: "TOML '[' alone", config: "[\n", expected: ["run.toml:1:2: expected a table name after '['"]),
        BadInput(name: "TOML '[.]'", config: "[.]\n", expected: ["run.toml:1:2: expected a table name after '[', found '.'"]),
        BadInput(name: "TOML '[{}]'", config: "[{}]\n", expected: ["run.toml:1:2: expected a table name after '[', found '{'"]),
        BadInput(name: "TOML '[[' alone", config: "[[\n", expected: ["run.toml:1:3: expected a table name after '[['"]),
        BadInput(name: "unknown override", arguments: ["--set", "cache.wayz=4"], expected: ["--set cache.wayz=4", "cache.wayz"]),
        BadInput(name: "bad override value", arguments: ["--set", "system.cpus=65"], expected: ["system.cpus", "1…64", "65"]),
        BadInput(name: "two workloads", arguments: ["--set", "workload.generator=stream"], expected: ["workload.trace and workload.generator are both given"]),
        BadInput(name: "missing config", arguments: ["--set", "cache.ways=4"], expected: []),
    ]

    @Test(arguments: badInputs) func badInputFailsCleanly(_ bad: BadInput) throws {
        let lab = try Lab()
        try lab.write("run.toml", bad.config)
        if bad.gzipTruncated {
            // Enough lines that the cut falls well inside the compressed data.
            let text = String(repeating: "0 R 0x1000 4\n1 W 0x2000 8\n", count: 200)
            let whole = gzip(Data(text.utf8))
            try lab.write("traces/t.trace.gz", whole.prefix(whole.count * 2 / 3))
        } else {
            try lab.write("traces/t.trace", bad.trace)
        }
        try lab.write("old.json", "old\n")
        let before = lab.entries()
        let config = bad.name == "missing config" ? "nowhere.toml" : "run.toml"
        let r = try lab.run(["run", config, "--json", "old.json", "--csv", "csv"] + bad.arguments)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("mtlab: error: "), "\(r.stderr)")
        for text in (bad.name == "missing config" ? ["nowhere.toml", "no such file"] : bad.expected) {
            #expect(r.stderr.contains(text), "\(r.stderr) should contain \(text)")
        }
        // Nothing written, nothing replaced, no temporaries.
        #expect(lab.entries() == before)
        #expect(try lab.read("old.json") == Data("old\n".utf8))
    }

    @Test func commandLineMistakesAreOneLineToo() throws {
        let lab = try Lab()
        for arguments in [["run", "--bogus", "x.toml"], ["run"], ["bench", "--references", "0"]] {
            let r = try lab.run(arguments)
            #expect(r.status == 64, "\(arguments)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("mtlab: error: "), "\(r.stderr)")
        }
        let help = try lab.run(["help", "run"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: mtlab run"))
    }

    @Test func refusesACSVFolderWithOtherFiles() throws {
        let lab = try Lab()
        try lab.write("run.toml", goodConfig)
        try lab.write("traces/t.trace", goodTrace)
        try lab.write("results/notes.txt", "mine\n")
        let r = try lab.run(["run", "run.toml", "--csv", "results"])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("mtlab: error: results: refusing"), "\(r.stderr)")
        #expect(r.stderr.contains("notes.txt"))
        #expect(lab.entries() == ["results", "results/notes.txt", "run.toml", "traces", "traces/t.trace"])
    }

    @Test func refusesAJSONFileInAMissingFolder() throws {
        let lab = try Lab()
        try lab.write("run.toml", goodConfig)
        try lab.write("traces/t.trace", goodTrace)
        let r = try lab.run(["run", "run.toml", "--json", "nope/r.json"])
        #expect(r.status != 0)
        #expect(r.stderr == "mtlab: error: nope/r.json: cannot be written: folder nope does not exist\n")
    }
}
