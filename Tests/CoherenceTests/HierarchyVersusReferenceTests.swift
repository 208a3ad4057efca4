// HierarchySimulator against the hierarchy reference model on random traces: every
// protocol × inclusion × one to three data levels, with and without an instruction cache,
// write-back and write-through first levels, one to four CPUs. Every first-level counter,
// line record and transfer, every level's counters per instance, memory traffic and timing
// must match. On a disagreement the trace is shrunk and printed as Swift literals.

import CacheModels
import Coherence
import MTrace
import Testing

/// One random hierarchy: the levels below the first, as (sharing, inclusion).
struct HierarchyShape: Sendable, CustomTestStringConvertible {
    var below: [(LevelSharing, Inclusion)]
    var testDescription: String {
        below.isEmpty ? "L1 only" : "L1 + " + below.map { "\($0.0.rawValue) \($0.1.rawValue)" }.joined(separator: " + ")
    }

    /// Every shape the engine builds with up to three data levels: a private L2 is
    /// non-inclusive or inclusive, a shared level any of the three.
    static let all: [HierarchyShape] = {
        let privateL2: [Inclusion] = [.nonInclusive, .inclusive]
        var out = [HierarchyShape(below: [])]
        for i in privateL2 { out.append(HierarchyShape(below: [(.private, i)])) }
        for i in Inclusion.allCases { out.append(HierarchyShape(below: [(.shared, i)])) }
        for i in privateL2 {
            for j in Inclusion.allCases { out.append(HierarchyShape(below: [(.private, i), (.shared, j)])) }
        }
        for i in Inclusion.allCases {
            for j in Inclusion.allCases { out.append(HierarchyShape(below: [(.shared, i), (.shared, j)])) }
        }
        return out
    }()
}

/// A random configuration of `shape`: small caches so that every level evicts.
func randomHierarchy(_ shape: HierarchyShape, protocol p: CoherenceProtocol, instructionCache: Bool, writeThrough: Bool,
                     seed: UInt64) throws -> HierarchyConfiguration {
    var random = SplitMix64(seed: seed)
    func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    let lineSize = [16, 32][pick(2)]
    let policy: ReplacementKind = pick(2) == 0 ? .lru : .fifo
    let cpus = 1 + pick(4)
    let timed = pick(3) != 0
    func latency(_ base: Int) -> Int { timed ? base + pick(3) : 0 }
    var data = [LevelSettings(name: "L1", geometry: try CacheGeometry(sets: 1 << pick(2), ways: 1 + pick(2), lineSize: lineSize),
                              replacement: policy, writeBack: !writeThrough, writeAllocate: !writeThrough,
                              latency: latency(1))]
    for (n, (sharing, inclusion)) in shape.below.enumerated() {
        let sets = (sharing == .private ? 2 : 4) << pick(2)
        data.append(LevelSettings(name: "L\(n + 2)", geometry: try CacheGeometry(sets: sets, ways: 2 + pick(2), lineSize: lineSize),
                                  replacement: pick(4) == 0 ? (policy == .lru ? .fifo : .lru) : policy,
                                  latency: latency(4 * (n + 2)), sharing: sharing, inclusion: inclusion))
    }
    let icache = instructionCache
        ? LevelSettings(name: "L1i", geometry: try CacheGeometry(sets: 2, ways: 1 + pick(2), lineSize: lineSize),
                        replacement: policy, latency: latency(1))
        : nil
    let settings = HierarchySettings(data: data, instruction: icache, memoryLatency: timed ? 100 + pick(50) : 0,
                                     transferLatency: timed ? 30 + pick(20) : 0, classifiesMisses: true)
    return HierarchyConfiguration(cpus: cpus, hierarchy: settings, coherence: p, seed: seed)
}

/// A random trace without copy-back and invalidate records (the model leaves them out).
func randomHierarchyTrace(_ configuration: HierarchyConfiguration, seed: UInt64, length: Int) -> [Access] {
    let lineSize = configuration.hierarchy.data[0].geometry.lineSize
    let capacity = configuration.hierarchy.data.map { $0.geometry.sets * $0.geometry.ways }.max() ?? 4
    var gen = ReferenceTraceGenerator(seed: seed, cpus: configuration.cpus, lineSize: lineSize, lines: min(capacity + 6, 40))
    var out: [Access] = []
    while out.count < length {
        let a = gen.access()
        if a.kind != .copyBack && a.kind != .invalidate { out.append(a) }
    }
    return out
}

func describe(_ c: HierarchyConfiguration) -> String {
    let h = c.hierarchy
    func level(_ l: LevelSettings) -> String {
        "\(l.name) \(l.geometry.sets)×\(l.geometry.ways) \(l.replacement.rawValue) \(l.sharing.rawValue) \(l.inclusion.rawValue)"
            + (l.writeBack ? "" : " write-through") + (l.writeAllocate ? "" : " no-allocate") + (l.latency > 0 ? " @\(l.latency)" : "")
    }
    return "\(c.cpus) CPUs, \(c.coherence.rawValue), \(h.data[0].geometry.lineSize) B lines, "
        + (h.data + [h.instruction].compactMap { $0 }).map(level).joined(separator: "; ")
        + (h.hasTiming ? ", memory @\(h.memoryLatency), transfer @\(h.transferLatency)" : "")
}

/// The configuration as a Swift expression, to paste into a regression test.
func swiftLiteral(_ c: HierarchyConfiguration) -> String {
    func level(_ l: LevelSettings) -> String {
        "LevelSettings(name: \"\(l.name)\", geometry: try CacheGeometry(sets: \(l.geometry.sets), ways: \(l.geometry.ways), "
            + "lineSize: \(l.geometry.lineSize)), replacement: .\(l.replacement), writeBack: \(l.writeBack), "
            + "writeAllocate: \(l.writeAllocate), latency: \(l.latency), sharing: .\(l.sharing), inclusion: .\(l.inclusion))"
    }
    let h = c.hierarchy
    return "HierarchyConfiguration(cpus: \(c.cpus), hierarchy: HierarchySettings(data: [\(h.data.map(level).joined(separator: ", "))], "
        + "instruction: \(h.instruction.map(level) ?? "nil"), memoryLatency: \(h.memoryLatency), "
        + "transferLatency: \(h.transferLatency), classifiesMisses: \(h.classifiesMisses)), coherence: .\(c.coherence))"
}

/// Every way the engine disagrees with the reference model on this trace (empty: agreement).
func hierarchyDisagreements(_ configuration: HierarchyConfiguration, _ trace: [Access], batches: [Int] = [Int.max],
                            quirks: HierarchyReferenceModel.Quirks = knownEngineQuirks) -> [String] {
    let model = HierarchyReferenceModel.run(configuration, trace, quirks: quirks)
    let sim: HierarchySimulator
    do {
        sim = try HierarchySimulator(configuration)
        var start = 0
        var b = 0
        while start < trace.count {
            let n = min(max(batches[b % batches.count], 1), trace.count - start)
            try trace[start..<(start + n)].withUnsafeBufferPointer { try sim.consume($0) }
            start += n
            b += 1
        }
    } catch {
        return ["engine threw: \(error)"]
    }
    let result = sim.finish()
    var out = counterDifferences(expected: model.perCPU, actual: result.simulation.cpus).map { "first level: \($0)" }
    if model.transferMatrix != result.simulation.transferMatrix {
        out.append("transfer matrix: expected \(model.transferMatrix), got \(result.simulation.transferMatrix)")
    }
    out += lineDifferences(expected: model.lines(), actual: engineLines(result.simulation))
    func compare(_ name: String, _ e: LevelCounters, _ a: LevelCounters) {
        for (f, g) in zip(e.fields, a.fields) where f.value != g.value {
            out.append("\(name) \(f.name): expected \(f.value), got \(g.value)")
        }
    }
    if result.levels.count != model.data.count {
        out.append("levels: expected \(model.data.count), got \(result.levels.count)")
    } else {
        for (l, level) in result.levels.enumerated() {
            if level.instances.count != model.data[l].count {
                out.append("\(level.name) instances: expected \(model.data[l].count), got \(level.instances.count)")
                continue
            }
            for (i, counters) in level.instances.enumerated() {
                compare("\(level.name)[\(i)]", model.data[l][i].counters, counters)
            }
        }
    }
    switch (result.instruction, configuration.hierarchy.instruction) {
    case (nil, nil): break
    case let (r?, _?):
        if r.instances.count != model.instruction.count {
            out.append("L1i instances: expected \(model.instruction.count), got \(r.instances.count)")
        } else {
            for (i, counters) in r.instances.enumerated() { compare("L1i[\(i)]", model.instruction[i].counters, counters) }
        }
    default: out.append("instruction cache results: expected \(configuration.hierarchy.instruction != nil)")
    }
    let traffic = sim.memoryTraffic
    if traffic.reads != model.memoryReads { out.append("memory reads: expected \(model.memoryReads), got \(traffic.reads)") }
    if traffic.writes != model.memoryWrites { out.append("memory writes: expected \(model.memoryWrites), got \(traffic.writes)") }
    if configuration.hierarchy.hasTiming {
        if let t = result.timing {
            if t.cycles != model.cycles { out.append("cycles: expected \(model.cycles), got \(t.cycles)") }
            if t.lineAccesses != model.lineAccesses {
                out.append("timed line accesses: expected \(model.lineAccesses), got \(t.lineAccesses)")
            }
            for (i, line) in result.simulation.lines.enumerated() {
                let L = line.address / UInt64(model.lineSize)
                let expected = model.lineCycles[L] ?? 0
                if i < t.lineCycles.count && t.lineCycles[i] != expected {
                    out.append("line 0x\(String(line.address, radix: 16)) stall cycles: expected \(expected), got \(t.lineCycles[i])")
                }
            }
        } else {
            out.append("no timing from the engine")
        }
    } else if result.timing != nil {
        out.append("timing without latencies")
    }
    return out
}

/// The known engine bugs the random-trace comparison imitates (each has its own test below).
let knownEngineQuirks: HierarchyReferenceModel.Quirks = [.uncountedBackInvalidationWriteback, .transferReadsMemoryWithoutSharedLevel,
                                                              .bypassingStoreFetchesFromSharedLevels]

/// Greedy delta debugging: drop chunks while the engine still disagrees in the same way
/// (the first difference names the same counter).
func shrinkHierarchyTrace(_ configuration: HierarchyConfiguration, _ trace: [Access]) -> [Access] {
    func signature(_ d: [String]) -> String? { d.first.map { String($0.prefix { $0 != ":" }) } }
    let target = signature(hierarchyDisagreements(configuration, trace))
    var t = trace
    var chunk = max(t.count / 2, 1)
    while chunk >= 1 {
        var i = 0
        var removed = false
        while i < t.count {
            var candidate = t
            candidate.removeSubrange(i..<min(i + chunk, t.count))
            let d = hierarchyDisagreements(configuration, candidate)
            if !d.isEmpty && signature(d) == target {
                t = candidate
                removed = true
            } else {
                i += chunk
            }
        }
        if !removed { chunk /= 2 }
    }
    // Then make long accesses shorter, from either end.
    var changed = true
    while changed {
        changed = false
        for i in t.indices where t[i].size > 1 {
            let a = t[i]
            let half = Int(a.size) / 2
            for candidate in [Access(cpu: Int(a.cpu), kind: a.kind, address: a.address, size: half),
                              Access(cpu: Int(a.cpu), kind: a.kind, address: a.address + UInt64(Int(a.size) - half), size: half)] {
                var u = t
                u[i] = candidate
                let d = hierarchyDisagreements(configuration, u)
                if !d.isEmpty && signature(d) == target {
                    t = u
                    changed = true
                    break
                }
            }
        }
    }
    return t
}

/// Records one issue per failing trace: the first differences and the shrunk trace.
func checkHierarchy(_ configuration: HierarchyConfiguration, _ trace: [Access], batches: [Int] = [Int.max],
                    sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let diffs = hierarchyDisagreements(configuration, trace, batches: batches)
    if diffs.isEmpty { return true }
    let small = shrinkHierarchyTrace(configuration, trace)
    Issue.record("""
        hierarchy engine disagrees with the reference (\(describe(configuration))), \(trace.count) accesses:
          \(diffs.prefix(6).joined(separator: "\n  "))
        minimal trace (\(small.count) accesses): [\(small.map(swiftLiteral).joined(separator: ", "))]
        configuration: \(swiftLiteral(configuration))
          \(hierarchyDisagreements(configuration, small).prefix(10).joined(separator: "\n  "))
        """, sourceLocation: sourceLocation)
    return false
}

/// Whether the model's readings for this configuration are settled against the engine.
/// Exclusive levels (where a moved-up line's dirtiness and victim fills go), instruction
/// caches beside private levels (copies held for fetches only) and inclusive shared levels
/// (fetches of promised whole-line stores) still disagree on some traces in ways §8 does not
/// decide; those comparisons run and report, as known issues.
func settled(_ h: HierarchyConfiguration) -> Bool {
    (h.hierarchy.instruction == nil || h.hierarchy.privateLevels == 1)
        && !h.hierarchy.data.contains { $0.inclusion == .exclusive || ($0.sharing == .shared && $0.inclusion == .inclusive) }
}

func privateLevel(_ name: String, sets: Int, ways: Int, lineSize: Int, _ replacement: ReplacementKind = .lru,
                  writeThrough: Bool = false) throws -> LevelSettings {
    LevelSettings(name: name, geometry: try CacheGeometry(sets: sets, ways: ways, lineSize: lineSize), replacement: replacement,
                  writeBack: !writeThrough, writeAllocate: !writeThrough)
}

func sharedLevel(_ name: String, sets: Int, ways: Int, lineSize: Int, _ replacement: ReplacementKind = .lru,
                 inclusion: Inclusion) throws -> LevelSettings {
    LevelSettings(name: name, geometry: try CacheGeometry(sets: sets, ways: ways, lineSize: lineSize), replacement: replacement,
                  sharing: .shared, inclusion: inclusion)
}

@Suite("Hierarchy engine versus reference")
struct HierarchyVersusReferenceTests {
    @Test("random traces", arguments: HierarchyShape.all)
    func randomTraces(_ shape: HierarchyShape) throws {
        var failures = 0
        for (pi, p) in CoherenceProtocol.allCases.enumerated() {
            for instructionCache in [false, true] {
                for writeThrough in [false, true] {
                    for t in 0..<8 {
                        let seed = UInt64(t * 1_000 + pi * 100 + (instructionCache ? 10 : 0) + (writeThrough ? 1 : 0))
                        let h = try randomHierarchy(shape, protocol: p, instructionCache: instructionCache,
                                                    writeThrough: writeThrough, seed: seed &* 0x9E37_79B9 &+ 17)
                        let trace = randomHierarchyTrace(h, seed: seed, length: 250)
                        if settled(h) {
                            if !checkHierarchy(h, trace, batches: [7, 64, 1]) { failures += 1 }
                        } else {
                            withKnownIssue("a reading of docs/semantics.md §8 not yet settled", isIntermittent: true) {
                                if !checkHierarchy(h, trace, batches: [7, 64, 1]) { failures += 1 }
                            }
                        }
                        if failures >= 2 { return }
                    }
                }
            }
        }
    }

    /// An inclusive level that evicts a line whose only dirty copy was above writes it below
    /// (memory sees it) but does not count it in `writebacks`, although §8 says the dirty copy
    /// above "makes the writeback of the evicted line dirty".
    @Test("known engine bug: a writeback made dirty by a back-invalidation is not counted")
    func uncountedBackInvalidationWriteback() throws {
        let h = HierarchyConfiguration(cpus: 2, hierarchy: HierarchySettings(data: [
            try privateLevel("L1", sets: 2, ways: 2, lineSize: 32), try sharedLevel("L2", sets: 8, ways: 3, lineSize: 32, inclusion: .inclusive),
        ], classifiesMisses: true), coherence: .none)
        // Four stores to lines of one L2 set: the fourth evicts the first, dirty in CPU 0's L1.
        let trace: [Access] = [.w(0, 0x100260, 4), .w(0, 0x10007e, 2), .w(1, 0x100169, 8), .w(1, 0x100370, 8)]
        #expect(hierarchyDisagreements(h, trace, quirks: .uncountedBackInvalidationWriteback).isEmpty)
        withKnownIssue("L2 writebacks: 3 counted, 4 dirty lines written below") {
            let d = hierarchyDisagreements(h, trace, quirks: [])
            #expect(d.isEmpty, "\(d)")
        }
    }

    /// With only private levels, a miss that a peer serves is read from memory too and costs
    /// the memory latency, although §8 says "the data comes from the supplier" and costs
    /// `coherence.transfer_latency`. With a shared level the engine gets it right.
    @Test("known engine bug: without a shared level a transfer also reads memory",
          arguments: [CoherenceProtocol.msi, .mesi, .moesi])
    func transferReadsMemory(_ p: CoherenceProtocol) throws {
        let h = HierarchyConfiguration(cpus: 2, hierarchy: HierarchySettings(
            data: [try privateLevel("L1", sets: 1, ways: 2, lineSize: 16, .fifo), try privateLevel("L2", sets: 2, ways: 3, lineSize: 16, .fifo)],
            memoryLatency: 100, transferLatency: 40, classifiesMisses: true), coherence: p)
        // CPU 1 writes line 0x100080; CPU 0's load of it is a transfer (a hitm).
        let trace: [Access] = [.w(1, 0x100087, 4), .r(0, 0x100088, 4)]
        #expect(hierarchyDisagreements(h, trace, quirks: .transferReadsMemoryWithoutSharedLevel).isEmpty)
        withKnownIssue("memory reads 2 instead of 1; CPU 0 pays the memory latency, not the transfer latency") {
            let d = hierarchyDisagreements(h, trace, quirks: [])
            #expect(d.isEmpty, "\(d)")
        }
    }

    /// A store that a write-through, no-write-allocate first level passes down, and that a
    /// peer serves (a transfer is counted): the private L2 that allocates the line fetches it
    /// from the shared level anyway, although §8 says the shared levels are not asked.
    @Test("known engine bug: a store bypassing L1 fetches from the shared level despite a transfer")
    func bypassingStoreAsksTheSharedLevel() throws {
        let h = HierarchyConfiguration(cpus: 2, hierarchy: HierarchySettings(data: [
            try privateLevel("L1", sets: 2, ways: 2, lineSize: 32, .fifo, writeThrough: true),
            try privateLevel("L2", sets: 2, ways: 3, lineSize: 32, .fifo),
            try sharedLevel("L3", sets: 4, ways: 2, lineSize: 32, .fifo, inclusion: .nonInclusive),
        ], classifiesMisses: true), coherence: .msi)
        let trace: [Access] = [.r(0, 0x100050, 64), .w(1, 0x100072, 57)]
        #expect(hierarchyDisagreements(h, trace, quirks: .bypassingStoreFetchesFromSharedLevels).isEmpty)
        withKnownIssue("L3 reads: 5 instead of the documented 4") {
            let d = hierarchyDisagreements(h, trace, quirks: [])
            #expect(d.isEmpty, "\(d)")
        }
    }

    /// A write-through first level never holds a dirty line (§8: only a store at a write-back
    /// level marks the line dirty), so it can have no writebacks; above an exclusive level
    /// the engine counts one and sends an extra write down.
    @Test("known engine bug: a write-through first level above an exclusive level counts a writeback")
    func writeThroughWritebackAboveExclusive() throws {
        let h = HierarchyConfiguration(cpus: 1, hierarchy: HierarchySettings(data: [
            try privateLevel("L1", sets: 1, ways: 1, lineSize: 16, writeThrough: true),
            try sharedLevel("L2", sets: 4, ways: 3, lineSize: 16, inclusion: .exclusive),
        ], classifiesMisses: true), coherence: .none)
        let trace: [Access] = [.r(0, 0x100061, 1), .w(0, 0x100065, 1), .r(0, 0x1000d0, 1), .r(0, 0x100063, 1)]
        let r = try runHierarchy(h, trace)
        withKnownIssue("L1 writebacks 1") {
            #expect(r.levels[0].total.writebacks == 0)
        }
    }
}
