import CacheModels
import Coherence
import MTrace
import Testing

/// Runs `trace` through a hierarchy simulator in batches of the given sizes (cycled).
func runHierarchy(_ configuration: HierarchyConfiguration, _ trace: [Access], batches: [Int] = [Int.max]) throws
    -> HierarchyResult {
    let sim = try HierarchySimulator(configuration)
    var start = 0
    var b = 0
    while start < trace.count {
        let n = min(max(batches[b % batches.count], 1), trace.count - start)
        try trace[start..<(start + n)].withUnsafeBufferPointer { try sim.consume($0) }
        start += n
        b += 1
    }
    return sim.finish()
}

/// A level of the random hierarchies below.
func level(_ name: String, sets: Int, ways: Int, lineSize: Int, _ replacement: ReplacementKind = .lru,
           sharing: LevelSharing = .private, inclusion: Inclusion = .nonInclusive,
           writeThrough: Bool = false) throws -> LevelSettings {
    LevelSettings(name: name, geometry: try CacheGeometry(sets: sets, ways: ways, lineSize: lineSize), replacement: replacement,
                  writeBack: !writeThrough, writeAllocate: !writeThrough, sharing: sharing, inclusion: inclusion)
}

@Suite("Hierarchy engine")
struct HierarchyEngineTests {
    /// With one private level and nothing below, the hierarchy engine is the single-level
    /// engine: every per-CPU counter, the transfer matrix and every line record agree.
    @Test("one private level equals the single-level engine", arguments: engineShapes)
    func oneLevelEqualsTheSingleLevelEngine(_ shape: Shape) throws {
        for p in CoherenceProtocol.allCases {
            for policy in [ReplacementKind.lru, .fifo, .random, .srrip] where policy.supports(ways: shape.ways) {
                let seed = UInt64(shape.cpus * 7_919 + shape.sets)
                var gen = shape.generator(seed: seed)
                let trace = gen.trace(count: shape.length)
                let first = try level("L1", sets: shape.sets, ways: shape.ways, lineSize: shape.lineSize, policy)
                let h = HierarchyConfiguration(cpus: shape.cpus, hierarchy: HierarchySettings(data: [first]), coherence: p,
                                               seed: seed, checkInvariants: true)
                let fast = try runEngine(h.firstLevel, trace)
                let general = try runHierarchy(h, trace, batches: [5, 64])
                let what = "\(shape.testDescription), \(p), \(policy)"
                for d in counterDifferences(expected: fast.cpus, actual: general.simulation.cpus) { Issue.record("\(what): \(d)") }
                #expect(general.simulation.transferMatrix == fast.transferMatrix, "\(what)")
                for d in lineDifferences(expected: engineLines(fast), actual: engineLines(general.simulation)) {
                    Issue.record("\(what): \(d)")
                }
                #expect(general.levels[0].total.misses == fast.totals.misses, "\(what)")
            }
        }
    }

    /// One CPU, protocol none: the engine's levels count as CacheHierarchy's, which equals
    /// Dinero IV (CacheModelsTests), on random hierarchies and traces.
    @Test("one CPU counts as the Dinero-exact CacheHierarchy", arguments: 0..<40)
    func oneCPUEqualsCacheHierarchy(_ seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed) &* 31 &+ 7)
        let lineSize = [16, 32, 64][Int(random.next() % 3)]
        let policy: ReplacementKind = random.next() % 2 == 0 ? .lru : .fifo
        var data = [try level("L1", sets: 1 << Int(random.next() % 3), ways: 1 + Int(random.next() % 3), lineSize: lineSize,
                              policy, writeThrough: random.next() % 3 == 0)]
        for n in 0..<Int(random.next() % 3) {
            data.append(try level("L\(n + 2)", sets: 2 << Int(random.next() % 3), ways: 2 + Int(random.next() % 4),
                                  lineSize: lineSize, policy))
        }
        let instruction = random.next() % 2 == 0
            ? try level("L1i", sets: 2, ways: 2, lineSize: lineSize, policy) : nil
        let settings = HierarchySettings(data: data, instruction: instruction, classifiesMisses: seed % 2 == 0)
        var gen = ReferenceTraceGenerator(seed: UInt64(seed), cpus: 1, lineSize: lineSize, lines: 40)
        let trace = gen.trace(count: 600)
        let result = try runHierarchy(HierarchyConfiguration(cpus: 1, hierarchy: settings, coherence: .none), trace)
        var plain = try CacheHierarchy(settings, seed: 1)
        defer { plain.deallocate() }
        for a in trace { plain.access(a) }
        plain.finish()
        #expect(result.levels.map(\.total) == plain.dataCounters, "seed \(seed)")
        #expect(result.instruction?.total == plain.instructionCounters, "seed \(seed)")
    }

    /// Random multi-CPU hierarchies of every shape the engine builds: the protocol's
    /// invariants and the inclusion promises hold after every access (--check).
    @Test("invariants hold on random hierarchies", arguments: CoherenceProtocol.allCases)
    func invariantsHold(_ p: CoherenceProtocol) throws {
        for seed in 0..<40 {
            var random = SplitMix64(seed: UInt64(seed) &+ 1000)
            let cpus = 1 + Int(random.next() % 4)
            let policy = [ReplacementKind.lru, .fifo, .random, .plru][Int(random.next() % 4)]
            var data = [try level("L1", sets: 2, ways: 2, lineSize: 32, policy, writeThrough: random.next() % 4 == 0)]
            let privateLevels = Int(random.next() % 2)
            for n in 0..<privateLevels {
                data.append(try level("L\(n + 2)", sets: 4, ways: 2, lineSize: 32, policy,
                                      inclusion: random.next() % 2 == 0 ? .inclusive : .nonInclusive))
            }
            for n in 0..<Int(random.next() % 3) {
                data.append(try level("L\(data.count + 1)", sets: 4 << n, ways: 4, lineSize: 32, policy, sharing: .shared,
                                      inclusion: Inclusion.allCases[Int(random.next() % 3)]))
            }
            let instruction = random.next() % 3 == 0 ? try level("L1i", sets: 2, ways: 2, lineSize: 32, policy) : nil
            let h = HierarchyConfiguration(cpus: cpus, hierarchy: HierarchySettings(data: data, instruction: instruction,
                                                                                    classifiesMisses: seed % 2 == 1),
                                           coherence: p, seed: UInt64(seed), checkInvariants: true)
            var gen = ReferenceTraceGenerator(seed: UInt64(seed), cpus: cpus, lineSize: 32, lines: 48)
            let trace = gen.trace(count: 800)
            do {
                let r = try runHierarchy(h, trace, batches: [3, 50])
                #expect(r.simulation.totals.accesses > 0)
            } catch {
                Issue.record("seed \(seed), \(cpus) CPUs, \(data.map { "\($0.name) \($0.sharing) \($0.inclusion)" }): \(error)")
            }
        }
    }
}
