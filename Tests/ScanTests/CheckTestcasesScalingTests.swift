import Foundation
import MTrace
import Testing
@testable import Scan

/// `--check-testcases` against a reference that pairs every two accesses (the analysis as
/// first written, quadratic in the accesses), and its scaling with many pcs on few bytes.
@Suite struct CheckTestcasesScalingTests {
    struct Side: Hashable, Comparable {
        var cpu: Int
        var pc: UInt64
        var write: Bool
        static func < (a: Side, b: Side) -> Bool { (a.cpu, a.pc, a.write ? 1 : 0) < (b.cpu, b.pc, b.write ? 1 : 0) }
    }

    struct Row: Equatable {
        var a: Side
        var b: Side
        var start: UInt64
        var end: UInt64
        var label: String?
        var pairs: UInt64
    }

    struct Generated {
        var log = SpecLog()
        /// Each side's accesses (start, end), as the window holds them.
        var accesses: [Side: Set<[UInt64]>] = [:]
        var labels: [(UInt64, UInt64, String)] = []
    }

    /// A window of random accesses by four CPUs to a few lines, from a small pool of pcs
    /// (so that several pcs often make the same accesses), with some labeled objects.
    func randomWindow(seed: UInt64, count: Int, lineSize: UInt64?) -> Generated {
        var random = SplitMix64(seed: seed)
        var g = Generated()
        g.log.machine(cpus: 4)
        g.log.enable("w")
        for i in 0..<3 {
            let base = 0x1000 + UInt64(i) * 24
            g.log.label("obj\(i)", at: base, bytes: 16)
            g.labels.append((base, base + 16, "obj\(i)"))
        }
        let pcs: [UInt64] = (0..<6).map { 0x400 + $0 * 4 }
        for _ in 0..<count {
            let cpu = Int(random.next() % 4)
            let address = 0x1000 + random.next() % 96
            let size = UInt64([1, 2, 4, 8][Int(random.next() % 4)])
            let write = random.next() % 3 == 0
            let pc = pcs[Int(random.next() % UInt64(pcs.count))]
            if write {
                g.log.store(cpu: cpu, address, UInt8(size), pc: pc)
            } else {
                g.log.load(cpu: cpu, address, UInt8(size), pc: pc)
            }
            var start = address, end = address + size
            if let lineSize {
                start = start / lineSize * lineSize
                end = (end - 1) / lineSize * lineSize + lineSize
            }
            g.accesses[Side(cpu: cpu, pc: pc, write: write), default: []].insert([start, end])
        }
        g.log.disable()
        return g
    }

    /// The reference: every pair of distinct accesses of different CPUs that overlap, one
    /// writing, gathered per pair of sides (first overlap in (start, end, side) order).
    func reference(_ g: Generated) -> [Row] {
        func label(_ address: UInt64) -> String? {
            // The innermost (here: the only) object holding the address.
            g.labels.first { address >= $0.0 && address < $0.1 }.map { address == $0.0 ? $0.2 : "\($0.2)+0x\(String(address - $0.0, radix: 16))" }
        }
        var items: [(side: Side, start: UInt64, end: UInt64)] = []
        for (side, set) in g.accesses { for i in set { items.append((side, i[0], i[1])) } }
        items.sort { ($0.start, $0.end, $0.side) < ($1.start, $1.end, $1.side) }
        var found: [[Side]: Int] = [:]
        var rows: [Row] = []
        for (index, item) in items.enumerated() {
            for j in 0..<index where items[j].end > item.start {
                let other = items[j]
                guard other.side.cpu != item.side.cpu, other.side.write || item.side.write else { continue }
                let (a, b) = other.side < item.side ? (other.side, item.side) : (item.side, other.side)
                if let k = found[[a, b]] {
                    rows[k].pairs += 1
                } else {
                    found[[a, b]] = rows.count
                    rows.append(Row(a: a, b: b, start: item.start, end: min(item.end, other.end), label: label(item.start), pairs: 1))
                }
            }
        }
        return rows.sorted { ($0.start, $0.a, $0.b) < ($1.start, $1.a, $1.b) }
    }

    private func side(_ json: [String: Any]) -> (Side, Int) {
        let pc = UInt64(json.string("pc")!.dropFirst(2), radix: 16)!
        return (Side(cpu: json.int("cpu")!, pc: pc, write: json.string("access") == "write"), json.int("pcs") ?? 1)
    }

    @Test func matchesThePairwiseReferenceClassByClass() throws {
        var multiPCClasses = 0
        for seed in UInt64(1)...40 {
            for lineSize: UInt64? in [nil, 64] {
                let g = randomWindow(seed: seed, count: Int(seed % 4 == 0 ? 400 : 60), lineSize: lineSize)
                let (json, _) = try scan(g.log) {
                    $0.analyses = [.checkTestcases]
                    if lineSize != nil { $0.granularity = .line }
                }
                let window = json.list("testcases")[0]
                #expect(window.int("accesses") == g.accesses.values.reduce(0) { $0 + $1.count })
                let shared = window.list("shared")

                // Classes: the sides of one CPU and kind with the same accesses; the lowest pc names one.
                var classOf: [Side: Side] = [:], size: [Side: Int] = [:]
                let grouped = Dictionary(grouping: g.accesses.keys) {
                    [$0.cpu, $0.write ? 1 : 0] + g.accesses[$0]!.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0.map(Int.init) }
                }
                for members in grouped.values {
                    let lowest = members.min()!
                    for m in members { classOf[m] = lowest }
                    size[lowest] = members.count
                    if members.count > 1 { multiPCClasses += 1 }
                }
                // The reference's rows, gathered by class pair: one row each, as the report has.
                var expected: [Row] = []
                var index: [[Side]: Int] = [:]
                for row in reference(g) {
                    let key = [classOf[row.a]!, classOf[row.b]!]
                    if let k = index[key] {
                        #expect(expected[k].start == row.start && expected[k].end == row.end && expected[k].label == row.label,
                                "every pc pair of two classes first overlaps at the same place")
                        expected[k].pairs += row.pairs
                    } else {
                        index[key] = expected.count
                        expected.append(Row(a: key[0], b: key[1], start: row.start, end: row.end, label: row.label, pairs: row.pairs))
                    }
                }
                expected.sort { ($0.start, $0.a, $0.b) < ($1.start, $1.a, $1.b) }
                let got = shared.map { c -> Row in
                    let (a, aPCs) = side(c.dict("a")), (b, bPCs) = side(c.dict("b"))
                    #expect(aPCs == size[a] && bPCs == size[b])
                    let start = UInt64(c.string("address")!.dropFirst(2), radix: 16)!
                    return Row(a: a, b: b, start: start, end: start + UInt64(c.int("bytes")!),
                               label: c.string("label"), pairs: UInt64(c.int("pairs")!))
                }
                #expect(got == expected, "seed \(seed), line size \(String(describing: lineSize))")
                #expect(window.bool("conflict-free") == expected.isEmpty)
            }
        }
        // The windows exercise both singleton and shared classes.
        #expect(multiPCClasses > 50)
    }

    /// `pcs` accesses from distinct pcs to the same 8 bytes: pc i on CPU i mod 8, writing
    /// in alternate rounds of the CPUs.
    static func samePlaceLog(pcs: Int) -> SpecLog {
        var log = SpecLog()
        log.machine(cpus: 8)
        log.enable("same-bytes")
        for i in 0..<pcs {
            let pc = 0x10_0000 + UInt64(i) * 4
            if (i / 8) % 2 == 0 { log.store(cpu: i % 8, 0x2000, pc: pc) } else { log.load(cpu: i % 8, 0x2000, pc: pc) }
        }
        log.disable()
        return log
    }

    @Test(arguments: [8_000, 32_000])
    func manyPCsOnTheSameBytesMakeFewRows(pcs: Int) throws {
        let start = Date()
        let (json, text) = try scan(Self.samePlaceLog(pcs: pcs)) { $0.analyses = [.checkTestcases] }
        let shared = json.list("testcases")[0].list("shared")
        // 8 CPUs × (reads, writes) make 16 classes of pcs/16 pcs; the pairs of different
        // CPUs with a writer: 28 CPU pairs × (write-write, write-read, read-write).
        #expect(shared.count == 84)
        let perClass = UInt64(pcs / 16)
        #expect(shared.allSatisfy { $0.int("pairs").map(UInt64.init) == perClass * perClass })
        #expect(shared.allSatisfy { $0.dict("a").int("pcs") == pcs / 16 && $0.dict("b").int("pcs") == pcs / 16 })
        #expect(shared.reduce(0) { $0 + $1.int("pairs")! } == 84 * pcs * pcs / 256)
        let first = shared[0]
        #expect(first.string("address") == "0x2000" && first.int("bytes") == 8)
        #expect(first.dict("a").int("cpu") == 0 && first.dict("a").string("pc") == "0x100000")
        #expect(first.dict("a").string("access") == "write")
        #expect(text.contains("cpu0 write 0x100000 and \(pcs / 16 - 1) more pcs"))
        // A debug build; the pairwise analysis took 47 s (release) for 8,000.
        #expect(Date().timeIntervalSince(start) < 30)
    }
}
