/// A stream of accesses that is read in batches, so that dynamic dispatch is paid
/// once per batch rather than once per access.
public protocol TraceSource {
    /// Writes up to `buffer.count` accesses from the start of `buffer` and returns how
    /// many it wrote; 0 means the trace has ended. Throws ``TraceError`` on bad input.
    mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int
}

/// Something that consumes accesses batch by batch: a simulator, a trace writer, a counter.
public protocol AccessSink: AnyObject {
    /// Takes one batch, in trace order. The buffer is only valid during the call.
    func consume(_ accesses: UnsafeBufferPointer<Access>) throws
}

extension AccessSink {
    /// Consumes one access, as a batch of one; loops should hand over whole batches.
    public func write(_ access: Access) throws {
        var copy = access
        try withUnsafePointer(to: &copy) { try consume(UnsafeBufferPointer(start: $0, count: 1)) }
    }
}

/// The batch size used when pumping a source into a sink: large enough to amortise the
/// per-batch dispatch, small enough to stay in L2.
public let defaultBatchSize = 4096

/// Pumps every access of `source` into `sink`; returns the number of accesses moved.
@discardableResult
public func pump<S: TraceSource>(_ source: inout S, into sink: AccessSink, batchSize: Int = defaultBatchSize) throws -> UInt64 {
    let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: batchSize)
    defer { buffer.deallocate() }
    var total: UInt64 = 0
    while true {
        let n = try source.read(into: buffer)
        if n == 0 { return total }
        try sink.consume(UnsafeBufferPointer(rebasing: buffer[0..<n]))
        total &+= UInt64(n)
    }
}

/// A source over accesses held in memory (tests, generators, small traces).
public struct ArrayTraceSource: TraceSource {
    public let accesses: [Access]
    public private(set) var position = 0
    public init(_ accesses: [Access]) { self.accesses = accesses }
    public mutating func read(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        let n = min(buffer.count, accesses.count - position)
        for i in 0..<n { buffer[i] = accesses[position + i] }
        position += n
        return n
    }
}
