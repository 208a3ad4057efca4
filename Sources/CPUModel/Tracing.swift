import MTrace

/// What the executor traces, fixed at compile time so that each choice gets its own
/// specialised loop and tracing off costs nothing per instruction.
protocol TracePolicy {
    static var data: Bool { get }
    static var fetch: Bool { get }
    /// Record calls and returns (mtrace's call records) of the hart.
    static var calls: Bool { get }
}

enum TraceNothing: TracePolicy {
    static var data: Bool { false }
    static var fetch: Bool { false }
    static var calls: Bool { false }
}

enum TraceData: TracePolicy {
    static var data: Bool { true }
    static var fetch: Bool { false }
    static var calls: Bool { false }
}

enum TraceDataAndFetch: TracePolicy {
    static var data: Bool { true }
    static var fetch: Bool { true }
    static var calls: Bool { false }
}

enum TraceDataAndCalls: TracePolicy {
    static var data: Bool { true }
    static var fetch: Bool { false }
    static var calls: Bool { true }
}

enum TraceDataFetchAndCalls: TracePolicy {
    static var data: Bool { true }
    static var fetch: Bool { true }
    static var calls: Bool { true }
}

extension Machine {
    /// Appends one access to the batch; hands the batch to the sink when it is full.
    @inline(__always)
    func emit(_ hart: Int, _ kind: AccessKind, _ address: UInt64, _ size: Int, _ pc: UInt64,
              _ flags: AccessFlags = []) {
        let count = state.pointee.traceCount
        traceBuffer[count] = Access(cpu: hart, kind: kind, address: address, size: size, pc: pc, flags: flags)
        if count &+ 1 == traceCapacity {
            flushTrace(count: count &+ 1)
        } else {
            state.pointee.traceCount = count &+ 1
        }
    }

    /// Hands `count` buffered accesses to the sink. A sink error ends the run; `run`
    /// rethrows it.
    @inline(never)
    func flushTrace(count: Int) {
        state.pointee.traceCount = 0
        tracedAccesses &+= UInt64(count)
        guard count > 0, let sink, sinkError == nil else { return }
        do {
            try sink.consume(UnsafeBufferPointer(start: traceBuffer, count: count))
        } catch {
            sinkError = error
            state.pointee.stop = true
        }
    }
}
