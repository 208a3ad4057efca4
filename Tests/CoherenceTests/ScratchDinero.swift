import Testing
import MTrace
import CacheModels
@testable import Coherence

@Test func scratchDinero() throws {
    var rng = SplitMix64(state: 0x5EED)
    var seq: UInt64 = 0, k: UInt64 = 0
    var acc: [Access] = []
    for _ in 0..<1_000_000 {
        let r = rng.next()
        let pct = (r >> 32) % 100
        let write = (r & 0xFF) < 77
        var a: UInt64
        if pct < 45 { a = 0x1000_0000 + 4 * (rng.next() % 6144) }
        else if pct < 75 { a = 0x2000_0000 + 4 * seq; seq += 1; if seq == 2_097_152 { seq = 0 } }
        else if pct < 90 { a = 0x3000_0000 + 4 * (rng.next() % 65536) }
        else if pct < 95 { a = 0x5000_0000 + 4096 * (k % 12); k += 1 }
        else { a = 0x4000_0000 + 4 * (rng.next() % 16_777_216) }
        acc.append(Access(cpu: 0, kind: write ? .store : .load, address: a, size: 4))
    }
    for (pol, expect) in [(ReplacementKind.lru, UInt64(389_934)), (.fifo, 434_368)] {
        let sim = try CoherenceSimulator(SimulatorConfiguration(cpus: 1, geometry: try CacheGeometry(size: 32768, ways: 8, lineSize: 64), replacement: pol, coherence: .none))
        try acc.withUnsafeBufferPointer { try sim.consume($0) }
        #expect(sim.result().totals.misses == expect)
    }
}
