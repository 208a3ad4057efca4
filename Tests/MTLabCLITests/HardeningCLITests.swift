import Foundation
import Testing

/// Failed writes to standard output, outputs that are not regular files, plots fed hostile
/// text, and the exit statuses the README's table promises.

private let config = """
    [system]
    cpus = 2
    [workload]
    trace = "t.trace"
    [cache]
    sets = 16
    ways = 2
    """

/// `lines` accesses by two CPUs, enough text for several pipe buffers when converted.
private func trace(lines: Int) -> String {
    (0..<lines).map { "\($0 % 2) \($0 % 3 == 0 ? "W" : "R") 0x\(String(0x1000 + ($0 % 512) * 8, radix: 16)) 8\n" }.joined()
}

/// Runs `script` with bash in the lab, `$M` naming the mtlab executable.
private func shell(_ lab: Lab, _ script: String) throws -> Lab.Result {
    let executable = try #require(mtlab)
    return try lab.run(["-c", script], shell: executable.path)
}

extension Lab {
    /// Runs `/bin/bash -c …` in the lab with `M` set to mtlab's path.
    func run(_ arguments: [String], shell mtlabPath: String) throws -> Result {
        let id = UUID().uuidString
        let out = folder.deletingLastPathComponent().appendingPathComponent("\(id).out")
        let err = folder.deletingLastPathComponent().appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(["M": mtlabPath]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

private func expectNoCrash(_ r: Lab.Result, sourceLocation: SourceLocation = #_sourceLocation) {
    for sign in ["Fatal error", "crashed", "Backtrac", "Illegal instruction", "Aborted"] {
        #expect(!r.stderr.contains(sign), "\(r.stderr)", sourceLocation: sourceLocation)
    }
}

@Suite(.serialized) struct StandardOutputFailures {
    @Test(arguments: ["run c.toml", "run c.toml --json -", "protocols", "convert t.trace - --to text",
                      "mrc c.toml", "convert t.trace - --to mtrace"])
    func aFullDiskIsOneErrorLine(command: String) throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 100))
        let r = try shell(lab, "\"$M\" \(command) > /dev/full")
        expectNoCrash(r)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.hasSuffix("mtlab: error: standard output: cannot be written: No space left on device\n"), "\(r.stderr)")
    }

    @Test(arguments: ["run c.toml", "protocols", "convert t.trace - --to text"])
    func aClosedStandardOutputIsOneErrorLine(command: String) throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 100))
        let r = try shell(lab, "\"$M\" \(command) >&-")
        expectNoCrash(r)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("mtlab: error: standard output: cannot be written: Bad file descriptor"), "\(r.stderr)")
    }

    /// A reader that stops early (`head`) ends mtlab quietly with 141, as SIGPIPE would,
    /// whether or not the shell ignores SIGPIPE.
    @Test(arguments: [true, false])
    func aBrokenPipeEndsQuietly(ignoringSIGPIPE: Bool) throws {
        let lab = try Lab()
        try lab.write("t.trace", trace(lines: 40000))
        let trap = ignoringSIGPIPE ? "trap '' PIPE; " : ""
        let r = try shell(lab, "\(trap)\"$M\" convert t.trace - --to text | head -c 10 > /dev/null; echo \"status ${PIPESTATUS[0]}\"")
        expectNoCrash(r)
        #expect(r.stdout == "status 141\n", "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }
}

@Suite(.serialized) struct OutputsThatAreNotRegularFiles {
    @Test func aSymbolicLinkStaysAndItsTargetGetsTheReport() throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        try lab.write("real.json", "old")
        try FileManager.default.createSymbolicLink(atPath: lab.path("link.json"), withDestinationPath: "real.json")
        let r = try lab.run(["run", "c.toml", "--json", "link.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let kind = try FileManager.default.attributesOfItem(atPath: lab.path("link.json"))[.type] as? FileAttributeType
        #expect(kind == .typeSymbolicLink)
        #expect(try lab.readText("real.json").hasPrefix("{"))
        #expect(lab.entries() == ["c.toml", "link.json", "real.json", "t.trace"])
    }

    @Test func aLinkToNothingIsRefusedBeforeTheRun() throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        try FileManager.default.createSymbolicLink(atPath: lab.path("dangling.json"), withDestinationPath: "missing/x.json")
        let r = try lab.run(["run", "c.toml", "--json", "dangling.json"])
        #expect(r.status == 1)
        #expect(r.stderr == "mtlab: error: dangling.json: is a symbolic link to a missing file\n", "\(r.stderr)")
    }

    /// A named pipe is written in place: it stays a pipe, and its reader gets the report.
    @Test(arguments: [["run", "c.toml", "--json", "pipe"], ["convert", "t.trace", "pipe", "--to", "text"],
                      ["trace", "c.toml", "-o", "pipe"], ["mrc", "c.toml", "-o", "pipe"]])
    func aNamedPipeIsWrittenInPlace(arguments: [String]) throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        // The reader gives up after a while, so a run that never opens the pipe cannot hang.
        let r = try shell(lab, """
            mkfifo pipe; timeout 20 cat pipe > got & reader=$!
            "$M" \(arguments.joined(separator: " ")) > /dev/null; status=$?
            wait $reader; test -p pipe && echo still-a-pipe; exit $status
            """)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "still-a-pipe\n", "\(r.stderr)")
        #expect(lab.size("got") > 0)
        #expect(!lab.entries().contains { $0.hasSuffix(".tmp") })
    }

    @Test func devNullWorksForAnyOutput() throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        for arguments in [["run", "c.toml", "--json", "/dev/null", "--csv", "csv"], ["convert", "t.trace", "/dev/null", "--to", "mtrace"],
                          ["mrc", "c.toml", "-o", "/dev/null"]] {
            let r = try lab.run(arguments)
            #expect(r.status == 0, "\(arguments): \(r.stderr)")
        }
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    }

    /// A trace run's CSV folder keeps no `guest.csv` from an earlier guest run.
    @Test func aCSVFolderHoldsOneReport() throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        try lab.write("csv/guest.csv", "quantity,hart,value\nended,,passed\n")
        let r = try lab.run(["run", "c.toml", "--csv", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(lab.entries("csv") == ["cpus.csv", "line_offsets.csv", "lines.csv", "statistics.csv"])
    }
}

@Suite struct ExitStatuses {
    @Test(arguments: [(["run", "c.toml", "--top", "-1"], "--top must be 0 or more, got -1"),
                      (["run"], "Missing expected argument"),
                      (["run", "c.toml", "--no-such-option"], "Unknown option"),
                      (["convert", "t.trace", "o.trace", "--cpus", "-3"], "--cpus must be"),
                      (["protocols", "mosi"], "unknown protocol 'mosi'")])
    func usageErrorsExitWith64(arguments: [String], message: String) throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        let r = try lab.run(arguments)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("mtlab: error: ") && r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.filter { $0 == "\n" }.count == 1, "\(r.stderr)")
    }

    @Test func checkSaysItRanAndHeld() throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        let r = try lab.run(["run", "c.toml", "--check"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("--check: the single-writer/multiple-reader invariant and the snoop filter held after every one of the 10 line accesses"))
    }

    @Test func aFolderThatCannotBeCreatedSaysWhy() throws {
        let lab = try Lab()
        try lab.write("c.toml", config)
        try lab.write("t.trace", trace(lines: 10))
        try lab.write("file", "x")
        let r = try lab.run(["run", "c.toml", "--csv", "file/sub"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("file/sub"), "\(r.stderr)")
        #expect(!r.stderr.contains("/proc") && !r.stderr.contains("<fd:"), "\(r.stderr)")
    }
}

private let gnuplotInstalled = ProcessInfo.processInfo.environment["PATH", default: "/usr/bin"].split(separator: ":")
    .contains { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }

@Suite(.serialized) struct PlotsWithHostileText {
    /// A results table whose series value holds a newline and gnuplot commands that would
    /// run a shell command, in every place a title can come from.
    private func hostileTable(_ lab: Lab) throws {
        let evil = "x\nsystem('touch pwned-system')\n`touch pwned-backquote`\\"
        let quotedEvil = "\"" + evil.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try lab.write("r.csv", "series,cpus,movement\n\(quotedEvil),1,10\n\(quotedEvil),2,20\nplain,1,5\nplain,2,7\n")
    }

    @Test func seriesTitlesNeverBecomeCommands() throws {
        let lab = try Lab()
        try hostileTable(lab)
        let render = gnuplotInstalled ? [] : ["--no-render"]
        let r = try lab.run(["plot", "r.csv", "--kind", "line", "--x", "cpus", "--y", "movement", "--series", "series", "-o", "p.svg"] + render)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!lab.entries().contains { $0.hasPrefix("pwned") })
        let script = try lab.readText("p.gp")
        for line in script.split(separator: "\n") {
            #expect(!line.hasPrefix("system") && !line.hasPrefix("`"), "\(line)")
        }
        #expect(!script.contains("\"x"), "titles are single-quoted")
        if gnuplotInstalled {
            // The script left beside the image is safe to run again by hand.
            let again = try shell(lab, "gnuplot p.gp")
            #expect(again.status == 0, "\(again.stderr)")
            #expect(!lab.entries().contains { $0.hasPrefix("pwned") })
        }
    }

    @Test func anImageNameWithALineBreakIsRefused() throws {
        let lab = try Lab()
        try hostileTable(lab)
        let r = try lab.run(["plot", "r.csv", "--kind", "line", "--x", "cpus", "--y", "movement", "-o", "a'\nsystem('touch pwned').svg"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("may not contain control characters"), "\(r.stderr)")
        #expect(lab.entries() == ["r.csv"])
    }

    @Test(.enabled(if: gnuplotInstalled)) func aFailedRenderLeavesNoTemporaryFiles() throws {
        let lab = try Lab()
        try hostileTable(lab)
        let r = try lab.run(["plot", "r.csv", "--kind", "line", "--x", "cpus", "--y", "movement", "--series", "series", "-o", "p.png"],
                            environment: ["MTLAB_GNUPLOT": "/bin/false"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("gnuplot failed"), "\(r.stderr)")
        #expect(lab.entries() == ["p.dat", "p.gp", "r.csv"])
    }
}
