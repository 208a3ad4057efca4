import Testing
@testable import CacheModels
import MTrace

/// Stack distances by the definition: an explicit LRU list per set, searched linearly.
private struct NaiveStacks {
    var stacks: [[UInt64]]
    var histogram: [UInt64] = []
    var infinite: UInt64 = 0
    init(sets: Int) { stacks = Array(repeating: [], count: sets) }
    mutating func access(_ line: UInt64) {
        let s = Int(line % UInt64(stacks.count))
        if let d = stacks[s].firstIndex(of: line) {
            while histogram.count <= d { histogram.append(0) }
            histogram[d] += 1
            stacks[s].remove(at: d)
        } else {
            infinite += 1
        }
        stacks[s].insert(line, at: 0)
    }
}

@Suite struct StackDistances {
    @Test func handWorked() throws {
        let p = try StackDistanceProfile(sets: 1)
        // a b c a b b d a: distances ∞ ∞ ∞ 2 2 0 ∞ 2 (b twice since the last a counts once).
        for line: UInt64 in [1, 2, 3, 1, 2, 2, 4, 1] { p.access(line: line) }
        #expect(p.infiniteDistance == 4)
        #expect(p.histogram == [1, 0, 3])
        #expect(p.misses(ways: 1) == 7 && p.misses(ways: 2) == 7 && p.misses(ways: 3) == 4 && p.misses(ways: 9) == 4)
        #expect(p.missCurve(maximumWays: 5) == [7, 7, 4, 4, 4])
        #expect(p.saturatingWays == 3 && p.workingSetWays == 4)
        p.forgetAll()
        p.access(line: 1)
        #expect(p.infiniteDistance == 5)
    }

    @Test(arguments: [1, 4, 64]) func agreesWithTheDefinition(sets: Int) throws {
        var random = SplitMix64(seed: UInt64(sets))
        let fast = try StackDistanceProfile(sets: sets)
        var naive = NaiveStacks(sets: sets)
        // Skewed reuse over 3000 lines, long enough that every set is renumbered many times.
        for _ in 0..<40_000 {
            let r = random.next()
            let line = r & 1 == 0 ? (r >> 8) % 64 : (r >> 8) % 3000
            fast.access(line: line)
            naive.access(line)
        }
        #expect(fast.infiniteDistance == naive.infinite)
        #expect(fast.histogram == naive.histogram)
        #expect(fast.accesses == 40_000)
    }
}
