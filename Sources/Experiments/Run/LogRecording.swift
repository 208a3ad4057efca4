import CPUModel
import MTrace

/// What ``recordLog(_:to:mode:emulator:)`` wrote.
public struct LogRecordingSummary: Equatable, Sendable {
    /// Accesses the workload made (every one counts on the log's access clock).
    public var accessesSeen: UInt64
    /// Accesses written as access records (all of them, or those the movement mode keeps).
    public var accessesRecorded: UInt64
    /// Machine records written: one per CPU.
    public var cpus: Int
    /// Annotation records an emulated guest registered (labels, locks, calls, …), written
    /// as the guest laid them out.
    public var annotations: UInt64 = 0

    public init(accessesSeen: UInt64, accessesRecorded: UInt64, cpus: Int, annotations: UInt64 = 0) {
        self.accessesSeen = accessesSeen
        self.accessesRecorded = accessesRecorded
        self.cpus = cpus
        self.annotations = annotations
    }
}

/// Runs `configuration`'s workload and writes it as an mtrace log at `path` (gzip when it
/// ends in `.gz`): one machine record per CPU (`system.cpus`; with the `calls` flag for an
/// emulated guest, which may turn call tracing on), then the accesses `mode` keeps, each
/// with mtrace's traffic flag (64-byte lines, as mtrace tracked them) and lock flag. A trace or generated workload is wrapped in a host record enabling recording, named
/// after the trace (or the generator), and one disabling it: for a trace this converts the format. An emulated workload's
/// annotation records (its own host records included) go in among the accesses, in the
/// order the guest made them; the run's outcome (the guest's ending) comes back too.
/// Throws ``TraceError`` and the run's errors; the log appears only when complete.
public func recordLog(_ configuration: RunConfiguration, to path: String, mode: MTraceRecordingMode,
                      emulator: EmulatorOptions = EmulatorOptions()) throws -> (LogRecordingSummary, CompletedRun?) {
    let writer = try MTraceLogWriter(path: path)
    do {
        switch configuration.workload {
        case .trace, .generator:
            let name: String
            switch configuration.workload {
            case let .trace(trace): name = trace.path
            case let .generator(spec): name = spec.kind.rawValue
            case .emulated: preconditionFailure("handled below")
            }
            let recorder = try MTraceRecorder(writer: writer, cpus: configuration.cpus, mode: mode, name: name)
            try Runner.feed(configuration, into: recorder)
            try recorder.finish()
            return (LogRecordingSummary(accessesSeen: recorder.accessesSeen, accessesRecorded: recorder.accessesRecorded,
                                        cpus: configuration.cpus), nil)
        case let .emulated(workload):
            let recorder = try MTraceRecorder(writer: writer, cpus: configuration.cpus, mode: mode,
                                              name: workload.programKey.path, hostRecords: false,
                                              ram: UInt64(workload.ramSize), quantum: UInt64(workload.quantum),
                                              calls: true)
            let annotations = AnnotationRecording(writer)
            var options = emulator
            options.annotations = annotations
            options.accessObserver = recorder
            let outcome = try Runner.run(configuration, emulator: options)
            try recorder.finish()
            return (LogRecordingSummary(accessesSeen: recorder.accessesSeen, accessesRecorded: recorder.accessesRecorded,
                                        cpus: configuration.cpus, annotations: annotations.count), outcome)
        }
    } catch {
        writer.discard()
        throw error
    }
}

/// Writes a guest's annotation records into the log unchanged: the emulator stamped their
/// headers as QEMU's mtrace did, and hands each over after the accesses made before it.
private final class AnnotationRecording: AnnotationSink {
    let writer: MTraceLogWriter
    private(set) var count: UInt64 = 0
    init(_ writer: MTraceLogWriter) { self.writer = writer }
    func annotate(_ record: AnnotationRecord) throws {
        try writer.write(rawRecord: record.bytes)
        count += 1
    }
}
