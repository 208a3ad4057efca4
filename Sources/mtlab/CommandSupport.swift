import ArgumentParser
import Foundation
import MTrace

/// mtlab's exit statuses, as the README's table lists them.
enum ExitStatus {
    /// Bad input: a config, trace, log, ELF or output path that cannot be used.
    static let badInput = ExitCode(1)
    /// The run finished but is partial: a guest that failed, a damaged log read with --partial.
    static let partial = ExitCode(2)
    /// A command line that does not parse or an option out of range (sysexits' EX_USAGE).
    static let usage = ExitCode(64)
    /// The reader of standard output went away: end quietly, as a process killed by SIGPIPE.
    static let brokenPipe = ExitCode(141)
}

/// Runs a command's body and turns any error into one line `mtlab: error: …` on stderr and
/// the exit status of its kind, so scripts can show or grep it.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as OutputError where error.isBrokenPipe {
        throw ExitStatus.brokenPipe
    } catch let error as ValidationError {
        printError("mtlab: error: \(oneLine(error.message)) (mtlab help shows the usage)\n")
        throw ExitStatus.usage
    } catch {
        printError("mtlab: error: \(oneLine(String(describing: error)))\n")
        throw ExitStatus.badInput
    }
}

/// A message on one line, so that every error is exactly one line of stderr.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).joined(separator: " ")
}

/// Writes `text` to stdout, all of it; a failed write is an ``OutputError`` (a broken pipe
/// among them, which ``reportingErrors(_:)`` turns into a quiet exit).
func writeOut(_ text: String) throws {
    try standardOutput.write(text)
}

private let standardOutput = OutputFile(standardOutput: ())

/// Writes `text` to stderr as it is.
func printError(_ text: String) {
    var text = text
    text.withUTF8 { writeError(UnsafeRawBufferPointer($0)) }
}

/// Writes bytes to stderr; a failed write to stderr has nowhere to be reported, so it is
/// dropped rather than ending the run.
func writeError(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count, let base = bytes.baseAddress {
        let n = write(2, base + offset, bytes.count - offset)
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
    }
}
