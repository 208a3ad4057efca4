import CacheModels
import MTrace

/// A multi-CPU cache hierarchy simulator: each CPU's private levels, shared levels below,
/// joined by a coherence protocol (docs/semantics.md §8). Feed it batches; ``finish()`` gives
/// the ``HierarchyResult``. A hierarchy of one private level is exactly a
/// ``CoherenceSimulator``, which runs it faster.
public final class HierarchySimulator: AccessSink {
    public let configuration: HierarchyConfiguration
    /// On the heap, so that a batch works on the engine in place.
    private let engine: UnsafeMutablePointer<HierarchyEngine>
    private var finished = false

    /// Throws ``ConfigurationError`` for a CPU count outside 1...64 or a hierarchy this
    /// engine does not build, `CacheModels.GeometryError` for a way count a policy cannot
    /// serve and `CacheModels.CacheMemoryError` when the system refuses the tag arrays.
    public init(_ configuration: HierarchyConfiguration) throws {
        self.configuration = configuration
        engine = .allocate(capacity: 1)
        do {
            engine.initialize(to: try HierarchyEngine(configuration))
        } catch {
            engine.deallocate()
            throw error
        }
    }

    deinit {
        engine.pointee.deallocate(linesHandedOver: finished)
        engine.deinitialize(count: 1)
        engine.deallocate()
    }

    /// Simulates one batch, in order. Throws ``AccessError`` for an access no source should
    /// have produced, ``OutOfMemoryError`` when the line table cannot grow, and
    /// ``InvariantViolation`` in checking mode.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        precondition(!finished, "a finished simulator takes no more accesses")
        try engine.pointee.apply(accesses)
    }

    /// Ends the run: every dirty line is written back level by level (as Dinero IV does at
    /// the end of a trace; the first level's counters do not change), and the results are
    /// handed over.
    public func finish() -> HierarchyResult {
        precondition(!finished, "a finished simulator has handed its results over")
        engine.pointee.finish()
        finished = true
        let simulation = SimulationResult(configuration: configuration.firstLevel,
                                          cpus: (0..<engine.pointee.cpus).map(engine.pointee.counters(ofCPU:)),
                                          lines: LineCollection(table: engine.pointee.lines.handOver()),
                                          transferMatrix: engine.pointee.transferCounts)
        let (data, instruction) = engine.pointee.levelResults()
        var lineCycles = engine.pointee.lineCycles
        if lineCycles.count < simulation.lines.count {
            lineCycles.append(contentsOf: repeatElement(0, count: simulation.lines.count - lineCycles.count))
        }
        let timing = configuration.hierarchy.hasTiming
            ? HierarchyTiming(cycles: engine.pointee.cycles, lineAccesses: engine.pointee.lineAccesses, lineCycles: lineCycles) : nil
        return HierarchyResult(simulation: simulation, levels: data, instruction: instruction, timing: timing)
    }

    /// Reads and writes that reached memory.
    public var memoryTraffic: (reads: UInt64, writes: UInt64) { (engine.pointee.memoryReads, engine.pointee.memoryWrites) }
}
