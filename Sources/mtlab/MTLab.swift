import ArgumentParser
import Experiments

@main
struct MTLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtlab",
        abstract: "A cache-coherence simulation laboratory.",
        subcommands: [RunCommand.self, SweepCommand.self, MRCCommand.self, PlotCommand.self, BenchCommand.self, ProtocolsCommand.self])
}
