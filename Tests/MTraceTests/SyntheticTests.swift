import Foundation
import Testing
@testable import MTrace

@Suite struct SplitMix64Tests {
    @Test func knownValuesFromSeedZero() {
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
        #expect(random.state == 3 &* 0x9E37_79B9_7F4A_7C15)
    }

    @Test func outputDependsOnlyOnState() {
        var a = SplitMix64(seed: 0x5EED)
        _ = a.next()
        var b = SplitMix64(seed: a.state)
        #expect(a.next() == b.next())
    }

    @Test func servesAsRandomNumberGenerator() {
        var a = SplitMix64(seed: 7)
        var b = SplitMix64(seed: 7)
        let draws = (0..<100).map { _ in Int.random(in: 0..<10, using: &a) }
        #expect(draws == (0..<100).map { _ in Int.random(in: 0..<10, using: &b) })
        #expect(Set(draws).count > 1)
    }
}

/// The spec's generator written out again from its formulas, independently of the library.
private struct SpecReference {
    var state: UInt64
    var seq: UInt64 = 0
    var k: UInt64 = 0

    mutating func draw() -> UInt64 {
        state = state &+ 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    mutating func reference() -> (write: Bool, address: UInt64) {
        let r = draw()
        let pct = (r >> 32) % 100
        let write = (r & 0xFF) < 77
        if pct < 45 { return (write, 0x10000000 + 4 * (draw() % 6144)) }
        if pct < 75 {
            let address = 0x20000000 + 4 * seq
            seq += 1
            if seq == 2_097_152 { seq = 0 }
            return (write, address)
        }
        if pct < 90 { return (write, 0x30000000 + 4 * (draw() % 65536)) }
        if pct < 95 {
            let address = 0x50000000 + 4096 * (k % 12)
            k += 1
            return (write, address)
        }
        return (write, 0x40000000 + 4 * (draw() % 16_777_216))
    }
}

@Suite struct SyntheticReferenceTraceTests {
    @Test func followsTheSpecification() throws {
        var reference = SpecReference(state: 0x5EED)
        var trace = SyntheticReferenceTrace(references: 5000)
        let accesses = try readAll(&trace, batchSize: 77)
        #expect(accesses.count == 5000)
        for access in accesses {
            let (write, address) = reference.reference()
            #expect(access == Access(cpu: 0, kind: write ? .store : .load, address: address, size: 4))
        }
        // Every component shows up in 5000 references.
        let regions = Set(accesses.map { $0.address >> 28 })
        #expect(regions == [1, 2, 3, 4, 5])
    }

    @Test func firstReferencesFromTheDefaultSeed() {
        var reference = SpecReference(state: 0x5EED)
        var trace = SyntheticReferenceTrace(references: 3)
        #expect(trace.seed == 0x5EED)
        for _ in 0..<3 {
            let expected = reference.reference()
            let access = trace.next()
            #expect(access?.address == expected.address)
            #expect(access?.kind == (expected.write ? .store : .load))
        }
        #expect(trace.next() == nil)
        #expect(trace.issued == 3)
    }

    @Test func cpusIssueInTurn() throws {
        var single = SyntheticReferenceTrace(references: 10, seed: 42)
        var shared = SyntheticReferenceTrace(references: 10, seed: 42, cpus: 3)
        let one = try readAll(&single)
        let three = try readAll(&shared)
        #expect(three.map(\.cpu) == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
        #expect(three.map(\.address) == one.map(\.address))
        #expect(three.map(\.kind) == one.map(\.kind))
    }

    @Test func writesTraditionalDin() throws {
        try withTemporaryDirectory { folder throws in
            for name in ["synthetic.din", "synthetic.din.gz"] {
                let path = folder + "/" + name
                try SyntheticReferenceTrace.writeDin(path: path, references: 1000, seed: 9)
                var trace = SyntheticReferenceTrace(references: 1000, seed: 9)
                let expected = try readAll(&trace)
                #expect(try readDin(path) == expected)
                if !name.hasSuffix(".gz") {
                    let lines = String(decoding: try readBytes(path), as: UTF8.self).split(separator: "\n")
                    #expect(lines.count == 1000)
                    for (line, access) in zip(lines, expected) {
                        #expect(line == "\(access.kind == .store ? 1 : 0) \(String(access.address, radix: 16))")
                    }
                }
            }
            #expect(try filesIn(folder) == ["synthetic.din", "synthetic.din.gz"])
        }
    }
}
