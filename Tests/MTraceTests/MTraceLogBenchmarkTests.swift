import Foundation
import Testing
@testable import MTrace

/// Log reading throughput, off by default: `MTLAB_LOG_BENCH=1 swift test -c release
/// --filter MTraceLogBenchmark` (`MTLAB_LOG_BENCH_RECORDS` sets the size, default 20M
/// access records plus one label per 64). Prints records per second of wall-clock and of
/// this thread's CPU time, best of three.
@Suite struct MTraceLogBenchmarkTests {
    private static let enabled = ProcessInfo.processInfo.environment["MTLAB_LOG_BENCH"] != nil

    private func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private func best(_ body: () throws -> UInt64) rethrows -> (wall: Double, cpu: Double, count: UInt64) {
        var wall = Double.infinity, cpu = Double.infinity, count: UInt64 = 0
        for _ in 0..<3 {
            let w0 = Date(), c0 = cpuSeconds()
            count = try body()
            cpu = min(cpu, cpuSeconds() - c0)
            wall = min(wall, Date().timeIntervalSince(w0))
        }
        return (wall, cpu, count)
    }

    @Test(.enabled(if: MTraceLogBenchmarkTests.enabled)) func readThroughput() throws {
        let n = Int(ProcessInfo.processInfo.environment["MTLAB_LOG_BENCH_RECORDS"] ?? "") ?? 20_000_000
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtlab-log-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        var random = SplitMix64(seed: 5)
        for name in ["b.mtrace", "b.mtrace.gz"] {
            let writer = try MTraceLogWriter(path: folder + "/" + name)
            var batch: [Access] = []
            batch.reserveCapacity(4096)
            for i in 0..<n {
                if i % 64 == 0 {
                    try writer.write(MTraceRecord(.label(MTraceLabel(labelType: .heap, name: "object",
                                                                      guestAddress: UInt64(i) * 64, bytes: 64))))
                }
                let r = random.next()
                batch.append(Access(cpu: Int(r & 7), kind: r & 8 == 0 ? .load : .store, address: r >> 20,
                                    size: 8, pc: r >> 40))
                if batch.count == 4096 {
                    try batch.withUnsafeBufferPointer { try writer.consume($0) }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try batch.withUnsafeBufferPointer { try writer.consume($0) }
            try writer.finish()
        }
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: defaultBatchSize)
        defer { buffer.deallocate() }
        for name in ["b.mtrace", "b.mtrace.gz"] {
            let path = folder + "/" + name
            let accesses = try best {
                var source = try MTraceAccessSource(path: path, cpus: 8)
                var total: UInt64 = 0, checksum: UInt64 = 0
                while true {
                    let got = try source.read(into: buffer)
                    if got == 0 { break }
                    total += UInt64(got)
                    checksum &+= buffer[got - 1].address
                }
                #expect(checksum != 0)
                return total
            }
            #expect(accesses.count == UInt64(n))
            let typed = try best {
                let reader = try MTraceLogReader(path: path)
                var total: UInt64 = 0
                while let record = try reader.next() {
                    if case .access = record.entry { total += 1 }
                }
                return total
            }
            let records = Double(n + (n + 63) / 64)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            print(String(format: "%@ (%d MB): access source %.1f M records/s wall, %.1f M/s thread CPU; "
                + "typed records %.1f M/s wall", name, size >> 20, records / accesses.wall / 1e6,
                records / accesses.cpu / 1e6, records / typed.wall / 1e6))
        }
    }
}
