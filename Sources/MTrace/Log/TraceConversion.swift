/// What ``convertTrace(from:format:to:format:cpus:mode:displayNames:)`` did.
public struct TraceConversionSummary: Equatable, Sendable {
    /// Accesses read from the input.
    public var accessesRead: UInt64 = 0
    /// Accesses written to the output (fewer than read only in movement mode).
    public var accessesWritten: UInt64 = 0
    /// Records of an mtrace input other than accesses, which a text or din output cannot
    /// hold and so dropped (unknown types included).
    public var recordsDropped: UInt64 = 0
    /// Records of unknown types in an mtrace input.
    public var unknownRecords: UInt64 = 0
    /// The CPU count written into the machine records of an mtrace output.
    public var cpus: Int?
    public init() {}
}

/// Converts a trace between text, din and mtrace logs.
///
/// Text or din into mtrace writes what ``MTraceRecorder`` writes: a machine record per CPU
/// (`cpus`, or one more than the largest CPU in the input, found by a first pass), the
/// enabling host record named after the input, the accesses `mode` keeps, and the
/// disabling host record. mtrace into text or din keeps the accesses and drops the other
/// records; din holds only CPU 0's accesses. mtrace into mtrace copies every record, unknown
/// types included, byte for byte (compressing or inflating as the names say). Text into
/// text or din converts the accesses. Throws ``TraceError``; the output appears only when
/// the conversion succeeds.
public func convertTrace(from input: String, format inputFormat: TraceFormat,
                         to output: String, format outputFormat: TraceFormat,
                         cpus: Int? = nil, mode: MTraceRecordingMode = .all,
                         displayNames: (input: String, output: String)? = nil) throws -> TraceConversionSummary {
    let inputName = displayNames?.input ?? input
    let outputName = displayNames?.output ?? output
    var summary = TraceConversionSummary()
    // Text traces check every CPU against a count; without one, any 16-bit CPU is accepted.
    let inputCPUs = cpus ?? 65536

    if inputFormat == .mtrace && outputFormat == .mtrace {
        let reader = try MTraceLogReader(path: input, displayName: inputName)
        reader.keepsUnknownRecords = true
        let writer = try MTraceLogWriter(path: output, displayName: outputName)
        do {
            var bytes: [UInt8] = []
            while let record = try reader.next(rawBytes: &bytes) {
                try writer.write(rawRecord: bytes)
                if case .access = record.entry {
                    summary.accessesRead += 1
                    summary.accessesWritten += 1
                }
            }
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
        summary.unknownRecords = reader.unknownRecords
        return summary
    }

    let sink: AccessSink
    var finish: () throws -> Void
    var discard: () -> Void
    switch outputFormat {
    case .text:
        let writer = try TextTraceWriter(path: output, displayName: outputName)
        (sink, finish, discard) = (writer, writer.finish, {})
    case .din:
        let writer = try DinTraceWriter(path: output, displayName: outputName)
        (sink, finish, discard) = (writer, writer.finish, {})
    case .mtrace:
        var count = cpus
        if count == nil {
            // One pass to find the CPUs: machine records come first and must say how many.
            var largest = -1
            var first = try openTrace(path: input, displayName: inputName, format: inputFormat, cpus: inputCPUs)
            let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: defaultBatchSize)
            defer { buffer.deallocate() }
            while true {
                let n = try first.read(into: buffer)
                if n == 0 { break }
                for a in buffer[0..<n] where Int(a.cpu) > largest { largest = Int(a.cpu) }
            }
            count = max(1, largest + 1)
        }
        summary.cpus = count
        let writer = try MTraceLogWriter(path: output, displayName: outputName)
        let base = String(inputName.split(separator: "/").last ?? Substring(inputName))
        let recorder: MTraceRecorder
        do {
            recorder = try MTraceRecorder(writer: writer, cpus: count!, mode: mode, name: base)
        } catch {
            writer.discard()
            throw error
        }
        (sink, finish, discard) = (recorder, recorder.finish, writer.discard)
    }

    do {
        var source = try openTrace(path: input, displayName: inputName, format: inputFormat, cpus: inputCPUs)
        summary.accessesRead = try pump(&source, into: sink)
        try finish()
        if let mtrace = source as? MTraceAccessSource {
            summary.unknownRecords = mtrace.reader.unknownRecords
            // An atomic read as a locked load and store pair is two records.
            summary.recordsDropped = mtrace.reader.recordsRead - summary.accessesRead - mtrace.reader.lockedPairs
                + mtrace.reader.unknownRecords
        }
    } catch {
        discard()
        throw error
    }
    summary.accessesWritten = (sink as? MTraceRecorder)?.accessesRecorded ?? summary.accessesRead
    return summary
}
