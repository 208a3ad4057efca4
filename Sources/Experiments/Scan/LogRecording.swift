import MTrace

/// What ``recordLog(_:to:mode:)`` wrote.
public struct LogRecordingSummary: Equatable, Sendable {
    /// Accesses the workload made (every one counts on the log's access clock).
    public var accessesSeen: UInt64
    /// Accesses written as access records (all of them, or those the movement mode keeps).
    public var accessesRecorded: UInt64
    /// Machine records written: one per CPU.
    public var cpus: Int
}

/// Runs `configuration`'s workload and writes its accesses as an mtrace log at `path`
/// (gzip when it ends in `.gz`): one machine record per CPU (`system.cpus`), a host record
/// enabling recording named after the workload, the accesses `mode` keeps with mtrace's
/// traffic flag (64-byte lines, as mtrace tracked them) and lock flag, and a host record
/// disabling recording. For a trace workload this converts its format. Throws
/// ``TraceError``; the log appears only when complete.
public func recordLog(_ configuration: RunConfiguration, to path: String, mode: MTraceRecordingMode) throws
    -> LogRecordingSummary {
    switch configuration.workload {
    case let .trace(trace):
        var source = try openTrace(path: trace.resolvedPath, displayName: trace.resolvedPath,
                                   format: trace.format, cpus: configuration.cpus)
        let writer = try MTraceLogWriter(path: path)
        do {
            let recorder = try MTraceRecorder(writer: writer, cpus: configuration.cpus, mode: mode, name: trace.path)
            try pump(&source, into: recorder)
            try recorder.finish()
            return LogRecordingSummary(accessesSeen: recorder.accessesSeen, accessesRecorded: recorder.accessesRecorded,
                                       cpus: configuration.cpus)
        } catch {
            writer.discard()
            throw error
        }
    }
}
