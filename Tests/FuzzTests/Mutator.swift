import MTrace

/// Seeded mutations of an input: the same seed gives the same mutants on every machine, so
/// a failure found once is found again.
struct Mutator {
    private var random: SplitMix64
    /// Tokens worth inserting for this kind of input (TOML punctuation, din types, …).
    let dictionary: [[UInt8]]

    init(seed: UInt64, dictionary: [String]) {
        random = SplitMix64(seed: seed)
        self.dictionary = dictionary.map { Array($0.utf8) }
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(random.next() % UInt64(n)) }

    /// Values that break length and offset arithmetic when they land in a binary field.
    private static let interestingWords: [UInt64] = [
        0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFF8, UInt64.max,
    ]
    private static let interestingBytes: [UInt8] = [0, 0xFF, 0x7F, 0x80, 0x0A, 0x0D, 0x20, 0x09, 0x22, 0x27, 0x5B, 0x5D, 0x3D, 0x2E, 0x30, 0x2D]

    /// One to four mutations of `input`.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) { mutateOnce(&bytes) }
        return bytes
    }

    private mutating func mutateOnce(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else {
            bytes = dictionary.isEmpty ? [0] : dictionary[below(dictionary.count)]
            return
        }
        let at = below(bytes.count)
        switch below(9) {
        case 0: bytes[at] ^= UInt8(1) << UInt8(below(8))
        case 1: bytes[at] = Self.interestingBytes[below(Self.interestingBytes.count)]
        case 2 where !dictionary.isEmpty: bytes.insert(contentsOf: dictionary[below(dictionary.count)], at: at)
        case 3:
            let end = min(bytes.count, at + 1 + below(64))
            bytes.removeSubrange(at..<end)
        case 4:
            let end = min(bytes.count, at + 1 + below(256))
            bytes.insert(contentsOf: bytes[at..<end], at: below(bytes.count))
        case 5: bytes.removeSubrange(below(bytes.count)...)
        case 6:
            // A 1-, 2-, 4- or 8-byte little-endian field set to an extreme value.
            let width = 1 << below(4)
            let word = Self.interestingWords[below(Self.interestingWords.count)]
            let start = min(at & ~(width - 1), bytes.count - 1)
            for i in 0..<width where start + i < bytes.count { bytes[start + i] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(i))) }
        case 7: bytes[at] = UInt8(truncatingIfNeeded: random.next())
        default:
            // A digit run made longer: numbers that overflow, sizes that are huge.
            bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "9"), count: 1 + below(24)), at: at)
        }
    }
}
