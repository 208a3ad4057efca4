import Testing
import MTrace
@testable import CacheModels

/// Fills `lines` into a one-set cache in order (hits touch), and returns the slot each used.
private func run(_ cache: inout CacheArray, _ lines: [UInt64]) -> [Int] {
    lines.map { line in
        let hit = cache.lookup(line: line, set: 0)
        if hit >= 0 {
            cache.touch(slot: hit)
            return hit
        }
        let victim = cache.victim(set: 0)
        cache.fill(slot: victim, line: line, state: 1, payload: 0)
        return victim
    }
}

@Suite struct CacheGeometryTests {
    @Test func fromSetsAndFromSize() throws {
        let g = try CacheGeometry(sets: 64, ways: 8, lineSize: 64)
        #expect(g.size == 32768)
        #expect(try CacheGeometry(size: 32768, ways: 8, lineSize: 64) == g)
        #expect(g.lineNumber(of: 0x1040) == 0x41)
        #expect(g.setIndex(ofLine: 0x41) == 1)
        #expect(g.description == "32 KiB, 64 sets × 8 ways × 64 B")
    }

    @Test func rejectsBadShapesNamingTheKey() {
        #expect(throws: GeometryError.self) { try CacheGeometry(sets: 48, ways: 8, lineSize: 64) }
        #expect { try CacheGeometry(sets: 0, ways: 8, lineSize: 64) } throws: { ($0 as? GeometryError)?.key == "sets" }
        #expect { try CacheGeometry(sets: 64, ways: 0, lineSize: 64) } throws: { ($0 as? GeometryError)?.key == "ways" }
        #expect { try CacheGeometry(sets: 64, ways: 8, lineSize: 48) } throws: { ($0 as? GeometryError)?.key == "line_size" }
        #expect { try CacheGeometry(size: 30000, ways: 8, lineSize: 64) } throws: { ($0 as? GeometryError)?.key == "size" }
        #expect { try CacheGeometry(size: 3 * 8 * 64, ways: 8, lineSize: 64) } throws: {
            ($0 as? GeometryError)?.description.contains("not a power of two") == true
        }
    }
}

@Suite struct ReplacementTests {
    func oneSet(_ ways: Int, _ policy: ReplacementKind, seed: UInt64 = 1) throws -> CacheArray {
        try CacheArray(geometry: CacheGeometry(sets: 1, ways: ways, lineSize: 64), replacement: policy, seed: seed)
    }

    @Test func invalidWaysFillFirstInOrder() throws {
        for policy in ReplacementKind.allCases {
            var cache = try oneSet(4, policy)
            defer { cache.deallocate() }
            #expect(run(&cache, [10, 11, 12, 13]) == [0, 1, 2, 3], "\(policy)")
        }
    }

    @Test func lruEvictsLeastRecentlyUsed() throws {
        var cache = try oneSet(4, .lru)
        defer { cache.deallocate() }
        // 10 is touched again, so 11 is the least recently used when 14 arrives.
        #expect(run(&cache, [10, 11, 12, 13, 10, 14]) == [0, 1, 2, 3, 0, 1])
    }

    @Test func fifoIgnoresHits() throws {
        var cache = try oneSet(4, .fifo)
        defer { cache.deallocate() }
        #expect(run(&cache, [10, 11, 12, 13, 10, 14, 15]) == [0, 1, 2, 3, 0, 0, 1])
    }

    @Test func treePLRUFollowsItsBits() throws {
        var cache = try oneSet(4, .plru)
        defer { cache.deallocate() }
        // After touching ways 0,1,2,3 every node points left: the victim is way 0. Touching way 0
        // then points the root right and node 3 left: the next victim is way 2.
        #expect(run(&cache, [10, 11, 12, 13, 14]) == [0, 1, 2, 3, 0])
        #expect(run(&cache, [14, 15]) == [0, 2])
    }

    @Test func plruNeedsPowerOfTwoWays() {
        #expect { try CacheArray(geometry: CacheGeometry(sets: 1, ways: 6, lineSize: 64), replacement: .plru, seed: 1) }
            throws: { ($0 as? GeometryError)?.key == "ways" }
    }

    @Test func randomIsSeededAndInRange() throws {
        func victims(seed: UInt64) throws -> [Int] {
            var cache = try oneSet(8, .random, seed: seed)
            defer { cache.deallocate() }
            return run(&cache, (0..<200).map { UInt64($0) })
        }
        let a = try victims(seed: 7), b = try victims(seed: 7), c = try victims(seed: 8)
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { (0..<8).contains($0) })
        // The victim draw is exactly SplitMix64 mod ways, from the given state.
        var rng = SplitMix64(seed: 7)
        #expect(Array(a[8..<12]) == (0..<4).map { _ in Int(rng.next() % 8) })
    }

    @Test func mruEvictsMostRecentlyUsed() throws {
        var cache = try oneSet(4, .mru)
        defer { cache.deallocate() }
        // 11 is the last one touched before 14 arrives; then 14 is, before 15.
        #expect(run(&cache, [10, 11, 12, 13, 11, 14, 15]) == [0, 1, 2, 3, 1, 1, 1])
    }

    @Test func lfuEvictsLeastFrequentlyUsedLowestWayOnTies() throws {
        var cache = try oneSet(4, .lfu)
        defer { cache.deallocate() }
        // Counts after the hits: 10→3, 11→1, 12→2, 13→1. 14 takes way 1 (count 1, lower than
        // way 3); its count restarts at 1, so 15 takes way 1 again (tie with way 3, lower way).
        #expect(run(&cache, [10, 11, 12, 13, 10, 10, 12, 14, 15]) == [0, 1, 2, 3, 0, 0, 2, 1, 1])
        // A hit raises 15 to 2: now way 3 (13, count 1) is the lowest.
        #expect(run(&cache, [15, 16]) == [1, 3])
    }

    @Test func srripFollowsJaleelEtAl() throws {
        var cache = try oneSet(4, .srrip)
        defer { cache.deallocate() }
        // Fills at RRPV 2: [2 2 2 2]. No way at 3, so all age to 3 and 14 takes way 0 (at 2).
        #expect(run(&cache, [10, 11, 12, 13, 14]) == [0, 1, 2, 3, 0])
        #expect(Array(UnsafeBufferPointer(start: cache.policyState.wayWords, count: 4)) == [2, 3, 3, 3])
        // A hit sets 0 (hit priority); 15 takes the first way at 3, way 2.
        #expect(run(&cache, [11, 15]) == [1, 2])
        #expect(Array(UnsafeBufferPointer(start: cache.policyState.wayWords, count: 4)) == [2, 0, 2, 3])
        // 16: way 3 is at 3. 17: none at 3: all age by 1 and way 0 (the first at 3) goes.
        #expect(run(&cache, [16, 17]) == [3, 0])
        #expect(Array(UnsafeBufferPointer(start: cache.policyState.wayWords, count: 4)) == [2, 1, 3, 3])
    }

    /// BRRIP draws exactly once per fill, into a free way or a full set, from the cache's
    /// stream: `next() % 32 == 0` inserts at 2, anything else at 3. Victims draw nothing.
    @Test func brripDrawsOncePerFill() throws {
        for seed: UInt64 in [1, 7, 0xDEAD_BEEF] {
            var cache = try CacheArray(geometry: CacheGeometry(sets: 2, ways: 4, lineSize: 64), replacement: .brrip, seed: seed)
            defer { cache.deallocate() }
            var rng = SplitMix64(seed: seed)
            var sawLong = false
            for i in 0..<400 {
                let line = UInt64(i * 7 % 23), set = Int(line & 1)
                var slot = cache.lookup(line: line, set: set)
                if slot >= 0 {
                    cache.touch(slot: slot)
                    #expect(cache.policyState.wayWords[slot] == 0)
                    #expect(cache.policyState.random == rng, "a hit draws nothing")
                    continue
                }
                slot = cache.victim(set: set)
                #expect(cache.policyState.random == rng, "a victim search draws nothing")
                cache.fill(slot: slot, line: line, state: 1, payload: 0)
                let expected: UInt64 = rng.next() % 32 == 0 ? 2 : 3
                sawLong = sawLong || expected == 2
                #expect(cache.policyState.wayWords[slot] == expected)
                #expect(cache.policyState.random == rng, "a fill draws once")
            }
            #expect(sawLong || seed != 1)
        }
    }

    @Test func invalidationChangesNoReplacementState() throws {
        for policy in ReplacementKind.allCases {
            var cache = try oneSet(4, policy)
            defer { cache.deallocate() }
            _ = run(&cache, [10, 11, 12, 13, 11, 10])
            let words = Array(UnsafeBufferPointer(start: cache.policyState.wayWords, count: 4))
            let set = cache.policyState.setWords[0], random = cache.policyState.random, tick = cache.policyState.tick
            cache.invalidate(slot: 2)
            #expect(Array(UnsafeBufferPointer(start: cache.policyState.wayWords, count: 4)) == words, "\(policy)")
            #expect(cache.policyState.setWords[0] == set && cache.policyState.random == random && cache.policyState.tick == tick)
            // The invalid way is filled first, whatever the policy.
            #expect(cache.victim(set: 0) == 2, "\(policy)")
        }
    }

    @Test func registryNamesEveryPolicyOnce() {
        let names = ReplacementKind.allCases.map(\.rawValue)
        #expect(names == ["lru", "fifo", "random", "plru", "srrip", "brrip", "lfu", "mru"])
        #expect(Set(names).count == names.count)
        for k in ReplacementKind.allCases {
            #expect(ReplacementKind(rawValue: k.rawValue) == k)
            #expect(!k.summary.isEmpty && !k.summary.contains("\n"))
        }
        #expect(ReplacementKind(rawValue: "lfru") == nil)
        #expect(ReplacementKind.allCases.filter(\.drawsRandomNumbers) == [.random, .brrip])
        #expect(ReplacementKind.plru.supports(ways: 64) && !ReplacementKind.plru.supports(ways: 128))
        #expect(ReplacementKind.srrip.supports(ways: 1024) && ReplacementKind.srrip.supports(ways: 3))
        #expect(ReplacementPolicies.markdownTable().split(separator: "\n").count == 2 + names.count)
    }

    @Test func invalidatedWayNeverMatches() throws {
        var cache = try oneSet(2, .lru)
        defer { cache.deallocate() }
        _ = run(&cache, [5, 6])
        cache.invalidate(slot: 1)
        #expect(cache.lookup(line: 6, set: 0) == -1)
        #expect(cache.lookup(line: 5, set: 0) == 0)
        // An empty way never matches, whatever the line, including the one line number
        // that equals the empty tag.
        var fresh = try oneSet(2, .lru)
        defer { fresh.deallocate() }
        #expect(fresh.lookup(line: 0, set: 0) == -1)
        #expect(fresh.lookup(line: CacheArray.noLine, set: 0) == -1)
        fresh.fill(slot: 1, line: CacheArray.noLine, state: 1, payload: 7)
        #expect(fresh.lookup(line: CacheArray.noLine, set: 0) == 1)
    }

    /// LRU and FIFO against a list model: the obvious implementation of the spec.
    @Test(arguments: [ReplacementKind.lru, .fifo])
    func matchesListModel(policy: ReplacementKind) throws {
        var rng = SplitMix64(seed: 42)
        for ways in [1, 2, 3, 8] {
            var cache = try oneSet(ways, policy)
            defer { cache.deallocate() }
            var order: [UInt64] = []  // front = next victim
            for _ in 0..<2000 {
                let line = rng.next() % UInt64(ways * 2)
                let expectHit = order.contains(line)
                let hit = cache.lookup(line: line, set: 0)
                #expect((hit >= 0) == expectHit)
                if hit >= 0 {
                    cache.touch(slot: hit)
                    if policy == .lru { order.removeAll { $0 == line }; order.append(line) }
                } else {
                    let victim = cache.victim(set: 0)
                    if order.count == ways {
                        #expect(cache.tags[victim] == order.removeFirst())
                    }
                    cache.fill(slot: victim, line: line, state: 1, payload: 0)
                    order.append(line)
                }
            }
        }
    }
}
