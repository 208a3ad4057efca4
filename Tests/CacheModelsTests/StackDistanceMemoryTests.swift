import Testing
@testable import CacheModels

/// The sets of a profile live in memory of their own (so that a refused allocation is an
/// error): emptying them must allocate nothing, and the size check must be exact.
@Suite struct StackDistanceMemory {
    @Test func forgetAllEmptiesEverySetInPlace() throws {
        let p = try StackDistanceProfile(sets: 4)
        for line in 0..<UInt64(100) { p.access(line: line) }
        #expect(p.workingSetWays == 25)
        p.forgetAll()
        #expect(p.workingSetWays == 0)
        for line in 0..<UInt64(100) { p.access(line: line) }
        #expect(p.infiniteDistance == 200 && p.histogram.isEmpty)
    }

    @Test func sizesAndTheCheck() throws {
        #expect(StackDistanceProfile.bytesNeeded(sets: 1 << 30, profiles: 4) == (1 << 32) * StackDistanceProfile.bytesPerSet)
        #expect(StackDistanceProfile.bytesNeeded(sets: 1 << 62, profiles: 64) == Int.max)
        let bytes = StackDistanceProfile.bytesNeeded(sets: 1024, profiles: 3)
        try StackDistanceProfile.checkMemory(sets: 1024, profiles: 3, available: bytes)
        #expect(throws: StackDistanceMemoryError(sets: 1024, profiles: 3, needed: bytes, available: bytes - 1)) {
            try StackDistanceProfile.checkMemory(sets: 1024, profiles: 3, available: bytes - 1)
        }
        let refused = StackDistanceMemoryError(sets: 1 << 27, profiles: 1, needed: 1 << 32, available: nil)
        #expect(refused.description == "134217728 sets × 1 CPU: the system refused the 4 GiB the miss-ratio profiler needs")
    }
}
