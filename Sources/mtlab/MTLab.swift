import ArgumentParser
import Experiments

@main
struct MTLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtlab",
        abstract: "A cache-coherence simulation laboratory.",
        subcommands: [RunCommand.self, SweepCommand.self, MRCCommand.self, PlotCommand.self,
                      TraceCommand.self, ScanCommand.self, DumpCommand.self, ConvertCommand.self,
                      BenchCommand.self, ProtocolsCommand.self])
}
