// The fast engine (CoherenceSimulator) against the reference model and the hand-worked
// cases: every per-CPU counter and every line record (with per-offset detail) must match
// exactly. On a disagreement the trace is shrunk to a minimal one and printed as Swift
// literals that paste straight into ProtocolTableCases.

import CacheModels
import Coherence
import Foundation
import MTrace
import Testing

/// Runs `trace` through the engine, in batches of the given sizes (cycled), so that batch
/// boundaries fall everywhere.
func runEngine(_ configuration: SimulatorConfiguration, _ trace: [Access], batches: [Int] = [Int.max]) throws -> SimulationResult {
    let sim = try CoherenceSimulator(configuration)
    var start = 0
    var b = 0
    while start < trace.count {
        let n = min(max(batches[b % batches.count], 1), trace.count - start)
        try trace[start..<(start + n)].withUnsafeBufferPointer { try sim.consume($0) }
        start += n
        b += 1
    }
    return try sim.result()
}

/// The engine's line records as reference records, ascending by address.
func engineLines(_ r: SimulationResult) -> [ReferenceLine] {
    r.linesByAddress().map { i in
        let s = r.lines[i]
        return ReferenceLine(address: s.address, readers: s.readers, writers: s.writers, accesses: s.accesses,
                             misses: s.misses, transfers: s.transfers, invalidations: s.invalidations, hitm: s.hitm,
                             trueSharingMisses: s.trueSharingMisses, falseSharingMisses: s.falseSharingMisses,
                             sharing: s.sharing, offsets: r.offsets(ofLine: i))
    }
}

/// Every way the engine disagrees with the reference on this trace (empty: agreement).
func engineDisagreements(_ configuration: SimulatorConfiguration, _ trace: [Access], batches: [Int] = [Int.max]) -> [String] {
    let reference = ReferenceModel.run(configuration, trace)
    let result: SimulationResult
    do {
        result = try runEngine(configuration, trace, batches: batches)
    } catch {
        return ["engine threw: \(error)"]
    }
    var out = counterDifferences(expected: reference.perCPU, actual: result.cpus).map { "reference vs engine: \($0)" }
    if result.totals != reference.totals { out.append("totals differ") }
    out += lineDifferences(expected: reference.lines(), actual: engineLines(result)).map { "reference vs engine: \($0)" }
    // Lines are documented to come in order of first touch.
    var firstTouch: [UInt64] = []
    var seen: Set<UInt64> = []
    for a in trace where a.kind.isDataAccess {
        for p in ReferenceModel.linePieces(address: a.address, size: Int(a.size), lineSize: configuration.geometry.lineSize)
        where seen.insert(p.line).inserted {
            firstTouch.append(p.line * UInt64(configuration.geometry.lineSize))
        }
    }
    if result.lines.map(\.address) != firstTouch { out.append("engine lines are not in order of first touch") }
    return out
}

/// Greedy delta debugging: drop chunks (halves, quarters, … single accesses) while the
/// engine still disagrees.
func shrink(_ configuration: SimulatorConfiguration, _ trace: [Access]) -> [Access] {
    var t = trace
    var chunk = max(t.count / 2, 1)
    while chunk >= 1 {
        var i = 0
        var removed = false
        while i < t.count {
            var candidate = t
            candidate.removeSubrange(i..<min(i + chunk, t.count))
            if !engineDisagreements(configuration, candidate).isEmpty {
                t = candidate
                removed = true
            } else {
                i += chunk
            }
        }
        if !removed { chunk /= 2 }
    }
    return t
}

func swiftLiteral(_ a: Access) -> String {
    let op: String
    switch a.kind {
    case .load: op = "r"
    case .store: op = "w"
    case .atomic: op = "a"
    case .fetch: op = "f"
    case .copyBack: op = "cb"
    case .invalidate: op = "inv"
    }
    return ".\(op)(\(a.cpu), 0x\(String(a.address, radix: 16)), \(a.size))"
}

func describe(_ c: SimulatorConfiguration) -> String {
    "cpus \(c.cpus), \(c.geometry.sets) sets × \(c.geometry.ways) ways × \(c.geometry.lineSize) B, \(c.coherence.rawValue), \(c.replacement.rawValue), seed \(c.seed)"
}

/// Records one issue per failing trace: the first differences and the shrunk trace.
func checkEngine(_ configuration: SimulatorConfiguration, _ trace: [Access], batches: [Int] = [Int.max],
                 sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let diffs = engineDisagreements(configuration, trace, batches: batches)
    if diffs.isEmpty { return true }
    let small = shrink(configuration, trace)
    let smallDiffs = engineDisagreements(configuration, small)
    Issue.record("""
        engine disagrees with the reference (\(describe(configuration))), \(trace.count) accesses:
          \(diffs.prefix(8).joined(separator: "\n  "))
        minimal trace (\(small.count) accesses): [\(small.map(swiftLiteral).joined(separator: ", "))]
          \(smallDiffs.prefix(12).joined(separator: "\n  "))
        """, sourceLocation: sourceLocation)
    return false
}

struct Shape: Sendable, CustomTestStringConvertible {
    var cpus: Int
    var sets: Int
    var ways: Int
    var lineSize: Int
    var traces: Int
    var length: Int
    var lineStride = 1
    var base: UInt64 = 0x10_0000
    var testDescription: String {
        "\(cpus) CPUs, \(sets)×\(ways)×\(lineSize) B" + (lineStride > 1 ? ", stride \(lineStride) lines" : "")
            + (base != 0x10_0000 ? ", base 0x\(String(base, radix: 16))" : "")
    }
    func generator(seed: UInt64, lines: Int? = nil) -> ReferenceTraceGenerator {
        ReferenceTraceGenerator(seed: seed, cpus: cpus, lineSize: lineSize, lines: lines ?? workingSetLines,
                                base: base, lineStride: lineStride)
    }
    /// Working set: about twice the capacity of one cache, so lines are both shared and evicted.
    var workingSetLines: Int { min(2 * sets * ways + 3, 64) }
}

let engineShapes: [Shape] = [
    Shape(cpus: 4, sets: 1, ways: 4, lineSize: 16, traces: 3, length: 400),      // fully associative
    Shape(cpus: 8, sets: 4, ways: 2, lineSize: 64, traces: 3, length: 400),
    Shape(cpus: 3, sets: 2, ways: 1, lineSize: 8, traces: 3, length: 400),       // direct mapped
    Shape(cpus: 9, sets: 8, ways: 8, lineSize: 32, traces: 2, length: 500),
    Shape(cpus: 2, sets: 1, ways: 2, lineSize: 4096, traces: 2, length: 200),    // page-sized lines
    Shape(cpus: 5, sets: 2, ways: 3, lineSize: 2, traces: 2, length: 300),       // 3 ways (no plru), tiny lines
    Shape(cpus: 64, sets: 4, ways: 2, lineSize: 64, traces: 1, length: 600),     // every CPU
    Shape(cpus: 4, sets: 16, ways: 2, lineSize: 64, traces: 1, length: 400, lineStride: 16),  // all in one set
    Shape(cpus: 6, sets: 1024, ways: 1, lineSize: 16, traces: 1, length: 400, lineStride: 97,
          base: 0xFFFF_FFFF_FF00_0000),                                          // spread sets, high addresses
]

@Suite("Engine versus reference")
struct EngineVersusReferenceTests {

    @Test("hand-worked cases through the engine", arguments: ProtocolTableCases.all)
    func handWorked(_ c: HandCase) throws {
        let r = try runEngine(c.configuration, c.trace)
        for d in counterDifferences(expected: c.expectedCounters(), actual: r.cpus) {
            Issue.record("\(c.testDescription): hand vs engine: \(d)")
        }
        for cpu in 0..<min(c.cpus, r.cpus.count) {
            #expect(r.cpus[cpu].replacementMisses == c.expectedReplacementMisses(cpu: cpu),
                    "\(c.testDescription): cpu \(cpu) replacement_misses")
        }
        if let lines = c.lines {
            for d in lineDifferences(expected: lines, actual: engineLines(r)) {
                Issue.record("\(c.testDescription): hand vs engine: \(d)")
            }
        }
    }

    @Test("random traces: every protocol × every policy", arguments: engineShapes)
    func randomTraces(_ shape: Shape) throws {
        var failures = 0
        for p in CoherenceProtocol.allCases {
            for policy in ReplacementKind.allCases {
                if !policy.supports(ways: shape.ways) { continue }
                for t in 0..<shape.traces {
                    let seed = UInt64(shape.cpus * 1_000_003 + shape.lineSize * 7919 + t)
                    var gen = shape.generator(seed: seed)
                    let trace = gen.trace(count: shape.length)
                    let cfg = SimulatorConfiguration(
                        cpus: shape.cpus,
                        geometry: try CacheGeometry(sets: shape.sets, ways: shape.ways, lineSize: shape.lineSize),
                        replacement: policy, coherence: p, seed: seed ^ 0x5EED, checkInvariants: t == 0)
                    // Odd batch sizes put batch boundaries everywhere, including inside runs of one CPU.
                    if !checkEngine(cfg, trace, batches: [1, 7, 64, 3]) { failures += 1 }
                    if failures >= 3 { return }   // enough evidence; keep the log readable
                }
            }
        }
    }

    /// A long soak for hunting rare disagreements, off by default:
    /// `MTLAB_REFERENCE_SOAK=<traces per configuration> swift test --filter soak`.
    @Test("soak: many more random traces (MTLAB_REFERENCE_SOAK)",
          .enabled(if: ProcessInfo.processInfo.environment["MTLAB_REFERENCE_SOAK"] != nil))
    func soak() throws {
        let perConfiguration = Int(ProcessInfo.processInfo.environment["MTLAB_REFERENCE_SOAK"] ?? "") ?? 20
        var failures = 0
        for shape in engineShapes {
            for p in CoherenceProtocol.allCases {
                for policy in ReplacementKind.allCases {
                    if !policy.supports(ways: shape.ways) { continue }
                    for t in 0..<perConfiguration {
                        let seed = 0xDEAD_0000 &+ UInt64(t) &* 7_777 &+ UInt64(shape.cpus * 131 + shape.lineSize)
                        var gen = shape.generator(seed: seed, lines: t % 2 == 0 ? nil : 3 + t % 7)
                        let cfg = SimulatorConfiguration(
                            cpus: shape.cpus,
                            geometry: try CacheGeometry(sets: shape.sets, ways: shape.ways, lineSize: shape.lineSize),
                            replacement: policy, coherence: p, seed: seed)
                        if !checkEngine(cfg, gen.trace(count: shape.length), batches: [13, 1, 500]) { failures += 1 }
                        if failures >= 5 { return }
                    }
                }
            }
        }
    }

    @Test("the random traces exercise every counter and every sharing class")
    func randomTraceCoverage() throws {
        for p in CoherenceProtocol.allCases {
            var totals = CoherenceCounters()
            var classes: Set<String> = []
            for shape in engineShapes where shape.cpus <= 9 {
                var gen = shape.generator(seed: UInt64(shape.cpus * 1_000_003 + shape.lineSize * 7919))
                let cfg = SimulatorConfiguration(
                    cpus: shape.cpus, geometry: try CacheGeometry(sets: shape.sets, ways: shape.ways, lineSize: shape.lineSize),
                    replacement: .lru, coherence: p)
                let m = ReferenceModel.run(cfg, gen.trace(count: shape.length))
                totals += m.totals
                for l in m.lines() { classes.insert(l.sharing.rawValue) }
            }
            for field in CoherenceCounters.fields {
                let coherenceOnly = ["coherence_misses", "true_sharing_misses", "false_sharing_misses", "upgrades",
                                     "invalidations", "transfers", "hitm"].contains(field.name)
                if p == .none && coherenceOnly {
                    #expect(totals[keyPath: field.value] == 0, "\(p) \(field.name)")
                } else {
                    #expect(totals[keyPath: field.value] > 0, "\(p) \(field.name) never happens in the random traces")
                }
            }
            #expect(classes.count == SharingClass.allCases.count, "\(p): sharing classes seen \(classes)")
        }
    }

    @Test("a result taken mid-run matches the reference at that point, and the run goes on")
    func midRunResult() throws {
        let cfg = SimulatorConfiguration(cpus: 4, geometry: try CacheGeometry(sets: 2, ways: 2, lineSize: 32),
                                         replacement: .lru, coherence: .moesi, seed: 3)
        var gen = ReferenceTraceGenerator(seed: 99, cpus: 4, lineSize: 32, lines: 10)
        let trace = gen.trace(count: 600)
        let sim = try CoherenceSimulator(cfg)
        var model = ReferenceModel(configuration: cfg)
        for half in [trace[..<300], trace[300...]] {
            try half.withUnsafeBufferPointer { try sim.consume($0) }
            for a in half { model.apply(a) }
            let r = try sim.result()
            #expect(counterDifferences(expected: model.perCPU, actual: r.cpus).isEmpty)
            #expect(lineDifferences(expected: model.lines(), actual: engineLines(r)).isEmpty)
        }
    }

    @Test("edge cases: the last byte of the address space, extreme seeds, maximum sizes")
    func edges() throws {
        let top = UInt64.max
        let trace: [Access] = [
            .r(0, top - 3, 4), .w(1, top, 1), .a(0, top - 70, 71), .r(1, top - 4095, 4096),
            .cb(1, top - 63, 64), .inv(0, top - 200, 201), .r(0, top - 8, 9), .w(1, 0, 4096), .r(0, 4095, 2),
        ]
        for p in CoherenceProtocol.allCases {
            for policy in ReplacementKind.allCases {
                // The seed only matters to policies that draw (random, brrip).
                for seed in policy.drawsRandomNumbers ? [0, UInt64.max, 0x9E37_79B9_7F4A_7C15] : [1] {
                    for (sets, ways, lineSize) in [(1, 2, 64), (2, 1, 4096), (4, 4, 2)] {
                        let cfg = SimulatorConfiguration(cpus: 2, geometry: try CacheGeometry(sets: sets, ways: ways, lineSize: lineSize),
                                                         replacement: policy, coherence: p, seed: seed)
                        _ = checkEngine(cfg, trace + trace)
                    }
                }
            }
        }
        // Random replacement and BRRIP under extreme seeds, every CPU drawing.
        for seed in [0, UInt64.max] {
            for policy in ReplacementKind.allCases where policy.drawsRandomNumbers {
                var gen = ReferenceTraceGenerator(seed: seed, cpus: 64, lineSize: 8, lines: 40)
                let cfg = SimulatorConfiguration(cpus: 64, geometry: try CacheGeometry(sets: 2, ways: 4, lineSize: 8),
                                                 replacement: policy, coherence: .moesi, seed: seed)
                _ = checkEngine(cfg, gen.trace(count: 500))
            }
        }
    }

    /// With 1-byte lines the byte 0xFFFF_FFFF_FFFF_FFFF is line number UInt64.max: the line
    /// table must not mistake it for an empty hash slot, nor the caches for an empty way.
    /// (Found by `edges`; it once crashed the engine.)
    @Test("the last line number of the address space (1-byte lines)")
    func lastLineNumber() throws {
        let minimal = SimulatorConfiguration(cpus: 1, geometry: try CacheGeometry(sets: 1, ways: 1, lineSize: 1),
                                             coherence: .none)
        _ = checkEngine(minimal, [.r(0, UInt64.max, 1)])
        let twoCPUs = SimulatorConfiguration(cpus: 2, geometry: try CacheGeometry(sets: 1, ways: 1, lineSize: 1),
                                             coherence: .msi)
        _ = checkEngine(twoCPUs, [.r(0, UInt64.max, 1), .r(1, UInt64.max, 1)])
        let top = UInt64.max
        let trace: [Access] = [.r(0, top - 3, 4), .w(1, top, 1), .a(0, top - 70, 71), .r(1, top - 4095, 4096),
                               .cb(1, top - 63, 64), .inv(0, top - 200, 201), .w(1, 0, 4096)]
        for p in CoherenceProtocol.allCases {
            let cfg = SimulatorConfiguration(cpus: 2, geometry: try CacheGeometry(sets: 4, ways: 4, lineSize: 1),
                                             coherence: p)
            _ = checkEngine(cfg, trace)
        }
    }

    @Test("plru with a number of ways that is not a power of two is refused")
    func plruWays() throws {
        let g = try CacheGeometry(sets: 2, ways: 3, lineSize: 32)
        #expect(throws: (any Error).self) {
            _ = try CoherenceSimulator(SimulatorConfiguration(cpus: 1, geometry: g, replacement: .plru))
        }
    }
}
