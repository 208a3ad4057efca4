import Foundation
import Testing

/// `mtlab mrc` with more sets × CPUs than the machine can hold: one line of error before
/// anything is allocated, not a crash.
@Suite struct MRCMemoryCLITests {
    /// 64 CPUs × 2^30 sets of 32 bytes: 2 TiB.
    static let needed = 64 * (1 << 30) * 32
    static let fits = needed <= Int(ProcessInfo.processInfo.physicalMemory)

    @Test(.disabled(if: fits, "this machine has the memory for 64 profiles of 2^30 sets"))
    func setsBeyondTheMachineAreRefused() throws {
        let lab = try Lab()
        try lab.write("t.trace", "0 W 0x1000 8\n1 R 0x1000 8\n")
        try lab.write("c.toml", "[system]\ncpus = 64\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 64\n")
        try lab.write("big.toml", "[system]\ncpus = 64\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 1073741824\nways = 1\n")
        let start = Date()
        for (arguments, prefix) in [
            (["mrc", "c.toml", "--sets", "1073741824"], "mtlab: error: --sets 1073741824 × 64 CPUs: "),
            (["mrc", "big.toml", "-o", "m.csv"], "mtlab: error: big.toml: cache.sets × system.cpus: 1073741824 sets × 64 CPUs: "),
        ] {
            let r = try lab.run(arguments)
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix(prefix + "the miss-ratio profiler needs 2048 GiB; this machine has "), "\(r.stderr)")
            #expect(r.stderr.hasSuffix(" GiB\n") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        #expect(lab.size("m.csv") == -1)
        #expect(Date().timeIntervalSince(start) < 30, "refused before allocating anything")
    }

    /// Profiles that fit the machine but not a limit on the address space (`ulimit -v`): the
    /// refused allocation is an error too.
    @Test(.disabled(if: Int(ProcessInfo.processInfo.physicalMemory) < 8 << 30, "the check would refuse first"))
    func anAllocationTheSystemRefusesIsAnError() throws {
        let lab = try Lab()
        try lab.write("t.trace", "0 W 0x1000 8\n")
        try lab.write("c.toml", "[system]\ncpus = 1\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 64\n")
        let executable = try #require(mtlab)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 2^27 sets of 32 bytes are 4 GiB; the process may map 1.5 GiB.
        process.arguments = ["-c", "ulimit -v 1500000 && exec \"$0\" mrc c.toml --sets 134217728", executable.path]
        process.currentDirectoryURL = lab.folder
        let err = Pipe(), out = Pipe()
        process.standardError = err
        process.standardOutput = out
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(stderr)")
        #expect(stdout.isEmpty)
        #expect(stderr == "mtlab: error: --sets 134217728 × 1 CPU: the system refused the 4 GiB the miss-ratio profiler needs\n")
    }
}
