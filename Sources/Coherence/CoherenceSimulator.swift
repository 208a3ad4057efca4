import MTrace

/// A multi-CPU cache simulator: one private set-associative cache per CPU, joined by a
/// coherence protocol. Feed it batches of accesses; ask for the ``SimulationResult``.
///
/// ```swift
/// let sim = try CoherenceSimulator(SimulatorConfiguration(cpus: 4, geometry: g, coherence: .mesi))
/// try pump(&source, into: sim)
/// let result = sim.finish()  // or sim.result() for a copy, to go on
/// ```
public final class CoherenceSimulator: AccessSink {
    public let configuration: SimulatorConfiguration
    private var engine: CoherenceEngine
    /// The engine's batch loop, specialised for the configured replacement policy.
    private let applyBatch: CoherenceEngine.BatchFunction

    /// Throws ``ConfigurationError`` for a CPU count outside 1...64,
    /// `CacheModels.GeometryError` for a geometry the replacement policy cannot serve and
    /// `CacheModels.CacheMemoryError` for caches whose tag arrays exceed the machine's
    /// physical memory (checked before anything is allocated) or that the system refuses.
    public init(_ configuration: SimulatorConfiguration) throws {
        self.configuration = configuration
        engine = try CoherenceEngine(configuration)
        applyBatch = CoherenceEngine.batchFunction(for: configuration.replacement)
    }

    /// Set by ``finish()``, which gave the line table away.
    private var finished = false

    deinit { engine.deallocate(linesHandedOver: finished) }

    /// Simulates one batch, in order. Throws ``AccessError`` for an access no source should
    /// have produced, ``OutOfMemoryError`` when the line table cannot grow, and
    /// ``InvariantViolation`` in checking mode. After an error the simulator cannot go on.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        precondition(!finished, "a finished simulator takes no more accesses")
        try applyBatch(&engine, accesses)
    }

    /// The counters and line statistics so far (a copy: the simulator may go on). Throws
    /// when the copy of the line table does not fit in memory.
    public func result() throws(OutOfMemoryError) -> SimulationResult {
        precondition(!finished, "a finished simulator has handed its results over")
        return makeResult(lines: try engine.lines.snapshot())
    }

    /// The counters and line statistics, ending the simulation: the line table becomes the
    /// result's without a copy, so the peak memory of a run is one table, not two.
    public func finish() -> SimulationResult {
        precondition(!finished, "a finished simulator has handed its results over")
        finished = true
        return makeResult(lines: engine.lines.handOver())
    }

    private func makeResult(lines: LineTableSnapshot) -> SimulationResult {
        SimulationResult(
            configuration: configuration,
            cpus: (0..<engine.cpus).map(engine.counters(ofCPU:)),
            lines: LineCollection(table: lines),
            transferMatrix: engine.transferMatrix())
    }
}
