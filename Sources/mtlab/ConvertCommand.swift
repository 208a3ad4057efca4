import ArgumentParser
import MTrace

extension TraceFormat: ExpressibleByArgument {}
extension MTraceRecordingMode: ExpressibleByArgument {}

/// `mtlab convert IN OUT`: converts traces between text, din and mtrace logs.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a trace between text, din and mtrace formats.",
        discussion: """
            Formats follow the file names (.trace, .din, .mtrace, each optionally .gz; .gz \
            outputs are compressed) unless --from or --to says otherwise. Into an mtrace log go \
            a machine record per CPU, a host record enabling recording (named after the \
            input), the accesses (with mtrace's traffic flag from its line-movement tracking \
            and the lock flag of atomics) and a disabling host record. Out of an mtrace log \
            come its accesses; its other records are dropped (text and din cannot hold them). \
            din holds only CPU 0's accesses.
            """)

    @Argument(help: "The trace to read.")
    var input: String

    @Argument(help: "The trace to write.")
    var output: String

    @Option(help: "Input format: text, din or mtrace (default: from the name).")
    var from: TraceFormat?

    @Option(help: "Output format: text, din or mtrace (default: from the name).")
    var to: TraceFormat?

    @Option(parsing: .unconditional, help: "CPUs of the traced machine, for text input and mtrace output (default: one more than the largest CPU).")
    var cpus: Int?

    @Option(help: "For mtrace output: movement (only accesses that move a cache line, and locked ones) or all.")
    var mode: MTraceRecordingMode = .all

    func validate() throws {
        if let cpus, cpus < 1 || cpus > 65536 { throw ValidationError("--cpus must be 1...65536") }
    }

    func run() throws {
        try reportingErrors(execute)
    }

    private func execute() throws {
        guard let inputFormat = from ?? TraceFormat.infer(fromPath: input) else {
            throw CommandError("cannot tell the format of \(input) from its name; give --from text|din|mtrace")
        }
        guard let outputFormat = to ?? TraceFormat.infer(fromPath: output) else {
            throw CommandError("cannot tell the format of \(output) from its name; give --to text|din|mtrace")
        }
        let summary = try convertTrace(from: input, format: inputFormat, to: output, format: outputFormat, cpus: cpus, mode: mode)
        var line = "\(input) (\(inputFormat.rawValue)) → \(output) (\(outputFormat.rawValue)): "
            + "\(summary.accessesWritten) of \(summary.accessesRead) accesses written"
        if let n = summary.cpus { line += ", \(n) CPUs" }
        if summary.recordsDropped > 0 { line += ", \(summary.recordsDropped) other records dropped" }
        if summary.unknownRecords > 0 { line += ", \(summary.unknownRecords) of unknown types" }
        try writeOut(line + "\n")
    }
}
