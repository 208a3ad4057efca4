import CacheModels
import Foundation
import Testing
@testable import Coherence

@Suite struct MemoryLimitTests {
    /// 2^30 slots per CPU, 64 CPUs: about 1.3 TiB of tag arrays, more than any machine
    /// these tests run on (the test says so where one has more).
    static let huge = try? CacheGeometry(sets: 1 << 20, ways: 1024, lineSize: 64)
    static let fits = huge.map { CacheMemory.bytesNeeded(for: $0, caches: 64) <= CacheMemory.physicalBytes } ?? false

    @Test(.disabled(if: fits, "this machine has the memory for 64 caches of 2^30 slots"))
    func simulatorRefusesCachesBeyondTheMachineBeforeAllocating() throws {
        let huge = try #require(Self.huge)
        let start = Date()
        do {
            _ = try CoherenceSimulator(SimulatorConfiguration(cpus: 64, geometry: huge))
            Issue.record("expected a refusal")
        } catch let error as CacheMemoryError {
            #expect(error.caches == 64 && error.needed == CacheMemory.bytesNeeded(for: huge, caches: 64))
            #expect(error.description.hasPrefix("cache.sets × cache.ways × system.cpus: a cache of 1048576 sets × 1024 ways "
                + "× 64 CPUs needs 1345 GiB of tag arrays; this machine has "))
        }
        // Nothing was allocated or filled first.
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(throws: CacheMemoryError.self) {
            try SimulatorConfiguration(cpus: 2, geometry: huge).checkMemory(available: 1 << 30)
        }
        try SimulatorConfiguration(cpus: 2, geometry: huge).checkMemory(available: 64 << 30)
    }

    @Test func largeAllocationFailureIsAnError() throws {
        // More bytes than an Int holds, and more than any address space: errors, not traps.
        #expect(throws: OutOfMemoryError.self) { _ = try LargeAllocation.allocate(UInt64.self, count: Int.max / 4) }
        do {
            _ = try LargeAllocation.allocate(UInt64.self, count: 1 << 59)
            Issue.record("expected an error")
        } catch {
            #expect(error == OutOfMemoryError(bytes: 1 << 62, purpose: "the line table"))
            #expect(error.description == "out of memory: cannot allocate 4611686018427387904 bytes for the line table")
        }
        // A failed growth leaves the buffer as it was, small or mapped.
        for count in [1000, 2 << 20] {
            let p = try LargeAllocation.allocate(UInt64.self, count: count)
            p[count - 1] = 42
            #expect(throws: OutOfMemoryError.self) { _ = try LargeAllocation.grow(p, from: count, to: 1 << 59) }
            #expect(p[count - 1] == 42)
            let q = try LargeAllocation.grow(p, from: count, to: count * 2)
            #expect(q[count - 1] == 42 && q[2 * count - 1] == 0)
            LargeAllocation.deallocate(q, count: count * 2)
        }
    }
}
