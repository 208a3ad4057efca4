import Foundation

/// Heat maps of one run, read from its JSON report (`mtlab run --json`, or a sweep's
/// `points/<key>.json`): CPU-to-CPU transfers, and who touched which bytes of hot lines.
struct HeatmapPlot {
    let input: String
    /// Rows of cells, top row first.
    let cells: [[UInt64]]
    /// Labels of the rows (line-offsets: the CPU), each line's address and where its rows end.
    let rowLabels: [String]
    let lineAddresses: [String]
    let groupEnds: [Int]
    let kind: PlotKind

    init(_ request: PlotRequest) throws {
        input = request.input
        kind = request.kind
        for (flag, value) in [("--x", request.x), ("--y", request.y), ("--series", request.series)] where value != nil {
            throw PlotError("\(flag) does not apply to --kind \(request.kind.rawValue): its axes are fixed")
        }
        if request.logX || request.logY || !request.filters.isEmpty {
            throw PlotError("--log-x, --log-y and --where do not apply to --kind \(request.kind.rawValue)")
        }
        let report = try Self.report(input)
        switch request.kind {
        case .transferMatrix:
            guard let matrix = report["transfer_matrix"] as? [[NSNumber]], !matrix.isEmpty,
                  matrix.allSatisfy({ $0.count == matrix.count }) else {
                throw PlotError("\(input): has no transfer_matrix; give the JSON of `mtlab run --json` or a sweep's points/<key>.json")
            }
            cells = matrix.map { $0.map(\.uint64Value) }
            rowLabels = []
            lineAddresses = []
            groupEnds = []
        case .lineOffsets:
            guard let lines = report["lines"] as? [[String: Any]] else {
                throw PlotError("\(input): has no lines; give the JSON of `mtlab run --json`")
            }
            guard !lines.isEmpty else {
                throw PlotError("\(input): lists no hot lines (written with --top 0?); write the JSON with --top N")
            }
            guard let config = report["config"] as? [String: Any], let cache = config["cache"] as? [String: Any],
                  let lineSize = (cache["line_size"] as? NSNumber)?.intValue else {
                throw PlotError("\(input): has no config.cache.line_size")
            }
            var cells: [[UInt64]] = [], labels: [String] = [], addresses: [String] = [], ends: [Int] = []
            for line in lines.prefix(max(1, request.top)) {
                let address = line["address"] as? String ?? "?"
                let offsets = line["offsets"] as? [[String: Any]] ?? []
                let cpus = Set(((line["readers"] as? [NSNumber] ?? []) + (line["writers"] as? [NSNumber] ?? [])).map(\.intValue)).sorted()
                for cpu in cpus {
                    var row = [UInt64](repeating: 0, count: lineSize)
                    for o in offsets {
                        guard let offset = (o["offset"] as? NSNumber)?.intValue, offset < lineSize else { continue }
                        let readers = (o["readers"] as? [NSNumber] ?? []).map(\.intValue)
                        let writers = (o["writers"] as? [NSNumber] ?? []).map(\.intValue)
                        row[offset] = writers.contains(cpu) ? 2 : readers.contains(cpu) ? 1 : 0
                    }
                    cells.append(row)
                    labels.append("cpu \(cpu)")
                }
                addresses.append(address)
                ends.append(cells.count)
            }
            self.cells = cells
            rowLabels = labels
            lineAddresses = addresses
            groupEnds = ends
        default:
            preconditionFailure("not a heat map")
        }
    }

    /// The run report in a JSON file (a sweep point's is under `run`).
    static func report(_ input: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: input) else {
            throw PlotError("\(input): no such file (transfer-matrix and line-offsets read a run's JSON report)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PlotError("\(input): is not JSON; transfer-matrix and line-offsets read `mtlab run --json` output")
        }
        return object["run"] as? [String: Any] ?? object
    }

    /// Whitespace-separated rows: gnuplot's `matrix` format.
    func data() -> String {
        var out = "# mtlab plot \(kind.rawValue) of \(PlotStyle.comment(input))\n"
        switch kind {
        case .transferMatrix:
            out += "# row i, column j: cache-to-cache transfers supplied by CPU i to CPU j (gnuplot matrix format)\n"
        default:
            out += "# one row per (line, CPU), one column per byte offset: 0 untouched, 1 read, 2 written\n"
            var start = 0
            for (address, end) in zip(lineAddresses, groupEnds) {
                out += PlotStyle.comment("# rows \(start)…\(end - 1): line \(address), " + rowLabels[start..<end].joined(separator: ", ")) + "\n"
                start = end
            }
        }
        for row in cells { out += row.map(String.init).joined(separator: " ") + "\n" }
        return out
    }

    func commands(dataFile: String, format: PlotStyle.Format) -> [String] {
        let rows = cells.count, columns = cells.first?.count ?? 0
        var lines = [
            "set border linewidth 0.8",
            "set tics out nomirror scale 0.5",
            "unset key",
            "set xrange [-0.5:\(columns) - 0.5]",
            "set yrange [\(rows) - 0.5:-0.5]",
        ]
        let file = PlotStyle.quote(dataFile)
        switch kind {
        case .transferMatrix:
            let step = max(1, columns / 8)
            lines += [
                "set xlabel \"Requesting CPU\"", "set ylabel \"Supplying CPU\"", "set cblabel \"Transfers\"",
                "set xtics 0, \(step)", "set ytics 0, \(step)", "set size ratio -1",
                "set palette defined (0 \"#ffffff\", 1 \"#c6dbef\", 2 \"#6baed6\", 3 \"#2171b5\")",
                "set cbrange [0:*]",
            ]
            var plot = "plot \(file) matrix with image pixels"
            if columns <= 8 {
                plot += ", \\\n     \(file) matrix using 1:2:(sprintf(\"%d\", $3)) with labels font \(format.smallFont) textcolor rgb \"#000000\""
            }
            lines.append(plot)
        default:
            lines += [
                "set xlabel \"Byte offset in the line\"",
                "set ylabel \"CPU, by line (hottest first)\"",
                "set xtics 0, \(max(1, columns / 8))",
                "set ytics (" + rowLabels.enumerated().map { "\(PlotStyle.quote($1)) \($0)" }.joined(separator: ", ") + ")",
                "set palette maxcolors 3",
                "set palette defined (0 \"#f0f0f0\", 1 \"#92c5de\", 2 \"#ca0020\")",
                "set cbrange [-0.5:2.5]",
                "set cbtics (\"none\" 0, \"read\" 1, \"written\" 2) scale 0",
                "set style textbox opaque noborder",
            ]
            var start = 0
            for (address, end) in zip(lineAddresses, groupEnds) {
                lines.append("set label \(PlotStyle.quote(address)) at \(columns) - 1, \(start) right front boxed font \(format.smallFont)")
                if end < rows {
                    lines.append("set arrow from -0.5, \(end) - 0.5 to \(columns) - 0.5, \(end) - 0.5 nohead front linewidth 1.5 linecolor rgb \"#000000\"")
                }
                start = end
            }
            lines.append("plot \(file) matrix with image pixels")
        }
        return lines
    }
}
