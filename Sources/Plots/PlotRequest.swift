/// What `mtlab plot` draws.
public enum PlotKind: String, CaseIterable, Sendable {
    /// A metric against a grid key, one line per series, 95 % CIs as error bars.
    case line
    /// Miss ratio against cache size (from `mtlab mrc`, or a sweep over cache size).
    case mrc
    /// A heat map of cache-to-cache transfers, supplying CPU × requesting CPU, for one run.
    case transferMatrix = "transfer-matrix"
    /// For the hottest lines, which CPU read or wrote each byte offset.
    case lineOffsets = "line-offsets"
    /// Movement per operation against CPU count, one line per workload or layout.
    case scaling
}

/// A plot to draw: the input, the kind, the columns, the output image.
public struct PlotRequest: Sendable {
    public var kind: PlotKind
    /// A sweep's output folder or one of its CSV tables, an `mtlab mrc` CSV, or a run's JSON.
    public var input: String
    public var x: String?
    public var y: String?
    public var series: String?
    /// `key=value` filters on the input's rows, all of which must hold.
    public var filters: [String]
    public var logX: Bool
    public var logY: Bool
    /// How many hot lines `line-offsets` shows.
    public var top: Int
    /// The image: `.png`, `.svg` or `.pdf`. The data (`.dat`) and script (`.gp`) go beside it.
    public var output: String
    /// Write the data and the script, but do not run gnuplot.
    public var render: Bool

    public init(kind: PlotKind, input: String, x: String? = nil, y: String? = nil, series: String? = nil,
                filters: [String] = [], logX: Bool = false, logY: Bool = false, top: Int = 4,
                output: String, render: Bool = true) {
        self.kind = kind
        self.input = input
        self.x = x
        self.y = y
        self.series = series
        self.filters = filters
        self.logX = logX
        self.logY = logY
        self.top = top
        self.output = output
        self.render = render
    }
}

/// A plot that cannot be drawn: bad input, missing columns, no gnuplot. Says what and where.
public struct PlotError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
