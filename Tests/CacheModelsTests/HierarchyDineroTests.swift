import CacheModels
import MTrace
import Testing

/// One CPU, non-inclusive levels: every level's demand references, misses and 3C split equal
/// Dinero IV's (version 7, built from its public sources) on the same traces. The expected
/// numbers were printed by Dinero with the options beside each case; `HierarchyTraceFiles`
/// writes the traces as din files to run it again.
@Suite struct HierarchyMatchesDinero {
    /// Per level: reads, writes, instruction fetches, their misses, then compulsory,
    /// capacity and conflict misses, as Dinero's Read/Write/Instrn columns and ccc rows give them.
    typealias Expected = [Int]

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let fetchTrace: Bool
        /// Data levels nearest first: size, ways, write-through + no-write-allocate.
        let data: [(size: Int, ways: Int, writeThrough: Bool)]
        let instruction: (size: Int, ways: Int)?
        let replacement: ReplacementKind
        /// Instruction cache first (when there is one), then the data levels.
        let expected: [Expected]
        var testDescription: String { name }
    }

    static let k = 1024
    static let cases: [Case] = [
        // -l1-dsize 32k -l1-dassoc 8 -l2-usize 256k -l2-uassoc 16, block 64, -lN-Xrepl l, -lN-Xccc
        Case(name: "reference, 2 levels, lru", fetchTrace: false, data: [(32 * k, 8, false), (256 * k, 16, false)],
             instruction: nil, replacement: .lru,
             expected: [[139776, 60224, 0, 54835, 23645, 0, 18303, 45312, 14865],
                        [78480, 33947, 0, 28768, 0, 0, 18303, 9501, 964]]),
        Case(name: "reference, 2 levels, fifo", fetchTrace: false, data: [(32 * k, 8, false), (256 * k, 16, false)],
             instruction: nil, replacement: .fifo,
             expected: [[139776, 60224, 0, 61073, 26264, 0, 18303, 51017, 18017],
                        [87337, 38031, 0, 32007, 1109, 0, 18303, 10403, 4410]]),
        // 16k 4-way, 128k 8-way, 1m 16-way
        Case(name: "reference, 3 levels, lru", fetchTrace: false,
             data: [(16 * k, 4, false), (128 * k, 8, false), (1024 * k, 16, false)], instruction: nil, replacement: .lru,
             expected: [[139776, 60224, 0, 74663, 32102, 0, 18303, 73559, 14903],
                        [106765, 41180, 0, 36820, 0, 0, 18303, 17362, 1155],
                        [36820, 15434, 0, 18323, 253, 0, 18303, 236, 37]]),
        Case(name: "reference, 3 levels, fifo", fetchTrace: false,
             data: [(16 * k, 4, false), (128 * k, 8, false), (1024 * k, 16, false)], instruction: nil, replacement: .fifo,
             expected: [[139776, 60224, 0, 76050, 32730, 0, 18303, 77846, 12631],
                        [108780, 41946, 0, 42923, 1239, 0, 18303, 18451, 7408],
                        [42923, 22288, 0, 19103, 419, 0, 18303, 199, 1020]]),
        // -l1-dwback n -l1-dwalloc n
        Case(name: "reference, write-through L1, 2 levels, lru", fetchTrace: false,
             data: [(32 * k, 8, true), (256 * k, 16, false)], instruction: nil, replacement: .lru,
             expected: [[139776, 60224, 0, 54296, 23391, 0, 18303, 44905, 14479],
                        [54296, 60224, 0, 20106, 8597, 0, 18303, 9454, 946]]),
        Case(name: "reference, write-through L1, 3 levels, fifo", fetchTrace: false,
             data: [(16 * k, 4, true), (128 * k, 8, false), (1024 * k, 16, false)], instruction: nil, replacement: .fifo,
             expected: [[139776, 60224, 0, 77580, 33441, 0, 18303, 80061, 12657],
                        [77580, 60224, 0, 30556, 13349, 0, 18303, 18594, 7008],
                        [43905, 22142, 0, 19116, 404, 0, 18303, 189, 1028]]),
        // -l1-isize 8k -l1-iassoc 2 -l1-dsize 16k -l1-dassoc 4 -l2-usize 128k -l2-uassoc 8
        Case(name: "fetches, split L1, 2 levels, lru", fetchTrace: true,
             data: [(16 * k, 4, false), (128 * k, 8, false)], instruction: (8 * k, 2), replacement: .lru,
             expected: [[0, 0, 193516, 0, 0, 35215, 1539, 32921, 755],
                        [71134, 35350, 0, 28801, 14212, 0, 11843, 29875, 1295],
                        [43013, 17544, 35215, 21163, 69, 16902, 13382, 21498, 3254]]),
        Case(name: "fetches, split L1, 2 levels, fifo", fetchTrace: true,
             data: [(16 * k, 4, false), (128 * k, 8, false)], instruction: (8 * k, 2), replacement: .fifo,
             expected: [[0, 0, 193516, 0, 0, 35212, 1539, 32879, 794],
                        [71134, 35350, 0, 30573, 15164, 0, 11843, 30217, 3677],
                        [45737, 20144, 35212, 24115, 1207, 17923, 13382, 21986, 7877]]),
        // ... -l2-usize 64k -l2-uassoc 8 -l3-usize 512k -l3-uassoc 16
        Case(name: "fetches, split L1, 3 levels, lru", fetchTrace: true,
             data: [(16 * k, 4, false), (64 * k, 8, false), (512 * k, 16, false)], instruction: (8 * k, 2), replacement: .lru,
             expected: [[0, 0, 193516, 0, 0, 35215, 1539, 32921, 755],
                        [71134, 35350, 0, 28801, 14212, 0, 11843, 29875, 1295],
                        [43013, 17544, 35215, 33304, 833, 28006, 13382, 45625, 3136],
                        [33304, 15571, 28006, 11843, 4, 1539, 13382, 4, 0]]),
        Case(name: "fetches, split L1, write-through L1d, 3 levels, fifo", fetchTrace: true,
             data: [(16 * k, 4, true), (64 * k, 8, false), (512 * k, 16, false)], instruction: (8 * k, 2), replacement: .fifo,
             expected: [[0, 0, 193516, 0, 0, 35212, 1539, 32879, 794],
                        [71134, 35350, 0, 32756, 16275, 0, 11843, 33409, 3779],
                        [32756, 35350, 35212, 23251, 12484, 27326, 13382, 45205, 4474],
                        [35735, 17321, 27326, 12675, 213, 3076, 13382, 1549, 1033]]),
    ]

    static let referenceTrace = HierarchyTraces.reference(200_000)
    static let fetchTrace = HierarchyTraces.withFetches(300_000, seed: 7)

    static func numbers(_ c: LevelCounters) -> Expected {
        [c.reads, c.writes, c.instructionFetches, c.readMisses, c.writeMisses, c.instructionFetchMisses,
         c.compulsoryMisses, c.capacityMisses, c.conflictMisses].map { Int($0) }
    }

    @Test(arguments: cases) func levelsEqualDinero(_ c: Case) throws {
        func level(_ name: String, _ size: Int, _ ways: Int, writeThrough: Bool = false) throws -> LevelSettings {
            LevelSettings(name: name, geometry: try CacheGeometry(size: size, ways: ways, lineSize: 64),
                          replacement: c.replacement, writeBack: !writeThrough, writeAllocate: !writeThrough)
        }
        let data = try c.data.enumerated().map { try level("L\($0.offset + 1)", $0.element.size, $0.element.ways,
                                                           writeThrough: $0.element.writeThrough) }
        let instruction = try c.instruction.map { try level("L1i", $0.size, $0.ways) }
        let h = try HierarchyTraces.run(HierarchySettings(data: data, instruction: instruction, classifiesMisses: true),
                                        c.fetchTrace ? Self.fetchTrace : Self.referenceTrace)
        defer { h.deallocate() }
        let got = (h.instructionCounters.map { [Self.numbers($0)] } ?? []) + h.dataCounters.map(Self.numbers)
        #expect(got == c.expected)
    }
}
