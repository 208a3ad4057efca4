import Testing
import CacheModels
import MTrace
@testable import Coherence

private func simulate(_ accesses: [Access], _ config: SimulatorConfiguration) throws -> SimulationResult {
    let sim = try CoherenceSimulator(config)
    try accesses.withUnsafeBufferPointer { try sim.consume($0) }
    return try sim.result()
}

private func geometry(sets: Int = 4, ways: Int = 2, line: Int = 64) -> CacheGeometry {
    try! CacheGeometry(sets: sets, ways: ways, lineSize: line)
}

@Suite struct EngineTests {
    /// docs/semantics.md §2 (the synthetic reference trace): Dinero IV's demand misses for the SplitMix64 trace.
    @Test(arguments: [(ReplacementKind.lru, UInt64(389_934)), (.fifo, 434_368)])
    func agreesWithDineroIV(policy: ReplacementKind, misses: UInt64) throws {
        var source = SyntheticReferenceTrace(references: 1_000_000)
        let sim = try CoherenceSimulator(SimulatorConfiguration(
            cpus: 1, geometry: CacheGeometry(size: 32768, ways: 8, lineSize: 64), replacement: policy, coherence: .none))
        try pump(&source, into: sim)
        let result = try sim.result()
        let totals = result.totals
        #expect(totals.misses == misses)
        #expect(totals.accesses == 1_000_000)
        // Per-line records are kept apart from the per-CPU counters: they must agree.
        #expect(result.lines.reduce(0) { $0 + $1.misses } == misses)
        #expect(totals.coldMisses == UInt64(result.lines.count), "one cold miss per distinct line")
    }

    /// The checker re-derives every line's holders from the caches after every line access.
    @Test(arguments: CoherenceProtocol.allCases)
    func invariantHoldsOnRandomTraces(coherence: CoherenceProtocol) throws {
        var rng = SplitMix64(seed: 99)
        for replacement in ReplacementKind.allCases {
            let accesses = (0..<3000).map { _ -> Access in
                let r = rng.next()
                let kind: AccessKind = [.load, .store, .atomic, .load][Int(r & 3)]
                return Access(cpu: Int(r >> 8 % 6) % 6, kind: kind, address: (r >> 16) % 2048, size: Int(r >> 40 % 16) % 16 + 1)
            }
            let config = SimulatorConfiguration(cpus: 6, geometry: geometry(), replacement: replacement,
                                                coherence: coherence, checkInvariants: true)
            let result = try simulate(accesses, config)
            let t = result.totals
            #expect(result.lines.reduce(0) { $0 + $1.misses } == t.misses)
            #expect(t.coldMisses == UInt64(result.lines.reduce(0) { $0 + $1.cpus.count }),
                    "one cold miss per CPU and line it touched")
            #expect(t.trueSharingMisses + t.falseSharingMisses == t.coherenceMisses)
            #expect(t.coldMisses + t.coherenceMisses <= t.misses)
            #expect(result.lines.reduce(0) { $0 + $1.accesses } == t.accesses)
            if coherence == .none {
                #expect(t.coherenceMisses == 0 && t.invalidations == 0 && t.transfers == 0 && t.hitm == 0)
            }
        }
    }

    @Test func lineCrossingAccessTouchesEveryLineInOrder() throws {
        let r = try simulate([Access(cpu: 0, kind: .store, address: 60, size: 10)],
                             SimulatorConfiguration(cpus: 1, geometry: geometry()))
        #expect(r.totals.accesses == 2 && r.totals.writes == 2 && r.totals.coldMisses == 2)
        #expect(r.lines.map(\.address) == [0, 64])
        #expect(r.offsets(ofLine: 0).map(\.offset) == [60, 61, 62, 63])
        #expect(r.offsets(ofLine: 1).map(\.offset) == Array(0...5))
    }

    @Test func wideLinesKeepByteMasksExact() throws {
        let g = geometry(sets: 2, ways: 2, line: 256)
        let r = try simulate([
            Access(cpu: 0, kind: .store, address: 200, size: 8),
            Access(cpu: 1, kind: .store, address: 0, size: 8),
            Access(cpu: 0, kind: .load, address: 200, size: 8),  // cpu 1 wrote other bytes: false sharing
        ], SimulatorConfiguration(cpus: 2, geometry: g, coherence: .msi))
        #expect(r.totals.coherenceMisses == 1 && r.totals.falseSharingMisses == 1)
        #expect(r.lines[0].sharing == .falselyShared)
        #expect(r.offsets(ofLine: 0).first { $0.offset == 200 }?.writers == CPUSet([0]))
    }

    @Test func sixtyFourCPUs() throws {
        let accesses = (0..<64).map { Access(cpu: $0, kind: .store, address: UInt64($0), size: 1) }
        let r = try simulate(accesses, SimulatorConfiguration(cpus: 64, geometry: geometry(), coherence: .mesi, checkInvariants: true))
        #expect(r.totals.invalidations == 63)
        #expect(r.lines[0].writers.count == 64)
        #expect(r.lines[0].sharing == .falselyShared)
    }

    @Test func rejectsImpossibleInput() throws {
        #expect { try CoherenceSimulator(SimulatorConfiguration(cpus: 65, geometry: geometry())) } throws: {
            ($0 as? ConfigurationError)?.key == "system.cpus"
        }
        #expect { try simulate([Access(cpu: 2, kind: .load, address: 0)], SimulatorConfiguration(cpus: 2, geometry: geometry())) }
            throws: { "\($0)".contains("cpu 2") && "\($0)".contains("system.cpus is 2") }
        #expect(throws: AccessError.self) {
            try simulate([Access(cpu: 0, kind: .load, address: 0, size: 0)], SimulatorConfiguration(cpus: 1, geometry: geometry()))
        }
        #expect(throws: AccessError.self) {
            try simulate([Access(cpu: 0, kind: .load, address: .max, size: 2)], SimulatorConfiguration(cpus: 1, geometry: geometry()))
        }
    }

    @Test func hottestLinesRankByMovementThenAccessesThenAddress() throws {
        let r = try simulate([
            Access(cpu: 0, kind: .store, address: 0), Access(cpu: 1, kind: .store, address: 0),
            Access(cpu: 0, kind: .load, address: 128), Access(cpu: 0, kind: .load, address: 128),
            Access(cpu: 0, kind: .load, address: 64),
        ], SimulatorConfiguration(cpus: 2, geometry: geometry(), coherence: .mesi))
        #expect(r.hottestLines(3).map { r.lines[$0].address } == [0, 128, 64])
        #expect(r.linesByAddress().map { r.lines[$0].address } == [0, 64, 128])
    }

    /// `finish()` hands the line table over without a copy; it must give exactly what
    /// `result()` copies, for one-word and wider byte masks, lines of one CPU and shared ones.
    @Test(arguments: [32, 64, 256])
    func finishGivesWhatResultCopies(lineSize: Int) throws {
        var rng = SplitMix64(seed: UInt64(lineSize))
        let accesses = (0..<20_000).map { _ in
            let cpu = Int(rng.next() % 4)
            let kind: AccessKind = rng.next() % 3 == 0 ? .store : .load
            switch rng.next() % 3 {
            case 0:  // anywhere in a shared region
                return Access(cpu: cpu, kind: kind, address: rng.next() % 4000 * 8, size: 1 + Int(rng.next() % 16))
            case 1:  // the CPU's own region
                return Access(cpu: cpu, kind: kind, address: 0x10_0000 * UInt64(cpu + 1) + rng.next() % 4000 * 8, size: 8)
            default:  // the CPU's own 4 bytes of a shared line
                return Access(cpu: cpu, kind: kind, address: 0x80_0000 + rng.next() % 50 * 256 + UInt64(cpu) * 4, size: 4)
            }
        }
        let sim = try CoherenceSimulator(SimulatorConfiguration(cpus: 4, geometry: geometry(line: lineSize), coherence: .moesi))
        try accesses.withUnsafeBufferPointer { try sim.consume($0) }
        let copied = try sim.result()
        let finished = sim.finish()
        #expect(finished.cpus == copied.cpus)
        #expect(finished.lines.count == copied.lines.count && copied.lines.count > 100)
        #expect(Array(finished.lines) == Array(copied.lines))
        #expect(finished.lines.indices.allSatisfy { finished.offsets(ofLine: $0) == copied.offsets(ofLine: $0) })
        let classes = Set(copied.lines.map(\.sharing))
        #expect(classes.isSuperset(of: [.private, .falselyShared, .trulyShared]), "\(classes)")
    }

    /// The heap that picks the hottest lines against a full sort, for every size of top
    /// list, on lines with many ties in movement and accesses.
    @Test func hottestLinesAgreeWithAFullSort() throws {
        var rng = SplitMix64(seed: 0x407)
        let accesses = (0..<6000).map { _ in
            Access(cpu: Int(rng.next() % 4), kind: rng.next() % 3 == 0 ? .store : .load, address: rng.next() % 300 * 64 + rng.next() % 64)
        }
        let r = try simulate(accesses, SimulatorConfiguration(cpus: 4, geometry: geometry(), coherence: .mesi))
        let sorted = r.lines.indices.sorted { i, j in
            let a = r.lines[i], b = r.lines[j]
            if a.transfers + a.invalidations != b.transfers + b.invalidations {
                return a.transfers + a.invalidations > b.transfers + b.invalidations
            }
            return a.accesses != b.accesses ? a.accesses > b.accesses : a.address < b.address
        }
        #expect(r.lines.count == 300)
        for k in [0, 1, 2, 7, 10, 50, 74, 75, 76, 100, 299, 300, 1000] {
            #expect(r.hottestLines(k) == Array(sorted.prefix(k)), "top \(k)")
        }
    }
}

@Suite struct LineTableGrowthTests {
    /// Thousands of lines make the line table rehash several times, moving records under
    /// the caches' feet; every counter and line record must still match the reference,
    /// with small caches so that stale ways (which keep record indices) abound.
    @Test(arguments: [CoherenceProtocol.none, .mesi, .moesi])
    func rehashesKeepEveryRecord(coherence: CoherenceProtocol) throws {
        var generator = ReferenceTraceGenerator(seed: 0x6A6, cpus: 4, lineSize: 32, lines: 5000)
        let trace = generator.trace(count: 20_000)
        let configuration = SimulatorConfiguration(cpus: 4, geometry: try CacheGeometry(sets: 16, ways: 2, lineSize: 32),
                                                   coherence: coherence)
        _ = checkEngine(configuration, trace, batches: [997])
        #expect(Set(trace.map { $0.address >> 5 }).count > 3000)
    }

    /// Enough lines that records, snoop filter and detail blocks outgrow the small-allocation
    /// limit and then grow as mappings moved page by page (`LargeAllocation.grow`); each
    /// line is written by one CPU and read by the next, so every line has a detail block.
    @Test func mappedTablesGrowWithoutLosingARecord() throws {
        let lines = 90_000, cpus = 16
        var trace: [Access] = []
        trace.reserveCapacity(3 * lines)
        for k in 0..<lines {
            let address = UInt64(k) * 64 + UInt64(k % 61)
            trace.append(Access(cpu: k % cpus, kind: .store, address: address, size: 1 + k % 3))
            trace.append(Access(cpu: (k + 1) % cpus, kind: .load, address: address, size: 1))
            // A later touch of an older line, so records are found again after each growth.
            trace.append(Access(cpu: (k + 2) % cpus, kind: .load, address: UInt64(k / 2) * 64, size: 2))
        }
        let configuration = SimulatorConfiguration(cpus: cpus, geometry: try CacheGeometry(sets: 64, ways: 4, lineSize: 64),
                                                   coherence: .mesi)
        #expect(checkEngine(configuration, trace, batches: [4096]))
    }

    /// Hash slots keep 32 bits of a line's hash, not the line: lines whose fingerprints
    /// match and whose probes start at the same slot must still be told apart.
    @Test func linesWithTheSameFingerprintAndSlotStayApart() throws {
        // fingerprint(line) = high half of line × m; slot = top 11 bits of line × g (2048 slots).
        let m: UInt64 = 0xC2B2_AE3D_27D4_EB4F, g: UInt64 = 0x9E37_79B9_7F4A_7C15
        var inverse: UInt64 = 1  // m⁻¹ mod 2⁶⁴ by Newton's iteration
        for _ in 0..<6 { inverse = inverse &* (2 &- m &* inverse) }
        let first: UInt64 = 0x1234
        let product = first &* m
        var lines = [first]
        var k: UInt64 = 1
        while lines.count < 6 {
            // Same high half as first × m, as long as the low half does not carry.
            let line = (product &+ k) &* inverse
            if (line &* g) >> 53 == (first &* g) >> 53 { lines.append(line) }
            k &+= 1
        }
        #expect(Set(lines.map(LineSlot.fingerprint(of:))).count == 1 && Set(lines.map { ($0 &* g) >> 53 }).count == 1)
        // One-byte lines, so that any 64-bit line number is an address.
        var rng = SplitMix64(seed: 0xF1)
        let trace = (0..<3000).map { _ in
            Access(cpu: Int(rng.next() % 3), kind: rng.next() % 2 == 0 ? .store : .load,
                   address: lines[Int(rng.next() % 6)], size: 1)
        }
        let configuration = SimulatorConfiguration(cpus: 3, geometry: try CacheGeometry(sets: 2, ways: 2, lineSize: 1),
                                                   coherence: .mesi)
        #expect(checkEngine(configuration, trace))
    }
}

@Suite struct CounterArithmeticTests {
    /// `+=` sums exactly the stored counters that `fields` names: a counter added to the
    /// struct but not to `fields` would be missing from reports and sums, and fails here.
    @Test func everyStoredCounterIsNamedAndSummed() {
        let storedProperties = Mirror(reflecting: CoherenceCounters()).children.count
        #expect(CoherenceCounters.stored.count == storedProperties)
        var a = CoherenceCounters(), b = CoherenceCounters()
        for (i, field) in CoherenceCounters.stored.enumerated() {
            a[keyPath: field] = UInt64(100 + i)
            b[keyPath: field] = UInt64(1_000 * (i + 1))
        }
        let sum = a + b
        for (i, field) in CoherenceCounters.stored.enumerated() {
            #expect(sum[keyPath: field] == UInt64(100 + i + 1_000 * (i + 1)))
        }
    }
}
