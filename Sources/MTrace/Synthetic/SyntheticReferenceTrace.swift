/// The synthetic reference trace of the specification: N 4-byte loads and stores drawn
/// from SplitMix64, mixing a hot set, a stream, a warm set, a conflict pattern and cold
/// misses, reproducible bit for bit (it is how mtlab is compared with Dinero IV).
///
/// Reference i is issued by CPU `i % cpus`; with the default single CPU it is exactly
/// the single-CPU trace of the specification.
public struct SyntheticReferenceTrace: TraceSource {
    /// How many references the trace holds.
    public let references: Int
    /// The generator's initial state.
    public let seed: UInt64
    /// How many CPUs issue references, in turn.
    public let cpus: Int
    /// References produced so far.
    public private(set) var issued = 0

    private var random: SplitMix64
    /// Next word of the 8 MiB stream component.
    private var sequential: UInt64 = 0
    /// Count of conflict references so far.
    private var conflicts: UInt64 = 0
    private var nextCPU = 0

    /// The specification's seed, whose results it gives.
    public static let defaultSeed: UInt64 = 0x5EED

    /// A trace of `references` accesses from `seed`, issued round-robin by `cpus` CPUs.
    public init(references: Int, seed: UInt64 = defaultSeed, cpus: Int = 1) {
        precondition(references >= 0, "the reference count cannot be negative")
        precondition(cpus >= 1 && cpus <= Int(UInt16.max) + 1, "cpus must be 1...65536")
        self.references = references
        self.seed = seed
        self.cpus = cpus
        random = SplitMix64(seed: seed)
    }

    /// The next reference, or nil after the last.
    public mutating func next() -> Access? {
        guard issued < references else { return nil }
        let r = random.next()
        let pct = (r >> 32) % 100
        let kind: AccessKind = (r & 0xFF) < 77 ? .store : .load
        let address: UInt64
        if pct < 45 {
            address = 0x1000_0000 + 4 * (random.next() % 6144)  // hot, 24 KiB
        } else if pct < 75 {
            address = 0x2000_0000 + 4 * sequential  // stream, 8 MiB
            sequential += 1
            if sequential == 2_097_152 { sequential = 0 }
        } else if pct < 90 {
            address = 0x3000_0000 + 4 * (random.next() % 65536)  // warm, 256 KiB
        } else if pct < 95 {
            address = 0x5000_0000 + 4096 * (conflicts % 12)  // 12 lines of one set
            conflicts += 1
        } else {
            address = 0x4000_0000 + 4 * (random.next() % 16_777_216)  // cold, 64 MiB
        }
        let cpu = nextCPU
        nextCPU += 1
        if nextCPU == cpus { nextCPU = 0 }
        issued += 1
        return Access(cpu: cpu, kind: kind, address: address, size: 4)
    }

    public mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) -> Int {
        var count = 0
        while count < buffer.count, let access = next() {
            buffer[count] = access
            count += 1
        }
        return count
    }

    /// Writes the single-CPU trace of `references` references from `seed` to `path` as
    /// traditional din (`<0|1> <lowercase hex address>` lines), gzipped when `path` ends
    /// in `.gz`. Throws ``TraceError`` if the file cannot be written.
    public static func writeDin(path: String, references: Int, seed: UInt64 = defaultSeed) throws {
        let writer = try DinTraceWriter(path: path, form: .traditional)
        try write(references: references, seed: seed, into: writer)
        try writer.finish()
    }

    /// Writes the trace as a text trace (`.trace`), one `0 R|W 0x<hex> 4` line per reference.
    public static func writeText(path: String, references: Int, seed: UInt64 = defaultSeed) throws {
        let writer = try TextTraceWriter(path: path)
        try write(references: references, seed: seed, into: writer)
        try writer.finish()
    }

    private static func write(references: Int, seed: UInt64, into sink: AccessSink) throws {
        var trace = SyntheticReferenceTrace(references: references, seed: seed)
        let batch = UnsafeMutableBufferPointer<Access>.allocate(capacity: defaultBatchSize)
        defer { batch.deallocate() }
        while true {
            let count = trace.read(into: batch)
            if count == 0 { break }
            try sink.consume(UnsafeBufferPointer(rebasing: batch[0..<count]))
        }
    }
}
