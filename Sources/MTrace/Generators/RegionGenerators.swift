/// Patterns over a working set: private random and sequential accesses (capacity and
/// miss-ratio studies) and a shared, rarely written table (read sharing and its cost).

/// Uniformly random `access_size` entries of a working set, read or written. Private
/// (`uniform`): each CPU draws from its own set (CPU c's region starts at `base + c ×
/// working set`, rounded up to a page), so nothing is shared. Shared (`read-mostly`): all
/// CPUs look up one table at `base`, and an operation writes its entry with the (small, by
/// default 1 %) write fraction, invalidating every other CPU's copy of that line.
struct UniformRandom: OperationGenerator {
    static let maximumAccessesPerOperation = 1
    var context: OperationContext
    let entries: UInt64
    let shared: Bool
    init(_ context: OperationContext, shared: Bool) {
        self.context = context
        self.shared = shared
        entries = UInt64(context.spec.workingSet / context.spec.accessSize)
    }

    mutating func next(into out: UnsafeMutablePointer<Access>) -> Int {
        guard let cpu = context.nextCPU() else { return 0 }
        let size = context.spec.accessSize
        let base = shared ? GeneratorSpec.baseAddress : context.region(of: cpu)
        let address = base + context.nextIndex(below: entries) * UInt64(size)
        out[0] = Access(cpu: cpu, kind: context.nextIsWrite() ? .store : .load, address: address, size: size)
        return 1
    }
}

/// Each CPU walks its own working set from the start, `stride` bytes a step, and wraps to
/// the start when the next access would run past its end.
struct SequentialStream: OperationGenerator {
    static let maximumAccessesPerOperation = 1
    var context: OperationContext
    /// Byte offset of each CPU's next access within its region.
    var positions: [Int]
    init(_ context: OperationContext) {
        self.context = context
        positions = [Int](repeating: 0, count: context.cpus)
    }

    mutating func next(into out: UnsafeMutablePointer<Access>) -> Int {
        guard let cpu = context.nextCPU() else { return 0 }
        let size = context.spec.accessSize
        let offset = positions[cpu]
        var following = offset + context.spec.stride
        if following + size > context.spec.workingSet { following = 0 }
        positions[cpu] = following
        out[0] = Access(cpu: cpu, kind: context.nextIsWrite() ? .store : .load,
                        address: context.region(of: cpu) + UInt64(offset), size: size)
        return 1
    }
}
