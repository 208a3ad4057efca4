import MTrace

extension RunConfiguration {
    /// Whether `system.seed` can change this run: the `random` and `brrip` replacement
    /// policies draw from it, and so do generators that make random choices. A trace
    /// replayed with another policy gives identical counters for every seed.
    public var seedMatters: Bool {
        if replacement.drawsRandomNumbers { return true }
        if let h = hierarchy, (h.data + [h.instruction].compactMap { $0 }).contains(where: { $0.replacement.drawsRandomNumbers }) {
            return true
        }
        switch workload {
        case .trace: return false
        case let .generator(spec): return spec.usesSeed(cpus: cpus)
        case let .emulated(e): return e.jitter > 0  // the seed jitters the scheduler's quantum
        }
    }

    /// The workload in a few words, for reports: the trace path and format, or the
    /// generator with the parameters it reads.
    public var workloadDescription: String {
        switch workload {
        case let .trace(trace):
            return "\(trace.resolvedPath) (\(trace.format.rawValue))"
        case let .generator(spec):
            let values = resolvedValues.filter { $0.key.hasPrefix("workload.") && $0.key != "workload.generator" }
                .map { "\($0.key.dropFirst("workload.".count)) \($0.value)" }
            return "\(spec.kind.rawValue) generator (\(values.joined(separator: ", ")))"
        case let .emulated(e):
            switch e.program {
            case let .elf(_, resolvedPath): return resolvedPath
            case let .guest(_, resolvedPath, cflags): return resolvedPath + (cflags.isEmpty ? "" : " (\(cflags))")
            }
        }
    }
}

extension CompletedRun {
    /// What "per operation" rates divide by: a generator's operations over all CPUs, the
    /// operations a guest counted with `mtops` (its recorded accesses if it counted none),
    /// or a trace's records (accesses before they are split into line accesses).
    public var operations: UInt64 {
        switch configuration.workload {
        case .trace: return workloadAccesses
        case let .generator(spec): return spec.totalOperations(cpus: configuration.cpus)
        case .emulated: return guest.map { $0.operations > 0 ? $0.operations : $0.recordedAccesses } ?? workloadAccesses
        }
    }
}
