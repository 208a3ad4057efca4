import ArgumentParser
import Experiments
import Foundation
import Plots

/// `mtlab plot RESULTS`: publication plots with gnuplot, data and script kept beside the image.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot sweep results, miss-ratio curves or one run's transfers and byte offsets with gnuplot.",
        discussion: """
            Kinds: line (--y against --x, one line per --series, 95% CI error bars over seeds), \
            scaling (default --x system.cpus --y movement_per_operation), mrc (miss ratio against \
            cache size from `mtlab mrc` or a sweep), transfer-matrix and line-offsets (from one \
            run's JSON, `mtlab run --json`). RESULTS is a sweep's output folder or CSV table, an \
            mrc CSV, or a run's JSON. The image type follows -o (.png, .svg, .pdf); FILE.dat and \
            FILE.gp are written beside it. Set MTLAB_GNUPLOT to use another gnuplot.
            """)

    @Argument(help: "A sweep's output folder, results.csv or summary.csv; an mrc CSV; or a run's JSON.")
    var results: String

    @Option(help: ArgumentHelp("The kind of plot: line, mrc, transfer-matrix, line-offsets, scaling.", valueName: "kind"))
    var kind: String = "line"

    @Option(help: ArgumentHelp("Column on the x axis (a grid key, or an mrc column).", valueName: "key"))
    var x: String?

    @Option(help: ArgumentHelp("Column on the y axis (a counter or a rate such as miss_ratio).", valueName: "metric"))
    var y: String?

    @Option(help: ArgumentHelp("Column whose values make separate lines.", valueName: "key"))
    var series: String?

    @Option(name: .customLong("where"), help: ArgumentHelp("Keep only rows whose KEY has one of the VALUEs (repeatable; all must hold).", valueName: "key=value[,value…]"))
    var filters: [String] = []

    @Flag(help: "Logarithmic x axis.")
    var logX = false

    @Flag(help: "Logarithmic y axis.")
    var logY = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Hot lines shown by line-offsets.", valueName: "n"))
    var top: Int = 4

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The image to write (.png, .svg or .pdf).", valueName: "file"))
    var output: String

    @Flag(help: "Write the data and the gnuplot script only; do not run gnuplot.")
    var noRender = false

    func validate() throws {
        guard PlotKind(rawValue: kind) != nil else {
            throw ValidationError("--kind must be one of \(PlotKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kind)'")
        }
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
    }

    func run() throws {
        try reportingErrors {
            let request = PlotRequest(kind: PlotKind(rawValue: kind)!, input: results, x: x, y: y, series: series,
                                      filters: filters, logX: logX, logY: logY, top: top, output: output, render: !noRender)
            let written = try Plotter.plot(request)
            let files = [written.image, written.data, written.script].compactMap { $0 }
            printError("mtlab: plot: wrote \(files.joined(separator: ", "))\n")
        }
    }
}
