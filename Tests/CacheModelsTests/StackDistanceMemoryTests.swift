import Testing
@testable import CacheModels

/// The sets of a profile live in memory of their own (so that a refused allocation is an
/// error): the profile must still behave as a value, and its size check must be exact.
@Suite struct StackDistanceMemory {
    @Test func aCopyIsIndependent() throws {
        var original = try StackDistanceProfile(sets: 2)
        for line: UInt64 in [1, 2, 3, 1] { original.access(line: line) }
        var copy = original
        for line: UInt64 in [5, 7, 9, 3] { copy.access(line: line) }
        copy.forgetAll()
        copy.access(line: 1)
        // The original saw only its own four accesses: 1 and 3 share set 1, so 1 comes back at distance 1.
        #expect(original.accesses == 4 && original.infiniteDistance == 3 && original.histogram == [0, 1])
        #expect(original.workingSetWays == 2)
        original.access(line: 3)
        #expect(original.histogram == [0, 2])
        #expect(copy.accesses == 9 && copy.infiniteDistance == 3 + 3 + 1)
    }

    @Test func forgetAllEmptiesEverySetInPlace() throws {
        var p = try StackDistanceProfile(sets: 4)
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
