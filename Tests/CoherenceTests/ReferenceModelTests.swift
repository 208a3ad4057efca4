// Tests of the reference model: the hand-worked cases of ProtocolTableCases, unit checks of
// its pieces, and cheap self-consistency checks on random traces.

import CacheModels
import Coherence
import MTrace
import Testing

/// "cpu N counter: expected X, got Y" for every counter (spec names) that differs.
func counterDifferences(expected: [CoherenceCounters], actual: [CoherenceCounters]) -> [String] {
    guard expected.count == actual.count else {
        return ["CPU count: expected \(expected.count), got \(actual.count)"]
    }
    var out: [String] = []
    for cpu in expected.indices {
        for field in CoherenceCounters.fields {
            let e = expected[cpu][keyPath: field.value]
            let a = actual[cpu][keyPath: field.value]
            if e != a { out.append("cpu \(cpu) \(field.name): expected \(e), got \(a)") }
        }
    }
    return out
}

/// Differences between two full line lists (records and per-offset detail).
func lineDifferences(expected: [ReferenceLine], actual: [ReferenceLine]) -> [String] {
    var out: [String] = []
    if expected.map(\.address) != actual.map(\.address) {
        out.append("line addresses: expected \(expected.map(\.address)), got \(actual.map(\.address))")
        return out
    }
    for (e, a) in zip(expected, actual) where e != a {
        let label = "line 0x\(String(e.address, radix: 16))"
        if e.readers != a.readers { out.append("\(label) readers: expected \(e.readers), got \(a.readers)") }
        if e.writers != a.writers { out.append("\(label) writers: expected \(e.writers), got \(a.writers)") }
        let pairs: [(String, UInt64, UInt64)] = [
            ("accesses", e.accesses, a.accesses), ("misses", e.misses, a.misses),
            ("transfers", e.transfers, a.transfers), ("invalidations", e.invalidations, a.invalidations),
            ("hitm", e.hitm, a.hitm), ("true_sharing_misses", e.trueSharingMisses, a.trueSharingMisses),
            ("false_sharing_misses", e.falseSharingMisses, a.falseSharingMisses),
        ]
        for (n, x, y) in pairs where x != y { out.append("\(label) \(n): expected \(x), got \(y)") }
        if e.sharing != a.sharing { out.append("\(label) sharing: expected \(e.sharing.rawValue), got \(a.sharing.rawValue)") }
        if e.offsets != a.offsets {
            func show(_ o: [ByteOffsetUse]) -> String { o.map { "\($0.offset):r\($0.readers)w\($0.writers)" }.joined(separator: " ") }
            out.append("\(label) offsets: expected [\(show(e.offsets))], got [\(show(a.offsets))]")
        }
    }
    return out
}

@Suite("Reference model")
struct ReferenceModelTests {

    @Test("hand-worked case", arguments: ProtocolTableCases.all)
    func handWorkedCase(_ c: HandCase) {
        #expect(c.counters.count == c.cpus, "case lists counters for \(c.counters.count) CPUs")
        let model = ReferenceModel.run(c.configuration, c.trace)

        for d in counterDifferences(expected: c.expectedCounters(), actual: model.perCPU) {
            Issue.record("\(c.testDescription): \(d)")
        }
        for cpu in 0..<min(c.cpus, model.perCPU.count) {
            #expect(model.perCPU[cpu].replacementMisses == c.expectedReplacementMisses(cpu: cpu),
                    "\(c.testDescription): cpu \(cpu) replacement_misses")
        }
        for s in c.states {
            let got = model.state(cpu: s.cpu, address: s.address)
            #expect(got == s.state,
                    "\(c.testDescription): cpu \(s.cpu) line 0x\(String(s.address, radix: 16)) state \(got?.rawValue ?? "I"), expected \(s.state?.rawValue ?? "I")")
        }
        if let lines = c.lines {
            for d in lineDifferences(expected: lines, actual: model.lines()) {
                Issue.record("\(c.testDescription): \(d)")
            }
        }
    }

    @Test("every protocol-table row has a case in each of MSI, MESI, MOESI")
    func coverage() {
        for p in coherentProtocols {
            let names = Set(ProtocolTableCases.all.filter { $0.coherence == p }.map(\.name))
            #expect(names.count >= 14, "\(p): only \(names.count) cases")
        }
        #expect(ProtocolTableCases.all.contains { $0.coherence == .none })
        for r in ReplacementKind.allCases {
            #expect(ProtocolTableCases.all.contains { $0.replacement == r })
        }
    }

    @Test("SplitMix64 matches the published first value for seed 0 and the spec's per-CPU seeding")
    func splitMix() {
        var s: UInt64 = 0
        #expect(ReferenceModel.splitMix64(&s) == 0xE220_A839_7B1D_CDAF)
        // CPU c's stream starts at seed + c·golden, so CPU 1's first draw is CPU 0's second.
        var s0: UInt64 = 7
        _ = ReferenceModel.splitMix64(&s0)
        var s1: UInt64 = 7 &+ 1 &* ReferenceModel.golden
        #expect(ReferenceModel.splitMix64(&s0) == ReferenceModel.splitMix64(&s1))
    }

    @Test("line pieces: one per line touched, ascending, with the covered offsets")
    func linePieces() {
        func p(_ a: UInt64, _ size: Int, _ ls: Int) -> [String] {
            ReferenceModel.linePieces(address: a, size: size, lineSize: ls).map { "\($0.line):\($0.offsets.lowerBound)-\($0.offsets.upperBound)" }
        }
        #expect(p(0x0E, 4, 16) == ["0:14-15", "1:0-1"])
        #expect(p(0x10, 16, 16) == ["1:0-15"])
        #expect(p(0x05, 40, 16) == ["0:5-15", "1:0-15", "2:0-12"])
        #expect(p(0x3F, 1, 64) == ["0:63-63"])
        #expect(p(0x0, 4096, 4096) == ["0:0-4095"])
        #expect(p(0x1, 4096, 4096) == ["0:1-4095", "1:0-0"])
        #expect(p(0x7, 1, 1) == ["7:0-0"])
        #expect(p(0x0, 0, 64).isEmpty)
        // clipped at the top of the address space
        #expect(p(UInt64.max - 1, 8, 64) == ["\(UInt64.max / 64):62-63"])
    }

    @Test("sharing classification (docs/semantics.md §6)")
    func classify() {
        func c(_ offsets: [ByteOffsetUse]) -> SharingClass {
            var r = CPUSet(), w = CPUSet()
            for o in offsets { r = r.union(o.readers); w = w.union(o.writers) }
            return ReferenceModel.classify(readers: r, writers: w, offsets: offsets)
        }
        #expect(c([off(0, r: [3], w: [3])]) == .private)
        #expect(c([off(0, r: [0, 1]), off(5, r: [2])]) == .readShared)
        #expect(c([off(0, w: [0]), off(1, w: [1])]) == .falselyShared)
        #expect(c([off(0, r: [0, 1]), off(1, w: [2])]) == .falselyShared)
        #expect(c([off(0, r: [0], w: [0]), off(1, r: [1])]) == .falselyShared)
        #expect(c([off(0, w: [0, 1])]) == .trulyShared)
        #expect(c([off(0, r: [1], w: [0])]) == .trulyShared)
        #expect(c([off(0, r: [0, 1], w: [1])]) == .trulyShared)
    }

    @Test("random traces: counters are self-consistent for every protocol and policy")
    func selfConsistency() throws {
        for p in CoherenceProtocol.allCases {
            for r in ReplacementKind.allCases {
                for (i, shape) in [(1, 4, 16), (4, 2, 64), (2, 1, 8)].enumerated() {
                    let cfg = SimulatorConfiguration(cpus: 4, geometry: try CacheGeometry(sets: shape.0, ways: shape.1, lineSize: shape.2),
                                                     replacement: r, coherence: p, seed: UInt64(i))
                    var gen = ReferenceTraceGenerator(seed: UInt64(100 + i), cpus: 4, lineSize: shape.2, lines: 12)
                    let trace = gen.trace(count: 400)
                    let m = ReferenceModel.run(cfg, trace)
                    let t = m.totals
                    for c in m.perCPU {
                        #expect(c.hits + c.misses == c.accesses)
                        #expect(c.reads + c.writes == c.accesses)
                        #expect(c.atomics <= c.writes)
                        #expect(c.coldMisses + c.coherenceMisses <= c.misses)
                        #expect(c.trueSharingMisses + c.falseSharingMisses == c.coherenceMisses)
                        #expect(c.upgrades <= c.hits)
                        #expect(c.transfers <= c.misses && c.hitm <= c.transfers)
                        if p == .none {
                            #expect(c.coherenceMisses == 0 && c.upgrades == 0 && c.invalidations == 0
                                    && c.transfers == 0 && c.hitm == 0)
                        }
                    }
                    let lines = m.lines()
                    #expect(lines.reduce(0) { $0 + $1.accesses } == t.accesses)
                    #expect(lines.reduce(0) { $0 + $1.misses } == t.misses)
                    #expect(lines.reduce(0) { $0 + $1.transfers } == t.transfers)
                    #expect(lines.reduce(0) { $0 + $1.invalidations } == t.invalidations)
                    #expect(lines.reduce(0) { $0 + $1.hitm } == t.hitm)
                    #expect(lines.reduce(0) { $0 + $1.trueSharingMisses } == t.trueSharingMisses)
                    #expect(lines.reduce(0) { $0 + $1.falseSharingMisses } == t.falseSharingMisses)
                    #expect(lines.map(\.address) == lines.map(\.address).sorted())
                    for l in lines {
                        #expect(l.address % UInt64(shape.2) == 0)
                        #expect(!l.offsets.isEmpty && l.offsets.allSatisfy { $0.offset < shape.2 })
                        var r = CPUSet(), w = CPUSet()
                        for o in l.offsets { r = r.union(o.readers); w = w.union(o.writers) }
                        #expect(r == l.readers && w == l.writers)
                    }
                    // Cold misses: one per (CPU, line) pair that accessed.
                    var pairs = 0
                    for l in lines { pairs += l.readers.union(l.writers).count }
                    #expect(t.coldMisses == UInt64(pairs))
                }
            }
        }
    }

    @Test("the trace generator is deterministic and covers every kind, crossings and whole-cache records")
    func generator() {
        var g1 = ReferenceTraceGenerator(seed: 42, cpus: 8, lineSize: 32, lines: 10)
        var g2 = ReferenceTraceGenerator(seed: 42, cpus: 8, lineSize: 32, lines: 10)
        let t1 = g1.trace(count: 2000)
        #expect(t1 == g2.trace(count: 2000))
        for k in AccessKind.allCases { #expect(t1.contains { $0.kind == k }, "kind \(k)") }
        #expect(t1.contains { $0.kind.isDataAccess && ($0.address % 32) + UInt64($0.size) > 32 })
        #expect(t1.contains { $0.kind == .invalidate && $0.size == 0 })
        #expect(t1.contains { $0.kind == .copyBack && $0.size == 0 })
        #expect(Set(t1.map(\.cpu)).count == 8)
        #expect(t1.allSatisfy { !$0.kind.isDataAccess || (1...maximumAccessSize).contains(Int($0.size)) })
    }
}
