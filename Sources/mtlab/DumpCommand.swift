import ArgumentParser
import Foundation
import MTrace

/// `mtlab dump LOG`: an mtrace log as text, one record per line, every entry type (like
/// mtrace's m2text).
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print an mtrace log, one record per line.",
        discussion: """
            Each line is the record type, the header (cpu, ac = access_count, ts), then every \
            field as key=value; strings are quoted. Records of unknown types are printed as \
            their raw payload. The log may be raw or gzip-compressed. A damaged log prints \
            every record before the fault, then fails with the fault's byte offset.
            """)

    @Argument(help: "The mtrace log (.mtrace or .mtrace.gz).")
    var log: String

    @Flag(help: "Start each line with the record's byte offset in the (uncompressed) log.")
    var offsets = false

    func run() throws {
        try reportingErrors(execute)
    }

    private func execute() throws {
        let reader = try MTraceLogReader(path: log)
        reader.keepsUnknownRecords = true
        var out = BufferedStandardOutput()
        while let record = try reader.next() {
            if offsets { try out.write("\(reader.lastRecordOffset) ") }
            try out.write(record.description)
            try out.write("\n")
        }
        try out.flush()
    }
}

/// Standard output in large writes: a log has millions of lines.
struct BufferedStandardOutput {
    private var buffer = ""

    mutating func write(_ text: String) throws {
        buffer += text
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer = "" }
        try writeOut(buffer)
    }
}
