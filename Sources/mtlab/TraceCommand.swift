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
            The log starts with one machine record per CPU (system.cpus), as QEMU wrote them: \
            all with header CPU 0, flagged locked, and for an emulated guest also calls. Then \
            come the accesses, each with mtrace's traffic flag (the access moved a 64-byte \
            line, by mtrace's owner bits, with no limit on CPUs) and the guest address as host \
            address; an atomic is a load and a store, both with the lock flag, as mtrace \
            logged a locked instruction. A trace workload is wrapped in host records enabling \
            and disabling recording, named after the trace and stamped with instruction counts \
            (an access counts as one, and so does each host record): for it this converts the \
            format. An emulated guest's own annotation \
            records (labels, locks, host records, calls, …) go in among its accesses, in the \
            order it made them, and its console output goes to standard error. --mode all \
            keeps every access; --mode movement keeps, as mtrace did, only those that move a \
            line and those of locked instructions. The log is gzip-compressed when FILE ends \
            in .gz, and appears only when complete. A guest that does not exit with code 0 \
            still leaves its log, and makes mtlab exit with status 2.
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
        var guestFailed = false
        try reportingErrors {
            let configuration = try RunConfiguration.load(path: config, overrides: overrides)
            var console = ConsoleToStandardError()
            let (summary, outcome) = try recordLog(configuration, to: output, mode: mode,
                                                   emulator: EmulatorOptions(console: { console.append($0) }))
            console.flush()
            var line = "mtlab: \(output): \(summary.cpus) CPUs, \(summary.accessesRecorded) of \(summary.accessesSeen) "
                + "accesses recorded (\(mode.rawValue))"
            if outcome?.guest != nil { line += ", \(summary.annotations) annotation records" }
            printError(line + "\n")
            if let guest = outcome?.guest, !guest.succeeded {
                printError("mtlab: \(configuration.file): guest \(guest.ending.rawValue): \(guest.message)\n")
                guestFailed = true
            }
        }
        if guestFailed { throw ExitStatus.partial }
    }
}

/// A guest's console output, line by line on standard error.
private struct ConsoleToStandardError {
    private var line: [UInt8] = []
    mutating func append(_ byte: UInt8) {
        line.append(byte)
        if byte == 0x0A || line.count >= 4096 { flush() }
    }
    mutating func flush() {
        guard !line.isEmpty else { return }
        line.withUnsafeBytes(writeError)
        line.removeAll(keepingCapacity: true)
    }
}
