import ArgumentParser
import Experiments
import Foundation

@main
struct MTLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtlab",
        abstract: "A cache-coherence simulation laboratory.",
        subcommands: [RunCommand.self, SweepCommand.self, MRCCommand.self, PlotCommand.self,
                      TraceCommand.self, ScanCommand.self, DumpCommand.self, ConvertCommand.self,
                      BenchCommand.self, ProtocolsCommand.self])

    /// As ArgumentParser's own entry point, except that a command line it cannot parse is
    /// reported like every other bad input: one line `mtlab: error: …` on stderr.
    static func main() {
        // A reader that goes away makes writes fail with EPIPE, which each command turns
        // into a quiet exit, instead of a signal that could strike mid-file.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // Help and version requests, and exit statuses the commands chose themselves.
            if error is ExitCode || exitCode(for: error) == .success { exit(withError: error) }
            let text = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            printError("mtlab: error: \(text) (mtlab help shows the usage)\n")
            exit(withError: exitCode(for: error))
        }
    }
}
