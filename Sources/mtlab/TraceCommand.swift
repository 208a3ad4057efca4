import ArgumentParser
import Experiments
import Foundation
import MTrace

/// `mtlab trace CONFIG -o FILE`: records a config's workload as an mtrace log.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Record the workload a TOML config describes as an mtrace log.",
        discussion: """
            The log starts with one machine record per CPU (system.cpus) and a host record \
            enabling recording, named after the workload; then come the accesses, each with \
            mtrace's traffic flag (the access moved a 64-byte line, by mtrace's owner bits, with \
            no limit on CPUs) and the lock flag of atomics; a host record disabling recording \
            ends it. --mode all keeps every access; --mode movement keeps, as mtrace did, only \
            those that move a line and those of locked instructions. For a trace workload this \
            converts its format. The log is gzip-compressed when FILE ends in .gz, and appears \
            only when complete.
            """)

    @Argument(help: "The run's TOML config file.")
    var config: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The mtrace log to write (.mtrace or .mtrace.gz).", valueName: "file"))
    var output: String

    @Option(help: "Which accesses to record: all, or movement (mtrace's default).")
    var mode: MTraceRecordingMode = .all

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key before validation (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    func run() throws {
        try reportingErrors {
            let configuration = try RunConfiguration.load(path: config, overrides: overrides)
            let summary = try recordLog(configuration, to: output, mode: mode)
            FileHandle.standardError.write(Data(("mtlab: \(output): \(summary.cpus) CPUs, \(summary.accessesRecorded) of "
                + "\(summary.accessesSeen) accesses recorded (\(mode.rawValue))\n").utf8))
        }
    }
}
