import MTrace
import CacheModels
import Coherence

/// What one run produced: the config it ran, the simulator's result and the statistics.
public struct RunOutcome {
    public let configuration: RunConfiguration
    public let result: SimulationResult
    /// Records read from the workload (accesses before they are split into line accesses).
    public let workloadAccesses: UInt64
    public let statistics: RunStatistics

    public init(configuration: RunConfiguration, result: SimulationResult, workloadAccesses: UInt64) {
        self.configuration = configuration
        self.result = result
        self.workloadAccesses = workloadAccesses
        self.statistics = RunStatistics(result)
    }
}

/// Runs a validated config: open the workload, stream it through a ``CoherenceSimulator``.
public enum Runner {
    /// Simulates `configuration`'s workload to the end. Throws `TraceError` for bad trace
    /// input (including accesses the simulator rejects, located at the trace),
    /// ``ConfigError`` for settings the simulator rejects, and `InvariantViolation` in
    /// checking mode.
    public static func run(_ configuration: RunConfiguration, checkInvariants: Bool = false) throws -> RunOutcome {
        let simulator: CoherenceSimulator
        do {
            simulator = try CoherenceSimulator(configuration.simulatorConfiguration(checkInvariants: checkInvariants))
        } catch let e as ConfigurationError {
            throw ConfigError(.outOfRange, place: configuration.file, key: e.key, message: e.description)
        } catch let e as GeometryError {
            throw ConfigError(.outOfRange, place: configuration.file, key: "cache.\(e.key)", message: e.description)
        }
        let count = try feed(configuration, into: simulator)
        return RunOutcome(configuration: configuration, result: simulator.result(), workloadAccesses: count)
    }

    /// Streams `configuration`'s workload into `sink` (a simulator, an analysis) and returns
    /// the accesses it read. Throws `TraceError` for bad trace input, including accesses the
    /// sink rejects with an `AccessError`, located at the trace.
    @discardableResult
    public static func feed(_ configuration: RunConfiguration, into sink: AccessSink) throws -> UInt64 {
        switch configuration.workload {
        case let .trace(trace):
            var source = try openTrace(path: trace.resolvedPath, displayName: trace.resolvedPath,
                                       format: trace.format, cpus: configuration.cpus)
            do {
                return try pump(&source, into: sink)
            } catch let e as AccessError {
                // Readers reject these first with a line number; this names at least the file.
                throw TraceError(file: trace.resolvedPath, message: e.description)
            }
        case let .generator(spec):
            var source = spec.makeSource(cpus: configuration.cpus, seed: configuration.seed)
            return try pump(&source, into: sink)
        }
    }
}
