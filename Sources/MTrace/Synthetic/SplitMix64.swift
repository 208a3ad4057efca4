// TEMPORARY local copy until the readers branch lands.
@frozen public struct SplitMix64 {
    public var state: UInt64
    @inlinable public init(state: UInt64) { self.state = state }
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// TEMPORARY until the readers branch lands.
public struct SyntheticReferenceTrace: TraceSource {
    public let references: Int
    public let cpus: Int
    var rng: SplitMix64
    var i = 0, seq: UInt64 = 0, k: UInt64 = 0
    public init(references: Int, seed: UInt64 = 0x5EED, cpus: Int = 1) {
        self.references = references; self.cpus = cpus; rng = SplitMix64(state: seed)
    }
    public mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        var n = 0
        while n < buffer.count && i < references {
            let r = rng.next()
            let pct = (r >> 32) % 100
            let write = (r & 0xFF) < 77
            var a: UInt64
            if pct < 45 { a = 0x1000_0000 + 4 * (rng.next() % 6144) }
            else if pct < 75 { a = 0x2000_0000 + 4 * seq; seq += 1; if seq == 2_097_152 { seq = 0 } }
            else if pct < 90 { a = 0x3000_0000 + 4 * (rng.next() % 65536) }
            else if pct < 95 { a = 0x5000_0000 + 4096 * (k % 12); k += 1 }
            else { a = 0x4000_0000 + 4 * (rng.next() % 16_777_216) }
            buffer[n] = Access(cpu: i % cpus, kind: write ? .store : .load, address: a, size: 4)
            n += 1; i += 1
        }
        return n
    }
}
