import Foundation
import Testing
@testable import Sweeps

private func batch(sweep: String = "sweeps/s.toml", output: String = "/work/results/s") -> SlurmBatch {
    SlurmBatch(mtlab: "/usr/local/bin/mtlab", workingDirectory: "/work", sweep: sweep, outputFolder: output, tasks: 3,
               cpusPerTask: 1, arrayParallelism: nil, partition: nil, time: nil)
}

/// Runs `script` with bash (after `set -- `) and returns what it prints.
private func bash(_ script: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

@Suite struct SlurmBatchTests {
    @Test func shellQuotingKeepsEveryStringOneWord() throws {
        #expect(shellQuoted("results/s-1.toml") == "results/s-1.toml")
        #expect(shellQuoted("") == "''")
        #expect(shellQuoted("a b") == "'a b'")
        #expect(shellQuoted("it's") == "'it'\\''s'")
        let hostile = ["it's $(touch x) `touch x`; rm -rf \"$HOME\"", "new\nline", "tab\there", "*?[a]~!#&|<>{}", "\\'\\''", "-n"]
        for text in hostile {
            // printf of the quoted word gives back the text, byte for byte.
            #expect(try bash("printf '%s' " + shellQuoted(text)) == text, "\(text)")
        }
    }

    @Test func arraySpecMergesRuns() {
        #expect(SlurmBatch.arraySpec([1, 2, 3, 4]) == "1-4")
        #expect(SlurmBatch.arraySpec([2]) == "2")
        #expect(SlurmBatch.arraySpec([7, 1, 2, 5, 3]) == "1-3,5,7")
        #expect(SlurmBatch.arraySpec([]) == "")
    }

    @Test func jobNameNeedsNoQuoting() {
        #expect(batch().jobName == "mtlab-s")
        #expect(batch(sweep: "/a/it's a $(x)\n.toml").jobName == "mtlab-it_s_a___x__")
        #expect(batch(sweep: "/a/b/").jobName == "mtlab-b")
    }

    @Test func scriptsQuoteWhatTheUserNamed() {
        var b = batch(sweep: "my sweeps/it's.toml")
        b.workingDirectory = "/home/a b"
        b.arrayParallelism = 2
        #expect(b.shardsScript.hasSuffix("""
            set -euo pipefail
            cd -- '/home/a b'
            exec /usr/local/bin/mtlab sweep 'my sweeps/it'\\''s.toml' --shard "${SLURM_ARRAY_TASK_ID}/3" --jobs 1

            """))
        #expect(!b.shardsScript.contains("#SBATCH --time") && !b.shardsScript.contains("#SBATCH --partition"))
        #expect(b.submitShards(array: "1,3") == ["--parsable", "--array=1,3%2", "--output=/work/results/s/slurm/logs/shards-%A_%a.log",
                                                 "/work/results/s/slurm/shards.sh"])
        #expect(b.submitCollect(after: "17") == ["--parsable", "--dependency=afterany:17", "--output=/work/results/s/slurm/logs/collect-%j.log",
                                                 "/work/results/s/slurm/collect.sh"])
    }

    @Test(arguments: [
        ("p", nil, nil), ("a,b-c_d.e", nil, nil), (nil, "90", nil), (nil, "1:30:00", nil), (nil, "2-12", nil), (nil, "2-12:00:00", nil),
        ("a b", nil, "--partition"), ("", nil, "--partition"), ("p\n#SBATCH --x", nil, "--partition"),
        (nil, "1h", "--time"), (nil, "1:2:3:4", "--time"), (nil, "1--2", "--time"), (nil, "", "--time"), (nil, "1:", "--time"),
    ] as [(String?, String?, String?)])
    func optionsThatReachSbatchLinesAreChecked(partition: String?, time: String?, problem: String?) {
        let found = SlurmBatch.problem(partition: partition, time: time, outputFolder: "/work/out")
        if let problem { #expect(found?.hasPrefix(problem) == true, "\(found ?? "nil")") } else { #expect(found == nil) }
    }

    @Test func logPatternCharactersInTheOutputFolderAreRefused() {
        #expect(SlurmBatch.problem(partition: nil, time: nil, outputFolder: "/work/100%") != nil)
        #expect(SlurmBatch.problem(partition: nil, time: nil, outputFolder: "/work/a\\b") != nil)
        #expect(SlurmBatch.problem(partition: nil, time: nil, outputFolder: "/work/it's a dir") == nil)
    }

    @Test func squeueLinesOfOtherJobsAreIgnored() {
        let output = """
            12 1 RUNNING
            12 2 PENDING
            13 N/A PENDING
            99 3 RUNNING
            15 2 RUNNING
            12 4 COMPLETING

            """
        let states = SlurmTaskState.parse(output, arrayJobs: ["12", "15"])
        #expect(states == [1: .running, 2: .running, 4: .other("completing")])
    }

    @Test func recordRoundTrip() throws {
        let folder = NSTemporaryDirectory() + "mtlab-slurm-record-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = SweepStore(folder: folder)
        #expect(try SlurmRecord.read(from: store) == nil)
        let record = SlurmRecord(tasks: 4, submissions: [.init(arrayJob: "12", array: "1-4", collectJob: "13"),
                                                         .init(arrayJob: "20", array: "2", collectJob: nil)])
        try record.write(to: store)
        #expect(try SlurmRecord.read(from: store) == record)
        try "{\"tasks\": 4}".write(toFile: folder + "/slurm/jobs.json", atomically: false, encoding: .utf8)
        #expect(throws: SweepError.self) { try SlurmRecord.read(from: store) }
    }
}
