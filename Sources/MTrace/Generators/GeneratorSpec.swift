/// The synthetic workloads mtlab can generate instead of reading a trace. Raw values are
/// the names `workload.generator` accepts.
public enum GeneratorKind: String, CaseIterable, Sendable {
    /// The SplitMix64 reference trace of docs/semantics.md §2 (the synthetic reference trace) (4-byte accesses).
    case reference
    /// Each CPU increments its own counter; counters `stride` bytes apart (packed or padded).
    case perCPUCounters = "per-cpu-counters"
    /// Every CPU atomically increments one counter.
    case sharedCounter = "shared-counter"
    /// Every CPU increments one counter under a spinlock `stride` bytes before it.
    case lockCounter = "lock-counter"
    /// Each CPU accesses uniformly random entries of its own private working set.
    case uniform
    /// Each CPU walks its own working set sequentially, `stride` bytes a step, wrapping.
    case stream
    /// All CPUs look up random entries of one shared table that is rarely written.
    case readMostly = "read-mostly"

    /// The `[workload]` parameters this generator reads, besides `generator` itself; the
    /// others are accepted and ignored, so that one sweep can compare generators.
    public var parameters: [GeneratorParameter] {
        switch self {
        case .reference: return [.operations]
        case .perCPUCounters, .lockCounter: return [.operations, .accessSize, .stride, .writeFraction]
        case .sharedCounter: return [.operations, .accessSize, .writeFraction]
        case .uniform, .readMostly: return [.operations, .accessSize, .workingSet, .writeFraction]
        case .stream: return [.operations, .accessSize, .stride, .workingSet, .writeFraction]
        }
    }

    /// The write fraction used when the config gives none (the reference trace fixes its own).
    public var defaultWriteFraction: Double {
        switch self {
        case .reference: return 77.0 / 256.0
        case .perCPUCounters, .sharedCounter, .lockCounter: return 1
        case .uniform, .stream: return 0.3
        case .readMostly: return 0.01
        }
    }
}

/// A tunable of the generators, named as its `[workload]` key.
public enum GeneratorParameter: String, CaseIterable, Sendable {
    case operations
    case accessSize = "access_size"
    case stride
    case workingSet = "working_set"
    case writeFraction = "write_fraction"
}

/// A generator with its parameters: everything but the CPU count and the seed, which come
/// from the `[system]` table. Deterministic: the same spec, CPUs and seed give the same
/// trace bit for bit.
///
/// Every generator but `reference` interleaves its CPUs at random, one operation at a time,
/// uniformly among the CPUs with operations left (the seed decides the interleaving). The
/// trace is sequentially consistent: a lock acquisition always succeeds at once, so
/// spinning is not modelled.
public struct GeneratorSpec: Equatable, Hashable, Sendable {
    public var kind: GeneratorKind
    /// Operations per CPU (reference: references per CPU, issued round-robin).
    public var operations: Int
    /// Bytes per access (reference: always 4).
    public var accessSize: Int
    /// Bytes between per-CPU counters, between the lock and its counter, or between the
    /// stream's consecutive accesses.
    public var stride: Int
    /// Bytes of each CPU's region (uniform, stream) or of the shared table (read-mostly).
    public var workingSet: Int
    /// Fraction of operations that write (0…1).
    public var writeFraction: Double

    /// Where every generator's data starts: line- and page-aligned, clear of address 0.
    public static let baseAddress: UInt64 = 0x1000_0000
    /// Per-CPU regions start this far apart at least (their working set rounded up to a
    /// page), so that no two CPUs' regions share a line.
    public static let regionAlignment = 4096
    /// Largest `operations` and `working_set`: 2^40.
    public static let maximumCount = 1 << 40

    /// A spec with the defaults of the config table: `stride` = `accessSize` (packed)
    /// and the kind's default write fraction when they are nil.
    public init(kind: GeneratorKind, operations: Int = 100_000, accessSize: Int = 8, stride: Int? = nil,
                workingSet: Int = 1 << 20, writeFraction: Double? = nil) {
        self.kind = kind
        self.operations = operations
        self.accessSize = kind == .reference ? 4 : accessSize
        self.stride = stride ?? accessSize
        self.workingSet = workingSet
        self.writeFraction = writeFraction ?? kind.defaultWriteFraction
    }

    /// Checks the parameters this kind reads. Throws ``GeneratorError`` naming the key.
    public func validate() throws {
        let used = Set(kind.parameters)
        guard operations >= 1, operations <= Self.maximumCount else {
            throw GeneratorError(parameter: .operations, message: "must be 1…2^40, got \(operations)")
        }
        if used.contains(.accessSize), !(1...maximumAccessSize).contains(accessSize) {
            throw GeneratorError(parameter: .accessSize, message: "must be 1…\(maximumAccessSize) bytes, got \(accessSize)")
        }
        if used.contains(.stride) {
            // Counters and the lock must not overlap; the stream only has to move forward.
            let least = kind == .stream ? 1 : accessSize
            guard stride >= least, stride <= 1 << 30 else {
                let why = kind == .stream ? "" : " (at least access_size, \(accessSize), so that the \(kind == .lockCounter ? "lock and the counter" : "counters") do not overlap)"
                throw GeneratorError(parameter: .stride, message: "must be \(least)…2^30 bytes\(why), got \(stride)")
            }
        }
        if used.contains(.workingSet) {
            guard workingSet >= accessSize, workingSet <= Self.maximumCount, workingSet % accessSize == 0 else {
                throw GeneratorError(parameter: .workingSet,
                                     message: "must be a multiple of access_size (\(accessSize)) from \(accessSize) bytes to 2^40, got \(workingSet)")
            }
        }
        if used.contains(.writeFraction), !(writeFraction >= 0 && writeFraction <= 1) {
            throw GeneratorError(parameter: .writeFraction, message: "must be 0…1, got \(writeFraction)")
        }
    }

    /// All operations of a run with `cpus` CPUs: the denominator of "per operation" rates.
    public func totalOperations(cpus: Int) -> UInt64 { UInt64(operations) * UInt64(cpus) }

    /// Whether `seed` can change the trace for `cpus` CPUs: false when the generator draws
    /// no random number at all (one CPU, or counters and streams with a write fraction of
    /// 0 or 1 on one CPU), so that seeds would repeat identical runs.
    public func usesSeed(cpus: Int) -> Bool {
        let randomWrites = writeFraction > 0 && writeFraction < 1
        switch kind {
        case .reference, .uniform, .readMostly: return true
        case .perCPUCounters, .sharedCounter, .lockCounter, .stream: return cpus > 1 || randomWrites
        }
    }

    /// The trace for `cpus` CPUs (1…65536) from `seed`, streamed: memory does not grow
    /// with `operations`. Call ``validate()`` first; an invalid spec traps.
    public func makeSource(cpus: Int, seed: UInt64) -> any TraceSource {
        precondition(cpus >= 1 && cpus <= Int(UInt16.max) + 1, "cpus must be 1…65536")
        if kind == .reference {
            return SyntheticReferenceTrace(references: operations * cpus, seed: seed, cpus: cpus)
        }
        let common = OperationContext(spec: self, cpus: cpus, seed: seed)
        switch kind {
        case .reference: preconditionFailure("handled above")
        case .perCPUCounters: return GeneratedTrace(PerCPUCounters(common))
        case .sharedCounter: return GeneratedTrace(SharedCounter(common))
        case .lockCounter: return GeneratedTrace(LockCounter(common))
        case .uniform: return GeneratedTrace(UniformRandom(common, shared: false))
        case .stream: return GeneratedTrace(SequentialStream(common))
        case .readMostly: return GeneratedTrace(UniformRandom(common, shared: true))
        }
    }
}

/// A generator parameter out of range.
public struct GeneratorError: Error, CustomStringConvertible, Equatable, Sendable {
    public var parameter: GeneratorParameter
    public var message: String
    public init(parameter: GeneratorParameter, message: String) {
        self.parameter = parameter
        self.message = message
    }
    /// `workload.<key> <message>`.
    public var description: String { "workload.\(parameter.rawValue) \(message)" }
}
