import ArgumentParser
import Coherence

/// `mtlab protocols`: prints the coherence protocols' transition tables, exactly as the
/// engine executes them.
struct ProtocolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocols",
        abstract: "Print the coherence protocols' transition tables.")

    @Argument(help: "Protocols to print (none, msi, mesi, moesi); all when omitted.")
    var names: [String] = []

    func run() throws {
        try reportingErrors(execute)
    }

    private func execute() throws {
        let chosen = try names.isEmpty ? CoherenceProtocol.allCases : names.map { name in
            guard let p = CoherenceProtocol(rawValue: name) else {
                throw ValidationError("unknown protocol '\(name)': expected none, msi, mesi or moesi")
            }
            return p
        }
        try writeOut(chosen.map { "\($0.rawValue)\n\(ProtocolTable.of($0).rendered)" }.joined(separator: "\n\n") + "\n")
    }
}
