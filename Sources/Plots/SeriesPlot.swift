import Foundation
import Statistics

/// A metric against one key, one line per value of another: the `line`, `scaling` and
/// `mrc` kinds. Reads a sweep's `results.csv` (each point summarised across its seeds here,
/// with a 95 % CI from Student's t), its `summary.csv`, or any plain CSV table with one row
/// per x and series (such as `mtlab mrc` output).
struct SeriesPlot {
    struct Point {
        var x: Double
        var label: String
        var mean: Double
        var low: Double
        var high: Double
        var count: Int
    }

    struct Series {
        var name: String
        var points: [Point]
    }

    // Variables with defaults, so that the initialiser's helpers may read self as it fills them.
    private(set) var input = ""
    private(set) var xName = ""
    private(set) var yName = ""
    private(set) var seriesName: String?
    /// x values are not all numbers: they are placed 0, 1, 2, … and labelled.
    private(set) var categorical = false
    /// Several seeds: draw the confidence interval.
    private(set) var errorBars = false
    private(set) var series: [Series] = []

    /// The shapes of table the plot understands.
    enum Shape {
        /// A sweep's results.csv: grid keys, then `seed`; rows are repeats across seeds.
        case results(gridKeys: [String])
        /// A sweep's summary.csv: grid keys, then `seeds`; `<metric>_mean` and CI columns.
        case summary(gridKeys: [String])
        /// Anything else: one row per x and series.
        case plain
    }

    init(_ request: PlotRequest) throws {
        let table = try Self.table(request.input)
        let shape: Shape
        if let seed = table.columns.firstIndex(of: "seed"), table.columns.contains("point") {
            shape = .results(gridKeys: Array(table.columns[..<seed]))
        } else if let seeds = table.columns.firstIndex(of: "seeds"), table.columns.contains("seed_matters") {
            shape = .summary(gridKeys: Array(table.columns[..<seeds]))
        } else {
            shape = .plain
        }
        input = table.file
        let gridKeys: [String]
        switch shape {
        case let .results(keys), let .summary(keys): gridKeys = keys
        case .plain: gridKeys = []
        }

        // Defaults by kind.
        let has = { (name: String) in table.columns.contains(name) }
        switch request.kind {
        case .line:
            guard let x = request.x, let y = request.y else {
                throw PlotError("--kind line needs --x KEY and --y METRIC")
            }
            xName = x
            yName = y
        case .scaling:
            xName = request.x ?? "system.cpus"
            yName = request.y ?? "movement_per_operation"
        case .mrc:
            xName = request.x ?? (has("bytes") ? "bytes" : "cache.size")
            yName = request.y ?? "miss_ratio"
        case .transferMatrix, .lineOffsets:
            preconditionFailure("not a series plot")
        }
        let xColumn = try table.column(xName, for: "--x")
        if case .summary = shape { _ = try table.column(yName + "_mean", for: "--y \(yName)") } else { _ = try table.column(yName, for: "--y") }
        var rows = try Self.filter(table, request.filters)
        guard !rows.isEmpty else {
            throw PlotError(request.filters.isEmpty ? "\(input): the table has no data rows"
                : "\(input): no rows left after \(request.filters.map { "--where \($0)" }.joined(separator: " "))")
        }

        var seriesName = request.series
        if seriesName == nil {
            let candidates: [String]
            switch request.kind {
            case .mrc: candidates = ["cpu", "cache.replacement"]
            case .scaling: candidates = gridKeys.filter { $0 != xName }
            default: candidates = []
            }
            seriesName = candidates.first { name in
                guard let c = table.columns.firstIndex(of: name) else { return false }
                return Set(rows.map { $0[c] }).count > 1
            }
        }
        self.seriesName = seriesName
        let seriesColumn = try seriesName.map { try table.column($0, for: "--series") }

        // Other grid keys must not vary, or points of different experiments would be averaged.
        for key in gridKeys where key != xName && key != seriesName {
            let c = table.columns.firstIndex(of: key)!
            let values = Array(Set(rows.map { $0[c] })).sorted()
            if values.count > 1 {
                throw PlotError("\(input): \(key) takes several values (\(values.prefix(4).joined(separator: ", "))\(values.count > 4 ? ", …" : "")) "
                    + "besides --x and --series; choose one with --where \(key)=\(values[0]) or plot it as --series \(key)")
            }
        }

        // y and its interval, per row.
        struct Sample { var series: String; var x: String; var value: Double; var low: Double?; var high: Double?; var count: Int }
        var samples: [Sample] = []
        func number(_ text: String, _ column: String, _ row: Int) throws -> Double {
            guard let v = Double(text), v.isFinite else {
                throw PlotError("\(input): column \(column) holds '\(text)', not a number")
            }
            return v
        }
        switch shape {
        case .summary:
            let mean = try table.column(yName + "_mean", for: "--y \(yName)")
            let low = try table.column(yName + "_ci95_low", for: "--y \(yName)")
            let high = try table.column(yName + "_ci95_high", for: "--y \(yName)")
            let seeds = try table.column("seeds", for: "the seed count")
            for (i, r) in rows.enumerated() {
                samples.append(Sample(series: seriesColumn.map { r[$0] } ?? "", x: r[xColumn],
                                      value: try number(r[mean], yName + "_mean", i), low: try number(r[low], yName + "_ci95_low", i),
                                      high: try number(r[high], yName + "_ci95_high", i), count: Int(r[seeds]) ?? 1))
            }
        case .results, .plain:
            let y = try table.column(yName, for: "--y")
            for (i, r) in rows.enumerated() {
                samples.append(Sample(series: seriesColumn.map { r[$0] } ?? "", x: r[xColumn], value: try number(r[y], yName, i),
                                      low: nil, high: nil, count: 1))
            }
        }
        rows = []

        // Group by (series, x), in order of first appearance; flat tables and index maps keep
        // this linear for the hundred thousand rows of a fully associative curve.
        var seriesOrder: [String] = []
        var xOrder: [String: [String]] = [:]
        var groups: [String: [Sample]] = [:]
        var categoryIndex: [String: Int] = [:]
        for s in samples {
            let key = s.series + "\u{0}" + s.x
            if xOrder[s.series] == nil { seriesOrder.append(s.series); xOrder[s.series] = [] }
            if groups[key] == nil { xOrder[s.series]!.append(s.x) }
            groups[key, default: []].append(s)
            if categoryIndex[s.x] == nil { categoryIndex[s.x] = categoryIndex.count }
        }
        categorical = !categoryIndex.keys.allSatisfy { Double($0) != nil }

        var built: [Series] = []
        var anyRepeats = false
        for name in seriesOrder {
            var points: [Point] = []
            for x in xOrder[name]! {
                let group = groups[name + "\u{0}" + x]!
                let position = categorical ? Double(categoryIndex[x]!) : Double(x)!
                switch shape {
                case .results:
                    let s = SampleSummary(group.map(\.value))
                    anyRepeats = anyRepeats || s.count > 1
                    points.append(Point(x: position, label: x, mean: s.mean, low: s.confidenceLow, high: s.confidenceHigh, count: s.count))
                case .summary, .plain:
                    guard group.count == 1 else {
                        throw PlotError("\(input): \(group.count) rows have \(xName)=\(x)\(seriesName.map { " and \($0)=\(name)" } ?? ""); "
                            + "narrow them with --where KEY=VALUE or choose --series")
                    }
                    let g = group[0]
                    anyRepeats = anyRepeats || g.count > 1
                    points.append(Point(x: position, label: x, mean: g.value, low: g.low ?? g.value, high: g.high ?? g.value, count: g.count))
                }
            }
            if !categorical { points.sort { $0.x < $1.x } }
            built.append(Series(name: name, points: points))
        }
        series = built
        errorBars = anyRepeats
        if request.logX {
            if categorical { throw PlotError("--log-x: \(xName) is not numeric") }
            if let bad = built.flatMap(\.points).first(where: { $0.x <= 0 }) {
                throw PlotError("--log-x: \(xName) has \(bad.label), and a log axis needs values above 0")
            }
        }
        if request.logY, let bad = built.flatMap(\.points).first(where: { $0.mean <= 0 }) {
            throw PlotError("--log-y: \(yName) is \(bad.mean) at \(xName)=\(bad.label), and a log axis needs values above 0")
        }
    }

    /// The table a path names: a sweep folder's results.csv, or a CSV file.
    static func table(_ input: String) throws -> CSVTable {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw PlotError("\(input): no such file or folder")
        }
        if isDirectory.boolValue {
            let results = input + "/results.csv"
            guard FileManager.default.fileExists(atPath: results) else {
                throw PlotError("\(input): holds no results.csv; give a sweep's output folder (after the sweep or --collect) or a CSV file")
            }
            return try CSVTable.read(path: results).addingHierarchyColumns(points: input)
        }
        guard input.lowercased().hasSuffix(".csv") else {
            throw PlotError("\(input): line, scaling and mrc plots read CSV (a sweep's results.csv or summary.csv, or mtlab mrc output)")
        }
        let table = try CSVTable.read(path: input)
        guard (input as NSString).lastPathComponent == "results.csv" else { return table }
        return table.addingHierarchyColumns(points: (input as NSString).deletingLastPathComponent.isEmpty
            ? "." : (input as NSString).deletingLastPathComponent)
    }

    /// Rows where every `key=value[,value…]` filter holds: the key has one of the values
    /// (numbers compare as numbers: 0.3 = 0.300000).
    static func filter(_ table: CSVTable, _ filters: [String]) throws -> [[String]] {
        var rows = table.rows
        for f in filters {
            guard let eq = f.firstIndex(of: "=") else { throw PlotError("--where \(f): expected KEY=VALUE[,VALUE…]") }
            let key = String(f[..<eq])
            let values = f[f.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let c = try table.column(key, for: "--where")
            rows = rows.filter { row in
                values.contains { value in
                    if let a = Double(row[c]), let b = Double(value) { return a == b }
                    return row[c] == value
                }
            }
        }
        return rows
    }

    // MARK: Output

    /// The data file: one block per series (gnuplot `index`), tab-separated.
    func data(kind: PlotKind) -> String {
        var out = "# mtlab plot \(kind.rawValue) of \(PlotStyle.comment(input))\n"
        out += PlotStyle.comment("# x: \(xName); y: \(yName)" + (errorBars ? " (mean over seeds, 95% CI from Student's t)" : "")
            + (seriesName.map { "; series: \($0)" } ?? "")) + "\n"
        out += "# one block per series, separated by two blank lines (gnuplot index 0, 1, …)\n"
        for (i, s) in series.enumerated() {
            if i > 0 { out += "\n\n" }
            out += "# series \(i): \(PlotStyle.comment(s.name.isEmpty ? "(all rows)" : s.name))\n"
            out += (categorical ? "# position\t\(PlotStyle.field(xName))" : "# \(PlotStyle.field(xName))") + "\t\(PlotStyle.comment(PlotStyle.field(yName)))\tci95_low\tci95_high\tn\n"
            for p in s.points {
                out += (categorical ? "\(fmt(p.x))\t\(PlotStyle.field(p.label))" : fmt(p.x))
                    + "\t\(fmt(p.mean))\t\(fmt(p.low))\t\(fmt(p.high))\t\(p.count)\n"
            }
        }
        return out
    }

    /// The label of an x tic: `32 KiB` for byte columns, the value otherwise.
    func ticLabel(_ v: Double) -> String {
        guard PlotStyle.isBytes(xName), v == v.rounded(), v >= 1, v < 9e15 else { return fmt(v) }
        var n = Int(v), unit = 0
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        while n >= 1024 && n % 1024 == 0 && unit < units.count - 1 { n /= 1024; unit += 1 }
        return "\(n) \(units[unit])"
    }

    /// Tics at `values`, labelling every k-th so that the labels fit across one column of a
    /// paper (about 44 characters of 8-point text); the others stay as unlabelled marks.
    func ticList(_ values: [Double]) -> String {
        let labels = values.map(ticLabel)
        let width = (labels.map(\.count).max() ?? 1) + 2
        let step = max(1, Int((Double(values.count * width) / 44).rounded(.up)))
        return zip(values, labels).enumerated().map { i, tic in
            PlotStyle.quote(i % step == 0 ? tic.1 : "") + " " + fmt(tic.0)
        }.joined(separator: ", ")
    }

    /// Where the legend goes: the first corner of the plot whose box (about the legend's size)
    /// holds none of the points sampled along every segment, in the axes' own scale; below
    /// the plot when every corner is taken.
    func keyCorner(logX: Bool, logY: Bool) -> String {
        let points = series.flatMap(\.points)
        func sx(_ v: Double) -> Double { logX ? log2(max(v, 1e-300)) : v }
        func sy(_ v: Double) -> Double { logY ? log10(max(v, 1e-300)) : v }
        let xs = points.map { sx($0.x) }, ys = points.flatMap { [sy($0.low), sy($0.high), sy($0.mean)] }
        guard let x0 = xs.min(), let x1 = xs.max(), var y0 = ys.min(), let y1 = ys.max() else { return "top right" }
        if !logY { y0 = min(0, y0) }
        func unit(_ v: Double, _ a: Double, _ b: Double) -> Double { b > a ? (v - a) / (b - a) : 0.5 }
        var samples: [(Double, Double)] = []
        for s in series {
            let ps = s.points.map { (unit(sx($0.x), x0, x1), unit(sy($0.mean), y0, y1)) }
            samples += ps
            for (a, b) in zip(ps, ps.dropFirst()) {
                for k in 1..<20 { let t = Double(k) / 20; samples.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)) }
            }
        }
        let width = 0.45, height = min(0.9, 0.11 * Double(series.count + (seriesName == nil ? 0 : 1)) + 0.05)
        func covered(_ corner: String) -> Int {
            let right = corner.hasSuffix("right"), top = corner.hasPrefix("top")
            return samples.filter { p in
                (right ? p.0 >= 1 - width : p.0 <= width) && (top ? p.1 >= 1 - height : p.1 <= height)
            }.count
        }
        let corners = ["top right", "top left", "bottom right", "bottom left"]
        let counts = corners.map(covered)
        // No free corner: below the plot, where it covers nothing, in at least two columns:
        // one column of long titles would squeeze the plot until its y label is cut off.
        // (Long titles need gnuplot's column width trimmed to fit two columns; short ones
        // would then touch.)
        guard let free = counts.firstIndex(of: 0) else {
            let longTitles = series.contains { $0.name.count >= 12 }
            return "below horizontal center reverse Left width \(longTitles ? -1 : 1) maxrows \(max(1, (series.count + 1) / 2))"
        }
        return corners[free]
    }

    func fmt(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.9g", v)
    }

    /// The gnuplot commands after the terminal and output lines.
    func commands(dataFile: String, kind: PlotKind, logX: Bool, logY: Bool) -> [String] {
        var lines = PlotStyle.preamble
        lines.append("set datafile separator \"\\t\"")
        lines.append("set xlabel " + PlotStyle.quote(PlotStyle.isBytes(xName) ? PlotStyle.labelWithoutUnit(xName) : PlotStyle.label(xName)))
        lines.append("set ylabel " + PlotStyle.quote(PlotStyle.label(yName)))
        let xs = Array(Set(series.flatMap { $0.points.map(\.x) })).sorted()
        let powersOfTwo = !categorical && xs.allSatisfy { $0 >= 1 && $0 == $0.rounded() && (Int($0) & (Int($0) - 1)) == 0 }
        if logX { lines.append("set logscale x \(powersOfTwo ? 2 : 10)") }
        if logY { lines.append("set logscale y 10") }
        if categorical {
            lines.append("set xrange [-0.5:\(xs.count) - 0.5]")
        } else if xs.count <= 12 {
            // Few x values (ways, CPUs, sizes): tics exactly at them.
            lines.append("set xtics (" + ticList(xs) + ")")
            lines.append("set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05")
        } else if PlotStyle.isBytes(xName), let low = xs.first, let high = xs.last, low > 0 {
            // Many sizes: tics at powers of two, at most about five of them, in B/KiB/MiB.
            let first = Int(log2(low).rounded(.up)), last = Int(log2(high).rounded(.down))
            let step = max(1, (last - first + 5) / 5)
            let tics = stride(from: first, through: last, by: step).map { pow(2, Double($0)) }
            if !tics.isEmpty { lines.append("set xtics (" + ticList(tics) + ")") }
        }
        let key = keyCorner(logX: logX, logY: logY)
        lines.append("set key \(key) samplen \(key.hasPrefix("below") ? "1.5" : "2") spacing 1.0 noopaque")
        if !logY && series.allSatisfy({ $0.points.allSatisfy { $0.low >= 0 } }) { lines.append("set yrange [0:*]") }
        // Large counts as 600k, 1.5M: six-digit tics crowd a narrow plot.
        if (series.flatMap { $0.points.map(\.high) }.max() ?? 0) >= 100_000 { lines.append("set format y \"%.1s%c\"") }
        if let seriesName { lines.append("set key title " + PlotStyle.quote(PlotStyle.label(seriesName))) } else { lines.append("set key off") }
        let dense = series.contains { $0.points.count > 40 }
        let using: String
        if categorical {
            using = errorBars ? "1:3:4:5:xtic(2)" : "1:3:xtic(2)"
        } else {
            using = errorBars ? "1:2:3:4" : "1:2"
        }
        let style = errorBars ? "yerrorlines" : dense ? "lines" : "linespoints"
        let plots = series.enumerated().map { i, s in
            "\(PlotStyle.quote(dataFile)) index \(i) using \(using) with \(style) linetype \(i + 1) title "
                + PlotStyle.quote(s.name.isEmpty ? PlotStyle.label(yName) : s.name)
        }
        lines.append("plot " + plots.joined(separator: ", \\\n     "))
        return lines
    }
}
