import Foundation
import Testing
import CacheModels
import Coherence
import MTrace
@testable import Experiments

/// The one-pass curve must give exactly the misses of separate simulations.
@Suite struct MissRatioCurves {
    private func curve(_ config: RunConfiguration, sets: Int) throws -> MissRatioCurve {
        let profiler = try MissRatioProfiler(cpus: config.cpus, sets: sets, lineSize: config.geometry.lineSize)
        try Runner.feed(config, into: profiler)
        return profiler.curve()
    }

    private func misses(_ config: RunConfiguration, sets: Int, ways: Int) throws -> [UInt64] {
        var c = config
        c.geometry = try CacheGeometry(sets: sets, ways: ways, lineSize: config.geometry.lineSize)
        c.coherence = .none
        c.replacement = .lru
        return try Runner.run(c).result.cpus.map(\.misses)
    }

    private func check(_ config: RunConfiguration, sets: Int) throws {
        let curve = try curve(config, sets: sets)
        var simulated: [Int: [UInt64]] = [:]
        func run(_ ways: Int) throws -> [UInt64] {
            if let m = simulated[ways] { return m }
            let m = try misses(config, sets: sets, ways: ways)
            simulated[ways] = m
            return m
        }
        var checked = 0
        for cpu in 0..<config.cpus {
            let rows = curve.rows.filter { $0.cpu == cpu }
            #expect(rows.first?.ways == 1)
            for row in rows where row.ways <= 1024 {
                #expect(try run(row.ways)[cpu] == row.misses, "cpu \(cpu), \(sets) sets × \(row.ways) ways")
                checked += 1
            }
        }
        #expect(checked > 3)
        // Totals are the sums over CPUs.
        for row in curve.rows where row.cpu == nil && row.ways <= 1024 {
            #expect(try run(row.ways).reduce(0, +) == row.misses)
        }
    }

    @Test(arguments: [1, 8]) func equalsSeparateRunsOnAGenerator(sets: Int) throws {
        let config = try RunConfiguration.parse("""
            [system]
            cpus = 2
            seed = 5
            [workload]
            generator = "uniform"
            operations = 3000
            working_set = 3072
            access_size = 16
            [cache]
            sets = 8
            line_size = 32
            """, file: "m.toml")
        try check(config, sets: sets)
    }

    @Test func equalsSeparateRunsOnATraceWithLineCrossingAccesses() throws {
        let dir = NSTemporaryDirectory() + "mtlab-mrc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var random = SplitMix64(seed: 3)
        var text = ""
        for _ in 0..<4000 {
            let r = random.next()
            text += "\(r % 3) \(r >> 63 == 0 ? "R" : "W") 0x\(String((r >> 8) % 6000, radix: 16)) \(1 + (r >> 30) % 130)\n"
        }
        try text.write(toFile: dir + "/t.trace", atomically: false, encoding: .utf8)
        let config = try RunConfiguration.parse("[system]\ncpus = 3\n[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 4\nline_size = 64\n",
                                                file: dir + "/m.toml")
        try check(config, sets: 4)
    }

    @Test func csvHasOneRowPerCPUAndSize() throws {
        let config = try RunConfiguration.parse("""
            [system]
            cpus = 2
            [workload]
            generator = "stream"
            operations = 100
            working_set = 512
            [cache]
            sets = 1
            """, file: "m.toml")
        let csv = try curve(config, sets: 1).csv().split(separator: "\n")
        #expect(csv[0] == "cpu,sets,ways,lines,bytes,accesses,misses,miss_ratio")
        // A 512-byte stream is 8 lines, 8 accesses each: 100 accesses are 13 runs on a line. The
        // first run on each line is a cold miss; with 7 ways every later run misses too.
        #expect(csv.contains("0,1,8,8,512,100,8,0.080000"))
        #expect(csv.contains("0,1,7,7,448,100,13,0.130000"))
        #expect(csv.contains("total,1,8,8,512,200,16,0.080000"))
    }

    @Test func partialInvalidatesAreRefused() throws {
        let profiler = try MissRatioProfiler(cpus: 1, sets: 1, lineSize: 64)
        let accesses = [Access(cpu: 0, kind: .load, address: 0), Access(cpu: 0, kind: .invalidate, address: 0, size: 64)]
        #expect(throws: MissRatioCurveError.self) { try accesses.withUnsafeBufferPointer { try profiler.consume($0) } }
        let whole = [Access(cpu: 0, kind: .load, address: 0), Access(cpu: 0, kind: .invalidate, address: 0, size: 0),
                     Access(cpu: 0, kind: .load, address: 0)]
        let fresh = try MissRatioProfiler(cpus: 1, sets: 1, lineSize: 64)
        try whole.withUnsafeBufferPointer { try fresh.consume($0) }
        #expect(fresh.curve().rows.first?.misses == 2)
    }

    /// Sets × CPUs whose profiles do not fit are refused before anything is allocated, with
    /// what they need and what there is.
    @Test func profilesBeyondTheMemoryAreRefused() throws {
        let needed = 4 * (1 << 30) * StackDistanceProfile.bytesPerSet
        #expect(throws: StackDistanceMemoryError(sets: 1 << 30, profiles: 4, needed: needed, available: 1 << 30,
                                                 keys: "--sets 1073741824 × 4 CPUs")) {
            try MissRatioProfiler(cpus: 4, sets: 1 << 30, lineSize: 64, availableMemory: 1 << 30,
                                  keys: "--sets 1073741824 × 4 CPUs")
        }
        do {
            _ = try MissRatioProfiler(cpus: 4, sets: 1 << 30, lineSize: 64, availableMemory: 23 << 30 + 12345)
            Issue.record("4 × 2^30 sets fit in 23 GiB")
        } catch {
            #expect(String(describing: error) == "1073741824 sets × 4 CPUs: the miss-ratio profiler needs "
                + "\(needed >> 30) GiB; this machine has 23 GiB")
        }
        // Exactly what fits is taken.
        let small = 2 * 64 * StackDistanceProfile.bytesPerSet
        #expect(throws: Never.self) { try MissRatioProfiler(cpus: 2, sets: 64, lineSize: 64, availableMemory: small) }
        #expect(throws: StackDistanceMemoryError.self) {
            try MissRatioProfiler(cpus: 2, sets: 64, lineSize: 64, availableMemory: small - 1)
        }
    }

    /// The totals come from the CPUs' summed histograms: a CPU with long distances beside
    /// CPUs with none gives the same totals as adding the CPUs' rows.
    @Test func totalsAreTheSumsOfTheCPUsRows() throws {
        let profiler = try MissRatioProfiler(cpus: 3, sets: 2, lineSize: 64)
        var accesses: [Access] = []
        for round in 0..<3 {
            for line in 0..<(round == 1 ? 40 : 60) { accesses.append(Access(cpu: 0, kind: .load, address: UInt64(line) * 64)) }
            accesses.append(Access(cpu: 1, kind: .store, address: 0x10000, size: 8))
        }
        accesses.append(Access(cpu: 2, kind: .load, address: 0x20000))
        try accesses.withUnsafeBufferPointer { try profiler.consume($0) }
        let rows = profiler.curve().rows
        let totals = rows.filter { $0.cpu == nil }
        #expect(totals.map(\.ways) == Array(1...30))
        for total in totals {
            func misses(_ cpu: Int) -> UInt64 {
                // Past a CPU's last row its misses no longer fall.
                rows.last { $0.cpu == cpu && $0.ways <= total.ways }?.misses ?? 0
            }
            #expect(total.misses == misses(0) + misses(1) + misses(2), "\(total.ways) ways")
            #expect(total.accesses == UInt64(accesses.count))
        }
    }

    /// Cache sizes past 2^64 bytes are written exactly.
    @Test func decimalsBeyond64Bits() {
        #expect(decimal128((high: 0, low: 12345)) == "12345")
        #expect(decimal128((high: 0, low: .max)) == "18446744073709551615")
        #expect(decimal128((high: 1, low: 0)) == "18446744073709551616")
        #expect(decimal128((high: 1 << 12, low: 0)) == "75557863725914323419136")  // 2^76
        #expect(decimal128((high: .max, low: .max)) == "340282366920938463463374607431768211455")
        #expect(decimal128((high: 0x8ac7230489e80000 >> 63, low: 0x8ac7230489e80000 << 1)) == "20000000000000000000")
    }
}
