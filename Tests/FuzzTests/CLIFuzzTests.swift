import Foundation
import Testing

/// Runs the real `mtlab` executable on seeded mutations of every input kind and checks
/// that each run ends the way the README promises: exit status 0, 1, 2 or 64, never a
/// signal, never a hang, and a failure says so in one last line `mtlab: error: …`.
///
/// Environment: `MTLAB_FUZZ_CASES` mutants per kind (default 2000), `MTLAB_FUZZ_SECONDS` to
/// keep going round the kinds until that much time has passed (scripts/fuzz.sh),
/// `MTLAB_FUZZ_SEED` (default 1, so CI runs the same cases every time), `MTLAB_FUZZ_WORKERS`
/// (default 2) and `MTLAB_FUZZ_MTLAB` (the executable; default the one built beside the
/// tests). Failing inputs are kept under `MTLAB_FUZZ_ARTIFACTS` (default: the system's
/// temporary folder, `mtlab-fuzz-failures`).
@Suite(.serialized) struct CLIFuzzing {
    @Test func everyInputKindEndsCleanly() throws {
        let environment = ProcessInfo.processInfo.environment
        let executable = try #require(environment["MTLAB_FUZZ_MTLAB"].map { URL(fileURLWithPath: $0) } ?? mtlabExecutable,
                                      "the mtlab executable was not found next to the tests")
        let casesPerKind = Int(environment["MTLAB_FUZZ_CASES"] ?? "") ?? 2000
        let workers = max(1, Int(environment["MTLAB_FUZZ_WORKERS"] ?? "") ?? 2)
        let seconds = Double(environment["MTLAB_FUZZ_SECONDS"] ?? "") ?? 0
        let seed = UInt64(environment["MTLAB_FUZZ_SEED"] ?? "") ?? 1
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mtlab-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let artifacts = URL(fileURLWithPath: environment["MTLAB_FUZZ_ARTIFACTS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mtlab-fuzz-failures").path)
        let kinds = try inputKinds(scratch: scratch.appendingPathComponent("seeds"))

        let clock = ContinuousClock()
        let start = clock.now
        var round: UInt64 = 0
        var totals = FuzzTally()
        repeat {
            for (k, kind) in kinds.enumerated() {
                let kindSeed = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(k) &+ round &* 0x1000_0000
                let tally = runKind(kind, seed: kindSeed, cases: casesPerKind, workers: workers, executable: executable,
                                    scratch: scratch.appendingPathComponent("\(kind.name)-\(round)"), artifacts: artifacts)
                totals.merge(tally)
                for failure in tally.failures { Issue.record("\(kind.name): \(failure)") }
            }
            round += 1
        } while (clock.now - start) < .seconds(seconds)
        let elapsed = clock.now - start
        print("fuzz: \(totals.executions) executions of \(executable.path) in \(elapsed) (seed \(seed), \(round) rounds): "
            + totals.statuses.sorted { $0.key < $1.key }.map { "exit \($0.key) × \($0.value)" }.joined(separator: ", ")
            + "; \(totals.failures.count) failures")
        #expect(totals.executions >= kinds.count * casesPerKind)
        // The mutants must reach past the first check: some runs succeed, some are refused.
        #expect(totals.statuses[0, default: 0] > 0 && totals.statuses[1, default: 0] > 0)
    }
}

struct FuzzTally {
    var executions = 0
    var statuses: [Int32: Int] = [:]
    var failures: [String] = []

    mutating func merge(_ other: FuzzTally) {
        executions += other.executions
        for (k, v) in other.statuses { statuses[k, default: 0] += v }
        failures += other.failures
    }
}

/// Runs `cases` mutants of `kind` on `workers` threads, each starting one mtlab at a time.
private func runKind(_ kind: InputKind, seed: UInt64, cases: Int, workers: Int, executable: URL, scratch: URL, artifacts: URL) -> FuzzTally {
    let lock = NSLock()
    var tally = FuzzTally()
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var mine = FuzzTally()
        var mutator = Mutator(seed: seed &+ UInt64(worker), dictionary: kind.dictionary)
        let folder = scratch.appendingPathComponent("w\(worker)")
        for index in stride(from: worker, to: cases, by: workers) {
            let input = mutator.mutate(kind.seeds[mutator.below(kind.seeds.count)])
            let command = kind.commands[index % kind.commands.count]
            let outcome: FuzzOutcome
            do {
                try prepareCase(folder, kind: kind, input: input)
                outcome = try runOnce(executable, command, in: folder, timeout: 60)
            } catch {
                // The harness itself failed (disk full, no descriptors left): stop this
                // worker rather than report the same failure for every case left.
                mine.failures.append("case \(index): could not run: \(error)")
                break
            }
            mine.executions += 1
            mine.statuses[outcome.status, default: 0] += 1
            if let problem = outcome.problem {
                let kept = artifacts.appendingPathComponent("\(kind.name)-seed\(seed)-case\(index)")
                try? FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
                try? FileManager.default.removeItem(at: kept)
                try? FileManager.default.copyItem(at: folder, to: kept)
                mine.failures.append("case \(index) (mtlab \(command.joined(separator: " "))): \(problem); input kept in \(kept.path)")
            }
        }
        lock.lock()
        tally.merge(mine)
        lock.unlock()
    }
    try? FileManager.default.removeItem(at: scratch)
    return tally
}

/// A fresh case folder: the companions and the mutant.
private func prepareCase(_ folder: URL, kind: InputKind, input: [UInt8]) throws {
    let fm = FileManager.default
    try? fm.removeItem(at: folder)
    for (path, bytes) in kind.companions.merging([kind.fileName: input], uniquingKeysWith: { $1 }) {
        let url = folder.appendingPathComponent(path)
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
}

struct FuzzOutcome {
    var status: Int32
    /// What broke the promise, if anything.
    var problem: String?
}

/// Runs mtlab once; a run past `timeout` seconds is killed and counts as a hang.
private func runOnce(_ executable: URL, _ arguments: [String], in folder: URL, timeout: Double) throws -> FuzzOutcome {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = folder
    let stderrFile = folder.appendingPathComponent(".stderr")
    _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
    process.standardOutput = FileHandle.nullDevice
    let stderrHandle = try FileHandle(forWritingTo: stderrFile)
    defer { try? stderrHandle.close() }  // one descriptor per case would run out in a long run
    process.standardError = stderrHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(2000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        return FuzzOutcome(status: -1, problem: "no end after \(Int(timeout)) s (a hang?)")
    }
    let stderr = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "<stderr is not UTF-8>"
    let status = process.terminationStatus
    if process.terminationReason == .uncaughtSignal {
        return FuzzOutcome(status: 128 + status, problem: "killed by signal \(status): \(lastLine(stderr))")
    }
    for sign in ["Fatal error", "Program crashed", "Backtrace", "Assertion"] where stderr.contains(sign) {
        return FuzzOutcome(status: status, problem: "crash report in stderr: \(lastLine(stderr))")
    }
    guard [0, 1, 2, 64].contains(status) else {
        return FuzzOutcome(status: status, problem: "exit status \(status): \(lastLine(stderr))")
    }
    if status != 0, !lastLine(stderr).hasPrefix("mtlab: error: ") {
        return FuzzOutcome(status: status, problem: "exit \(status) without a last line 'mtlab: error: …': \(lastLine(stderr))")
    }
    return FuzzOutcome(status: status, problem: nil)
}

private func lastLine(_ text: String) -> String {
    text.split(separator: "\n").last.map(String.init) ?? ""
}

/// The built `mtlab` executable beside the test bundle, or in the package's `.build/debug`.
let mtlabExecutable: URL? = {
    let bundle = Bundle.main.bundleURL
    let folders = [bundle, bundle.deletingLastPathComponent(),
                   URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                   repositoryRoot.appendingPathComponent(".build/debug")]
    return folders.map { $0.appendingPathComponent("mtlab") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()
