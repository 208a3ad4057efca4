import Foundation
import Testing

/// A geometry inside the documented range whose tag arrays no machine here can hold: one
/// line of error at once, not an allocation failure after minutes.
@Suite struct MemoryLimitCLITests {
    /// 64 CPUs × 2^30 slots × 21 bytes, plus a word per set.
    static let needed = 64 * ((1 << 30) * 21 + (1 << 20) * 8)
    static let fits = needed <= Int(ProcessInfo.processInfo.physicalMemory)

    @Test(.disabled(if: fits, "this machine has the memory for 64 caches of 2^30 slots"))
    func runAndScanRefuseCachesBeyondTheMachine() throws {
        let lab = try Lab()
        try lab.write("big.toml", "[system]\ncpus = 64\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 1048576\nways = 1024\n")
        try lab.write("t.trace", "0 W 0x1000 8\n1 R 0x1000 8\n")
        let start = Date()
        let run = try lab.run(["run", "big.toml"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("mtlab: error: big.toml: cache.sets × cache.ways × system.cpus: a cache of 1048576 sets "
            + "× 1024 ways × 64 CPUs needs 1345 GiB of tag arrays; this machine has "), "\(run.stderr)")
        #expect(run.stderr.hasSuffix(" GiB\n") && run.stderr.split(separator: "\n").count == 1)

        #expect(try lab.run(["convert", "t.trace", "t.mtrace", "--cpus", "64"]).status == 0)
        let scan = try lab.run(["scan", "t.mtrace", "--cache-assoc", "--set", "cache.sets=1048576", "--set", "cache.ways=1024"])
        #expect(scan.status == 1)
        #expect(scan.stderr.hasPrefix("mtlab: error: --set cache.sets × cache.ways × the log's CPUs: a cache of 1048576 sets "
            + "× 1024 ways × 64 CPUs needs 1345 GiB of tag arrays; this machine has "), "\(scan.stderr)")
        #expect(Date().timeIntervalSince(start) < 30, "refused before allocating anything")
    }
}
