import Foundation
import Testing
import MTrace
import CacheModels
import Coherence
import Reports
@testable import Experiments

/// Two CPUs write neighbouring halves of line 0x1000 three times each (false sharing),
/// both read line 0x2040 after cpu 0 wrote it (true sharing), and cpu 0 reads a private line.
private func outcome() throws -> CompletedRun {
    var accesses: [Access] = []
    for _ in 0..<3 {
        accesses.append(Access(cpu: 0, kind: .store, address: 0x1000, size: 8))
        accesses.append(Access(cpu: 1, kind: .store, address: 0x1008, size: 8))
    }
    accesses.append(Access(cpu: 0, kind: .store, address: 0x2040, size: 4))
    accesses.append(Access(cpu: 1, kind: .load, address: 0x2040, size: 4))
    accesses.append(Access(cpu: 0, kind: .load, address: 0x3000, size: 1))
    let configuration = RunConfiguration(
        cpus: 2, workload: .trace(TraceWorkload(path: "t.trace", resolvedPath: "cfg/t.trace", format: .text)),
        geometry: try CacheGeometry(sets: 16, ways: 2, lineSize: 64), file: "cfg/run.toml")
    let simulator = try CoherenceSimulator(configuration.simulatorConfiguration())
    var source = ArrayTraceSource(accesses)
    let count = try pump(&source, into: simulator)
    return CompletedRun(configuration: configuration, result: try simulator.result(), workloadAccesses: count)
}

@Suite struct Reports {
    @Test func textReportHasEveryPart() throws {
        let o = try outcome()
        let text = TextReport.render(o, top: 10)
        #expect(text.contains("cpus         2"))
        #expect(text.contains("2 KiB, 16 sets × 2 ways × 64 B"))
        #expect(text.contains("cfg/t.trace (text)"))
        #expect(text.contains("protocol     mesi"))
        for field in CoherenceCounters.fields { #expect(text.contains(field.name)) }
        let lines = text.split(separator: "\n")
        // Two counter tables with a total row each, and the statistics table.
        #expect(lines.filter { $0.hasPrefix("  total ") }.count == 3)
        #expect(lines.filter { $0.hasPrefix("  0 ") }.count >= 2)
        #expect(lines.allSatisfy { !$0.contains("accesses") || $0.count <= 120 || $0.contains("offsets") })
        let hot = try #require(lines.first { $0.contains("0x1000") })
        #expect(hot.contains("falsely-shared"))
        #expect(hot.contains("cpu0 W 0-7  cpu1 W 8-15"))
        #expect(text.contains("Top 3 of 3 lines by movement"))
        #expect(lines.contains { $0.contains("0x2040") && $0.contains("truly-shared") && $0.contains("cpu0 W 0-3  cpu1 R 0-3") })
        #expect(text.contains("Statistics over 3 touched lines"))
        #expect(text.contains("Histogram of movement per line"))
        #expect(text.contains("Histogram of false_sharing_misses per line"))
        #expect(TextReport.render(o, top: 1).contains("Top 1 of 3 lines"))
    }

    @Test func jsonReportParsesAndHasEveryCounter() throws {
        let o = try outcome()
        let text = JSONReport.render(o, top: 2)
        #expect(text == JSONReport.render(o, top: 2))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["config", "totals", "cpus", "transfer_matrix", "lines", "statistics"])
        let totals = try #require(object["totals"] as? [String: Any])
        for field in CoherenceCounters.fields {
            #expect((totals[field.name] as? NSNumber)?.uint64Value == o.result.totals[keyPath: field.value], "\(field.name)")
        }
        let cpus = try #require(object["cpus"] as? [[String: Any]])
        #expect(cpus.count == 2)
        for (i, cpu) in cpus.enumerated() {
            #expect((cpu["cpu"] as? Int) == i)
            for field in CoherenceCounters.fields {
                #expect((cpu[field.name] as? NSNumber)?.uint64Value == o.result.cpus[i][keyPath: field.value])
            }
        }
        let config = try #require(object["config"] as? [String: [String: Any]])
        #expect(config["system"]?["cpus"] as? Int == 2)
        #expect(config["cache"]?["ways"] as? Int == 2)
        #expect(config["cache"]?["size"] as? Int == 2048)
        #expect(config["workload"]?["trace"] as? String == "t.trace")
        #expect(config["coherence"]?["protocol"] as? String == "mesi")
        let lines = try #require(object["lines"] as? [[String: Any]])
        #expect(lines.count == 2)
        let first = lines[0]
        #expect(first["address"] as? String == "0x1000")
        #expect(first["readers"] as? [Int] == [])
        #expect(first["writers"] as? [Int] == [0, 1])
        #expect(first["sharing"] as? String == "falsely-shared")
        #expect(first["falsely_shared"] as? Bool == true)
        for field in LineSummary.counterFields { #expect(first[field.name] != nil, "\(field.name)") }
        let offsets = try #require(first["offsets"] as? [[String: Any]])
        #expect(offsets.count == 16)
        #expect(offsets[0]["offset"] as? Int == 0 && offsets[0]["writers"] as? [Int] == [0])
        #expect(offsets[15]["offset"] as? Int == 15 && offsets[15]["writers"] as? [Int] == [1])
        let statistics = try #require(object["statistics"] as? [String: Any])
        #expect(statistics["lines"] as? Int == 3)
        let movement = try #require(statistics["movement"] as? [String: Any])
        for key in ["count", "total", "mean", "variance", "p50", "p90", "p99", "max", "top_1pct_lines", "top_1pct_share", "histogram"] {
            #expect(movement[key] != nil, "\(key)")
        }
        #expect(statistics["false_sharing_misses"] != nil)
    }

    @Test func csvFilesHaveTidyHeaders() throws {
        let o = try outcome()
        let files = Dictionary(uniqueKeysWithValues: CSVReport.render(o).map { ($0.name, $0.contents) })
        // guest.csv is for emulated workloads only.
        // guest.csv is for emulated workloads only, levels.csv and timing.csv for hierarchies.
        #expect(Array(files.keys).sorted() == CSVReport.fileNames.filter { !["guest.csv", "levels.csv", "timing.csv"].contains($0) }.sorted())
        let cpus = files["cpus.csv"]!.split(separator: "\n")
        #expect(cpus[0] == "cpu," + CoherenceCounters.fields.map(\.name).joined(separator: ","))
        #expect(cpus.count == 4)
        #expect(cpus[3].hasPrefix("total,"))
        let lines = files["lines.csv"]!.split(separator: "\n")
        #expect(lines[0] == "address,readers,writers,accesses,misses,transfers,invalidations,hitm,true_sharing_misses,false_sharing_misses,movement,sharing,falsely_shared")
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("0x1000,,0;1,"))
        #expect(lines[1].hasSuffix(",falsely-shared,true"))
        #expect(lines[2].hasPrefix("0x2040,1,0,"))
        let offsets = files["line_offsets.csv"]!.split(separator: "\n")
        #expect(offsets[0] == "line,offset,readers,writers")
        #expect(offsets[1] == "0x1000,0,,0")
        #expect(offsets.count == 1 + 16 + 4 + 1)
        let statistics = files["statistics.csv"]!.split(separator: "\n")
        #expect(statistics[0] == "quantity,statistic,lower,upper,value")
        #expect(statistics.contains("lines,count,,,3"))
        #expect(statistics.contains { $0.hasPrefix("movement,histogram,0,1,") })
        #expect(statistics.contains { $0.hasPrefix("false_sharing_misses,mean,,,") })
    }

    @Test func offsetRanges() {
        #expect(ranges([0, 1, 2, 3, 8, 10, 11]) == "0-3,8,10-11")
        #expect(ranges([]) == "")
        let uses = [
            ByteOffsetUse(offset: 0, readers: CPUSet([2]), writers: CPUSet([0])),
            ByteOffsetUse(offset: 1, readers: CPUSet([0, 2]), writers: CPUSet([0])),
            ByteOffsetUse(offset: 2, readers: CPUSet([0]), writers: CPUSet()),
        ]
        #expect(offsetSummary(uses) == "cpu0 W 0-1 R 2  cpu2 R 0-1")
    }

    @Test func jsonWriterIsDeterministicAndEscapes() {
        let value = JSONValue.object([
            ("b", .string("quote \" back \\ newline \n tab \t bell \u{7}")),
            ("a", .array([.integer(-1), .unsigned(UInt64.max), .fixed(1.0 / 3.0, decimals: 6), .bool(false), .null])),
            ("empty", .object([])),
        ])
        #expect(value.rendered() == """
            {
              "b": "quote \\" back \\\\ newline \\n tab \\t bell \\u0007",
              "a": [-1, 18446744073709551615, 0.333333, false, null],
              "empty": {}
            }

            """)
        #expect(JSONValue.fixed(.nan, decimals: 2).rendered() == "0.00\n")
    }

    @Test func textTableSplitsToFit() {
        var t = TextTable([.init(header: "cpu", rightAligned: false)]
            + (0..<10).map { .init(header: "column_\($0)_long_name", rightAligned: true) })
        t.rows = [["0"] + (0..<10).map(String.init)]
        let parts = t.split(keep: 1, width: 60)
        #expect(parts.count > 1)
        for part in parts {
            #expect(part.columns[0].header == "cpu")
            #expect(part.render().split(separator: "\n").allSatisfy { $0.count <= 60 })
        }
        #expect(parts.map { $0.columns.count - 1 }.reduce(0, +) == 10)
    }
}

@Suite struct Outputs {
    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "mtlab-outputs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func commitWritesEveryFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files = OutputFiles()
        files.add(path: folder + "/a.json", contents: "{}\n")
        files.add(folder: folder + "/csv/deep", files: [("x.csv", "a\n"), ("y.csv", "b\n")])
        try files.commit()
        #expect(try String(contentsOfFile: folder + "/a.json", encoding: .utf8) == "{}\n")
        #expect(try String(contentsOfFile: folder + "/csv/deep/y.csv", encoding: .utf8) == "b\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.json", "csv"])
    }

    @Test func failedCommitLeavesNothing() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "old\n".write(toFile: folder + "/a.json", atomically: false, encoding: .utf8)
        var files = OutputFiles()
        files.add(path: folder + "/a.json", contents: "new\n")
        files.add(path: folder + "/missing/b.json", contents: "{}\n")
        #expect(throws: OutputError.self) { try files.commit() }
        #expect(try String(contentsOfFile: folder + "/a.json", encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.json"])
    }

    @Test func destinationsAreCheckedBeforeTheRun() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: OutputError.self) { try OutputFiles.checkFile(folder + "/nope/out.json") }
        #expect(throws: OutputError.self) { try OutputFiles.checkFile(folder) }
        try OutputFiles.checkFile(folder + "/out.json")
        try OutputFiles.checkFolder(folder + "/new", allowing: CSVReport.fileNames)
        try OutputFiles.checkFolder(folder, allowing: CSVReport.fileNames)
        try "x".write(toFile: folder + "/cpus.csv", atomically: false, encoding: .utf8)
        try OutputFiles.checkFolder(folder, allowing: CSVReport.fileNames)
        try "x".write(toFile: folder + "/notes.txt", atomically: false, encoding: .utf8)
        do {
            try OutputFiles.checkFolder(folder, allowing: CSVReport.fileNames)
            Issue.record("a folder with other files was accepted")
        } catch let e as OutputError {
            #expect(e.message.contains("notes.txt"))
        }
        #expect(throws: OutputError.self) { try OutputFiles.checkFolder(folder + "/notes.txt", allowing: CSVReport.fileNames) }
    }
}
