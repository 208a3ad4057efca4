import MTrace
import CacheModels
import Coherence
import CPUModel

/// What one run produced: the config it ran, the simulator's result and the statistics.
public struct CompletedRun {
    public let configuration: RunConfiguration
    public let result: SimulationResult
    /// Records read from the workload (accesses before they are split into line accesses);
    /// for an emulated workload, the accesses it recorded.
    public let workloadAccesses: UInt64
    public let statistics: RunStatistics
    /// How the guest ran, for emulated workloads.
    public let guest: GuestSummary?
    /// Every level's counters and the timing, when the config has a hierarchy (`result` is
    /// its first data level).
    public let hierarchy: HierarchyResult?

    public init(configuration: RunConfiguration, result: SimulationResult, workloadAccesses: UInt64,
                guest: GuestSummary? = nil) {
        self.init(configuration: configuration, result: result, hierarchy: nil, workloadAccesses: workloadAccesses, guest: guest)
    }

    /// A hierarchy run: `result` is the hierarchy's first level.
    public init(configuration: RunConfiguration, hierarchy: HierarchyResult, workloadAccesses: UInt64,
                guest: GuestSummary? = nil) {
        self.init(configuration: configuration, result: hierarchy.simulation, hierarchy: hierarchy,
                  workloadAccesses: workloadAccesses, guest: guest)
    }

    private init(configuration: RunConfiguration, result: SimulationResult, hierarchy: HierarchyResult?,
                 workloadAccesses: UInt64, guest: GuestSummary?) {
        self.hierarchy = hierarchy
        self.configuration = configuration
        self.result = result
        self.workloadAccesses = workloadAccesses
        self.statistics = RunStatistics(result)
        self.guest = guest
    }

    /// The counters cover only part of the workload: the guest did not exit successfully.
    public var isPartial: Bool { guest?.isPartial ?? false }
}

/// Runs a validated config: open the workload, stream it through a ``CoherenceSimulator``,
/// or a ``HierarchySimulator`` when the config has a hierarchy.
public enum Runner {
    /// Simulates `configuration`'s workload to the end. Throws `TraceError` for bad trace
    /// input (including accesses the simulator rejects, located at the trace),
    /// ``ConfigError`` for settings the simulator rejects, ``WorkloadError`` for a guest
    /// program that cannot be built, loaded or run, and `InvariantViolation` in checking
    /// mode. A guest that fails is not an error: the outcome's ``GuestSummary`` says how
    /// it ended, and its counters are partial.
    public static func run(_ configuration: RunConfiguration, checkInvariants: Bool = false,
                           emulator: EmulatorOptions = EmulatorOptions()) throws -> CompletedRun {
        if let hierarchy = configuration.hierarchyConfiguration(checkInvariants: checkInvariants) {
            let simulator = try building(configuration) { try HierarchySimulator(hierarchy) }
            if case let .emulated(workload) = configuration.workload {
                let guest = try runEmulated(configuration, workload, into: simulator, options: emulator)
                return CompletedRun(configuration: configuration, hierarchy: simulator.finish(),
                                    workloadAccesses: guest.recordedAccesses, guest: guest)
            }
            let count = try feed(configuration, into: simulator)
            return CompletedRun(configuration: configuration, hierarchy: simulator.finish(), workloadAccesses: count)
        }
        let simulator = try building(configuration) {
            try CoherenceSimulator(configuration.simulatorConfiguration(checkInvariants: checkInvariants))
        }
        if case let .emulated(workload) = configuration.workload {
            let guest = try runEmulated(configuration, workload, into: simulator, options: emulator)
            return CompletedRun(configuration: configuration, result: simulator.finish(),
                                workloadAccesses: guest.recordedAccesses, guest: guest)
        }
        let count = try feed(configuration, into: simulator)
        return CompletedRun(configuration: configuration, result: simulator.finish(), workloadAccesses: count)
    }

    /// Makes a simulator, turning what it refuses into a ``ConfigError`` at the config.
    private static func building<S>(_ configuration: RunConfiguration, _ make: () throws -> S) throws -> S {
        do {
            return try make()
        } catch let e as ConfigurationError {
            throw ConfigError(.outOfRange, place: configuration.file, key: e.key, message: e.description)
        } catch let e as GeometryError {
            throw ConfigError(.outOfRange, place: configuration.file, key: e.qualifiedKey, message: e.description)
        } catch let e as CacheMemoryError {
            // The simulator checks the tag arrays against the machine's memory before it
            // allocates them; the config is what asked for them.
            throw ConfigError(.outOfRange, place: configuration.file, key: "cache.sets", message: e.description)
        }
    }

    /// Streams `configuration`'s workload into `sink` (a simulator, an analysis) and returns
    /// the accesses it read. Throws `TraceError` for bad trace input, including accesses the
    /// sink rejects with an `AccessError`, located at the trace, and ``WorkloadError`` for a
    /// guest that cannot run or does not finish (the accesses it made would be partial).
    @discardableResult
    public static func feed(_ configuration: RunConfiguration, into sink: AccessSink,
                            emulator: EmulatorOptions = EmulatorOptions()) throws -> UInt64 {
        switch configuration.workload {
        case let .trace(trace):
            var source = try openTrace(path: trace.resolvedPath, displayName: trace.resolvedPath,
                                       format: trace.format, cpus: configuration.cpus)
            do {
                return try pump(&source, into: sink)
            } catch let e as AccessError {
                // Readers reject these first with a line number; this names at least the file.
                throw TraceError(file: trace.resolvedPath, message: e.description)
            } catch let e as OutOfMemoryError {
                // The trace's distinct lines outgrew memory.
                throw TraceError(file: trace.resolvedPath, message: e.description)
            }
        case let .generator(spec):
            var source = spec.makeSource(cpus: configuration.cpus, seed: configuration.seed)
            return try pump(&source, into: sink)
        case let .emulated(workload):
            let guest = try emulate(configuration, workload, into: sink, options: emulator)
            guard guest.succeeded else {
                let (key, path) = workload.programKey
                throw WorkloadError(place: configuration.file, key: key, path: path,
                                    message: "the guest did not finish, so its accesses would be partial: \(guest.message)")
            }
            return guest.recordedAccesses
        }
    }
}
