/// The counter patterns of multicore scalability studies: private counters that may share
/// a line, one shared atomic counter, one counter behind a lock.

/// Each CPU increments its own counter at `base + cpu × stride`: a load and a store (or only
/// a load, for the reads a write fraction below 1 leaves). With `stride` below the line
/// size the counters share lines (false sharing); a line's worth of stride pads them apart.
struct PerCPUCounters: OperationGenerator {
    static let maximumAccessesPerOperation = 2
    var context: OperationContext
    init(_ context: OperationContext) { self.context = context }

    mutating func next(into out: UnsafeMutablePointer<Access>) -> Int {
        guard let cpu = context.nextCPU() else { return 0 }
        let address = GeneratorSpec.baseAddress + UInt64(cpu) * UInt64(context.spec.stride)
        let size = context.spec.accessSize
        out[0] = Access(cpu: cpu, kind: .load, address: address, size: size)
        guard context.nextIsWrite() else { return 1 }
        out[1] = Access(cpu: cpu, kind: .store, address: address, size: size)
        return 2
    }
}

/// Every CPU increments one counter with an atomic read-modify-write (`A`); a non-writing
/// operation is a plain load of it.
struct SharedCounter: OperationGenerator {
    static let maximumAccessesPerOperation = 1
    var context: OperationContext
    init(_ context: OperationContext) { self.context = context }

    mutating func next(into out: UnsafeMutablePointer<Access>) -> Int {
        guard let cpu = context.nextCPU() else { return 0 }
        let write = context.nextIsWrite()
        out[0] = Access(cpu: cpu, kind: write ? .atomic : .load, address: GeneratorSpec.baseAddress,
                        size: context.spec.accessSize, flags: write ? .locked : [])
        return 1
    }
}

/// Every CPU takes a spinlock at `base` (an atomic), loads the counter at `base + stride`,
/// stores it back incremented (writing operations only) and releases the lock (a store).
/// The acquisition never fails: the trace interleaves whole critical sections.
struct LockCounter: OperationGenerator {
    static let maximumAccessesPerOperation = 4
    var context: OperationContext
    init(_ context: OperationContext) { self.context = context }

    mutating func next(into out: UnsafeMutablePointer<Access>) -> Int {
        guard let cpu = context.nextCPU() else { return 0 }
        let lock = GeneratorSpec.baseAddress
        let counter = lock + UInt64(context.spec.stride)
        let size = context.spec.accessSize
        out[0] = Access(cpu: cpu, kind: .atomic, address: lock, size: size, flags: .locked)
        out[1] = Access(cpu: cpu, kind: .load, address: counter, size: size)
        var n = 2
        if context.nextIsWrite() {
            out[n] = Access(cpu: cpu, kind: .store, address: counter, size: size)
            n += 1
        }
        out[n] = Access(cpu: cpu, kind: .store, address: lock, size: size)
        return n + 1
    }
}
