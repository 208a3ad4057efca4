import ArgumentParser
import Experiments
import Foundation
import Reports

/// `mtlab run CONFIG`: simulate a config's workload and report the counters.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Simulate the workload a TOML config describes and report counters, hot lines and statistics.",
        discussion: """
            Prints a text report to stdout unless --json writes to stdout. Output files are \
            written only after the run, each complete or not at all. Any config key can be \
            overridden: --set cache.ways=4 --set coherence.protocol=msi. An emulated guest's \
            console output goes to stdout as it is produced (stderr when --json writes to \
            stdout), or to --console FILE. A guest that does not exit with code 0 is reported \
            (its counters marked partial) and makes mtlab exit with status 2; other errors \
            exit with status 1.
            """)

    @Argument(help: "The run's TOML config file.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key before validation (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("Write the JSON report to this file ('-' for stdout).", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Write tidy CSV files (cpus, lines, line_offsets, statistics; levels and timing for a cache hierarchy) into this folder.", valueName: "dir"))
    var csv: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Hottest lines to list (default: 10 in the text report, 100 in JSON).", valueName: "n"))
    var top: Int?

    @Option(help: ArgumentHelp("Rank the hottest lines by movement (default) or by stall cycles (cycles; needs a latency in the config).", valueName: "movement|cycles"))
    var rank: String = "movement"

    @Flag(help: "Check the single-writer/multiple-reader invariant after every line access (slow).")
    var check = false

    @Option(help: ArgumentHelp("Write an emulated guest's console output to this file.", valueName: "file"))
    var console: String?


    func run() throws {
        try reportingErrors { try execute() }
    }

    private func execute() throws {
        if let top, top < 0 {
            throw ValidationError("--top must be 0 or more, got \(top)")
        }
        guard let ranking = LineRanking(rawValue: rank) else {
            throw ValidationError("--rank must be one of \(LineRanking.allCases.map(\.rawValue).joined(separator: ", ")), got '\(rank)'")
        }
        let configuration = try RunConfiguration.load(path: config, overrides: overrides)
        if ranking == .cycles, configuration.hierarchy?.hasTiming != true {
            throw ValidationError("--rank cycles needs a config with timing: give a latency (cache.latency, level.N.latency, memory.latency or coherence.transfer_latency)")
        }
        // Refuse bad destinations before the run, which may be long.
        if let json, json != "-" { try OutputFiles.checkFile(json) }
        if let csv { try OutputFiles.checkFolder(csv, allowing: CSVReport.fileNames) }

        if console != nil, configuration.emulated == nil {
            throw ValidationError("--console applies only to emulated workloads (workload.elf or workload.guest)")
        }
        let output = try console.map { try ConsoleOutput(path: $0) }
            ?? ConsoleOutput(descriptor: json == "-" ? 2 : 1)
        var kept = false
        defer { try? output.finish(keep: kept) }

        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try Runner.run(configuration, checkInvariants: check,
                                     emulator: EmulatorOptions(console: output.append))
        let elapsed = clock.now - start
        output.flush()

        var files = OutputFiles()
        var jsonText: String?
        if let json {
            let text = JSONReport.render(outcome, top: top ?? 100, rank: ranking)
            if json == "-" { jsonText = text } else { files.add(path: json, contents: text) }
        }
        if let csv { files.add(folder: csv, files: CSVReport.render(outcome), family: CSVReport.fileNames) }
        try files.commit()
        kept = true
        try output.finish(keep: true)

        if let jsonText {
            try writeOut(jsonText)
        } else {
            try writeOut(TextReport.render(outcome, top: top ?? 10, rank: ranking))
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(outcome.result.totals.accesses) / seconds / 1e6 : 0
        var summary = String(format: "mtlab: %llu line accesses in %.3f s (%.1f M/s)",
                             outcome.result.totals.accesses, seconds, rate)
        if let guest = outcome.guest {
            let mips = seconds > 0 ? Double(guest.totalInstructions) / seconds / 1e6 : 0
            summary += String(format: ", %llu guest instructions (%.1f MIPS)", guest.totalInstructions, mips)
        }
        printError(summary + "\n")
        if check {
            // A violation would have ended the run with an error: reaching here means it held.
            let promises = configuration.hierarchy == nil ? "" : ", the agents' private copies and the levels' inclusion promises"
            printError("mtlab: --check: the single-writer/multiple-reader invariant\(promises.isEmpty ? " and" : ",") the snoop filter\(promises) held after every one of the \(outcome.result.totals.accesses) line accesses\n")
        }

        if let guest = outcome.guest, !guest.succeeded {
            let what = guest.ending.rawValue.replacingOccurrences(of: "_", with: " ")
            let message = "\(configuration.file): guest \(what): \(guest.message)"
                .split(whereSeparator: \.isNewline).joined(separator: " ")
            printError("mtlab: error: \(message)\n")
            throw ExitStatus.partial
        }
    }
}
