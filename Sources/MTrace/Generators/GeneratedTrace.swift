/// A synthetic workload produced one operation (one to a few accesses) at a time.
protocol OperationGenerator {
    /// The most accesses one operation writes.
    static var maximumAccessesPerOperation: Int { get }
    /// Writes the next operation's accesses from `out` on (room for
    /// ``maximumAccessesPerOperation``) and returns how many; 0 once every operation is out.
    mutating func next(into out: UnsafeMutablePointer<Access>) -> Int
}

/// Adapts an ``OperationGenerator`` to a batch ``TraceSource``: whole operations go straight
/// into the caller's buffer; only a buffer too small for one operation needs the carry-over.
struct GeneratedTrace<G: OperationGenerator>: TraceSource {
    var generator: G
    /// Accesses of an operation that did not fit the caller's buffer, and how many went out.
    var pending: [Access] = []
    var pendingSent = 0

    init(_ generator: G) { self.generator = generator }

    mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var count = 0
        while pendingSent < pending.count, count < buffer.count {
            base[count] = pending[pendingSent]
            pendingSent += 1
            count += 1
        }
        if pendingSent < pending.count { return count }
        pending.removeAll(keepingCapacity: true)
        pendingSent = 0
        while buffer.count - count >= G.maximumAccessesPerOperation {
            let n = generator.next(into: base + count)
            if n == 0 { return count }
            count += n
        }
        // Less room than one operation may need: hand out part of one, keep the rest.
        if count == 0 {
            var scratch = [Access](repeating: Access(cpu: 0, kind: .load, address: 0), count: G.maximumAccessesPerOperation)
            let n = scratch.withUnsafeMutableBufferPointer { generator.next(into: $0.baseAddress!) }
            count = min(n, buffer.count)
            for i in 0..<count { base[i] = scratch[i] }
            pending = Array(scratch[count..<n])
        }
        return count
    }
}

/// What every generator but `reference` shares: the spec, the seeded random stream, the
/// interleaving of CPUs and the read/write decision.
struct OperationContext {
    let spec: GeneratorSpec
    let cpus: Int
    var random: SplitMix64
    /// Operations each CPU has left.
    var remaining: [Int]
    /// The CPUs with operations left (order is part of the determinism).
    var active: [Int]
    /// An operation writes when 53 random bits fall below this; see ``nextIsWrite()``.
    let writeThreshold: UInt64
    let drawsWrites: Bool

    /// Mixed into the seed so that a generator's stream differs from the `random`
    /// replacement stream of CPU 0's cache, which starts at the seed itself.
    static let streamSalt: UInt64 = 0xD1B5_4A32_D192_ED03

    init(spec: GeneratorSpec, cpus: Int, seed: UInt64) {
        self.spec = spec
        self.cpus = cpus
        random = SplitMix64(seed: seed ^ Self.streamSalt)
        remaining = [Int](repeating: spec.operations, count: cpus)
        active = Array(0..<cpus)
        // 2^53 · fraction is exact for the fractions people type, and the comparison with a
        // 53-bit draw then writes with exactly that probability.
        writeThreshold = UInt64((spec.writeFraction * 9_007_199_254_740_992).rounded(.down))
        drawsWrites = spec.writeFraction > 0 && spec.writeFraction < 1
    }

    /// The CPU that makes the next operation, uniformly among those with operations left
    /// (no draw when one is left); nil when all are done.
    @inline(__always)
    mutating func nextCPU() -> Int? {
        let n = active.count
        if n == 0 { return nil }
        let i = n == 1 ? 0 : Int(truncatingIfNeeded: random.next() % UInt64(n))
        let cpu = active[i]
        remaining[cpu] -= 1
        if remaining[cpu] == 0 {
            active.swapAt(i, n - 1)
            active.removeLast()
        }
        return cpu
    }

    /// Whether the operation writes: with probability `writeFraction`, drawing only when
    /// the fraction is strictly between 0 and 1.
    @inline(__always)
    mutating func nextIsWrite() -> Bool {
        if !drawsWrites { return spec.writeFraction >= 1 }
        return random.next() >> 11 < writeThreshold
    }

    /// A uniformly random entry index below `entries`.
    @inline(__always)
    mutating func nextIndex(below entries: UInt64) -> UInt64 {
        entries <= 1 ? 0 : random.next() % entries
    }

    /// Start of CPU `cpu`'s private region: regions are the working set rounded up to a page.
    @inline(__always)
    func region(of cpu: Int) -> UInt64 {
        let span = (spec.workingSet + GeneratorSpec.regionAlignment - 1) / GeneratorSpec.regionAlignment
            * GeneratorSpec.regionAlignment
        return GeneratorSpec.baseAddress + UInt64(cpu) * UInt64(span)
    }
}
