import MTrace
import CacheModels
import Coherence
import CPUModel

/// What one run produced: the config it ran, the simulator's result and the statistics.
public struct RunOutcome {
    public let configuration: RunConfiguration
    public let result: SimulationResult
    /// Records read from the workload (accesses before they are split into line accesses);
    /// for an emulated workload, the accesses it recorded.
    public let workloadAccesses: UInt64
    public let statistics: RunStatistics
    /// How the guest ran, for emulated workloads.
    public let guest: GuestSummary?

    public init(configuration: RunConfiguration, result: SimulationResult, workloadAccesses: UInt64,
                guest: GuestSummary? = nil) {
        self.configuration = configuration
        self.result = result
        self.workloadAccesses = workloadAccesses
        self.statistics = RunStatistics(result)
        self.guest = guest
    }

    /// The counters cover only part of the workload: the guest did not exit successfully.
    public var isPartial: Bool { guest?.isPartial ?? false }
}

/// Runs a validated config: open the workload, stream it through a ``CoherenceSimulator``.
public enum Runner {
    /// Simulates `configuration`'s workload to the end. Throws `TraceError` for bad trace
    /// input (including accesses the simulator rejects, located at the trace),
    /// ``ConfigError`` for settings the simulator rejects, ``WorkloadError`` for a guest
    /// program that cannot be built, loaded or run, and `InvariantViolation` in checking
    /// mode. A guest that fails is not an error: the outcome's ``GuestSummary`` says how
    /// it ended, and its counters are partial.
    public static func run(_ configuration: RunConfiguration, checkInvariants: Bool = false,
                           emulator: EmulatorOptions = EmulatorOptions()) throws -> RunOutcome {
        let simulator: CoherenceSimulator
        do {
            simulator = try CoherenceSimulator(configuration.simulatorConfiguration(checkInvariants: checkInvariants))
        } catch let e as ConfigurationError {
            throw ConfigError(.outOfRange, place: configuration.file, key: e.key, message: e.description)
        } catch let e as GeometryError {
            throw ConfigError(.outOfRange, place: configuration.file, key: "cache.\(e.key)", message: e.description)
        }
        switch configuration.workload {
        case let .trace(trace):
            var source = try openTrace(path: trace.resolvedPath, displayName: trace.resolvedPath,
                                       format: trace.format, cpus: configuration.cpus)
            let count: UInt64
            do {
                count = try pump(&source, into: simulator)
            } catch let e as AccessError {
                // Readers reject these first with a line number; this names at least the file.
                throw TraceError(file: trace.resolvedPath, message: e.description)
            }
            return RunOutcome(configuration: configuration, result: simulator.result(), workloadAccesses: count)
        case let .emulated(workload):
            return try runEmulated(configuration, workload, into: simulator, options: emulator)
        }
    }
}
