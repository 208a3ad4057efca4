import ArgumentParser
import Experiments
import Foundation
import Scan
import Reports

extension ConflictGranularity: ExpressibleByArgument {}

/// `mtlab scan LOG`: mscan's analyses of an mtrace log.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Analyse an mtrace log: shared addresses, false sharing, serial sections and more.",
        discussion: """
            With no analysis flag, runs --summary, --shared-addresses and --false-sharing, as \
            mscan did. Labels come from the log's label and segment records and, with \
            --symbols, from the ELF file's symbol table (sized objects label addresses, \
            functions name pcs). Line-based analyses use cache.line_size (default 64). Text \
            tables show the --top rows of each analysis, most important first; --json writes \
            every row, with mscan's keys, to a file (or - for standard output); --mscan-json \
            writes the same report with mscan's own shapes where mtlab's differ (false-sharing \
            as a list of {pc, instances}), for scripts written for mscan. A locked load \
            followed by the locked store of the same CPU to the same bytes counts as one \
            atomic access. A damaged log (an access running past 2^64 included) is an error \
            naming the byte offset, unless --partial asks for a report of what came before \
            the fault; that report is written in full and mtlab then exits with status 2.
            """)

    @Argument(help: "The mtrace log (.mtrace or .mtrace.gz).")
    var log: String

    @Option(help: "The ELF executable that ran, for symbols.")
    var symbols: String?

    @Flag(help: "Records by type, accesses by CPU and kind, the access-count window, instructions.")
    var summary = false

    @Flag(help: "Addresses touched by more than one CPU (key shared-addresses).")
    var sharedAddresses = false

    @Flag(help: "Lines holding objects that different CPUs access, with a byte-level check (key false-sharing).")
    var falseSharing = false

    @Flag(help: "Lines written by one CPU and touched by another (key shared_cachelines).")
    var allSharing = false

    @Flag(help: "Per-CPU set-associative simulation with --set cache.* (key cachesim_cpus).")
    var cacheAssoc = false

    @Flag(help: "Lock hold times and the coherence misses inside them (key serial-sections).")
    var serialSections = false

    @Flag(help: "Distinct lines moved per call and per operation (keys distinct-per-entry, distinct-per-op).")
    var distinctOps = false

    @Flag(help: "Conflicting accesses of different CPUs in each test window (key testcases).")
    var checkTestcases = false

    @Option(help: "Overlap for --check-testcases: byte or line.")
    var granularity: ConflictGranularity = .byte

    @Option(name: .customLong("call-stacks"), help: ArgumentHelp("Call stacks of the accesses at this pc (hex); repeatable (key call-stacks).", valueName: "pc"))
    var callStacks: [String] = []

    @Flag(help: "Accesses to RCU-collected objects outside an RCU epoch (key checkgc).")
    var checkGc = false

    @Option(help: ArgumentHelp("Write the report as JSON to this file (- for standard output).", valueName: "file"))
    var json: String?

    @Option(name: .customLong("mscan-json"), help: ArgumentHelp("Write the report as JSON shaped as mscan's to this file (- for standard output).", valueName: "file"))
    var mscanJSON: String?

    @Option(parsing: .unconditional, help: "Rows per text table.")
    var top = 20

    @Flag(help: "On a damaged log, report what was read before the fault.")
    var partial = false

    @Option(name: .customLong("set"), help: ArgumentHelp("Cache setting for --cache-assoc and line size: cache.sets, cache.ways, cache.line_size, cache.size, cache.replacement.", valueName: "key=value"))
    var settings: [String] = []

    /// The exit status after the report of a damaged log read with --partial.
    static let partialReport = ExitStatus.partial

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        if json == "-" && mscanJSON == "-" {
            throw ValidationError("--json and --mscan-json cannot both write to standard output")
        }
    }

    func run() throws {
        var partialReport = false
        try reportingErrors { partialReport = try execute() }
        if partialReport { throw ScanCommand.partialReport }
    }

    /// Runs the scan and writes its report; returns whether the report is partial.
    private func execute() throws -> Bool {
        var options = ScanOptions()
        options.symbolsPath = symbols
        options.granularity = granularity
        options.partial = partial
        for setting in settings { try options.apply(setting: setting) }
        let flags: [(Bool, ScanAnalysisKind)] = [
            (summary, .summary), (sharedAddresses, .sharedAddresses), (falseSharing, .falseSharing),
            (allSharing, .allSharing), (cacheAssoc, .cacheAssoc), (serialSections, .serialSections),
            (distinctOps, .distinctOps), (checkTestcases, .checkTestcases), (!callStacks.isEmpty, .callStacks),
            (checkGc, .checkGC),
        ]
        options.analyses = Set(flags.filter(\.0).map(\.1))
        options.callStackPCs = try callStacks.map { text in
            let digits = text.lowercased().hasPrefix("0x") ? String(text.dropFirst(2)) : text
            guard let pc = UInt64(digits, radix: 16) else {
                throw CommandError("--call-stacks \(text): expected a pc in hexadecimal, such as 0x401a2c")
            }
            return pc
        }

        // Refuse bad destinations before the scan, which may be long.
        for destination in [json, mscanJSON].compactMap({ $0 }) where destination != "-" {
            try OutputFiles.checkFile(destination)
        }
        let report = try scanLog(path: log, options: options)
        var files = OutputFiles()
        for (destination, text) in [(json, report.json), (mscanJSON, report.mscanJSON)] {
            guard let destination else { continue }
            if destination == "-" { try writeOut(text()) } else { files.add(path: destination, contents: text()) }
        }
        try files.commit()
        if json == nil && mscanJSON == nil {
            try writeOut(report.text(top: top))
        }
        if let fault = report.fault {
            // Last, like a failed guest's error after its report: the status (2) and this line
            // say the report covers only what came before the fault.
            printError("mtlab: error: \(oneLine(String(describing: fault))) (the report covers the log before this fault)\n")
        }
        return report.fault != nil
    }
}

/// A bad argument found while running a command, reported like any other error.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
