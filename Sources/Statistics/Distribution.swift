import CGSL

/// One bucket of a ``Distribution``'s histogram: the values `lower ≤ v < upper`.
public struct HistogramBin: Equatable, Sendable {
    public var lower: UInt64
    public var upper: UInt64
    public var count: UInt64

    public init(lower: UInt64, upper: UInt64, count: UInt64) {
        self.lower = lower
        self.upper = upper
        self.count = count
    }
}

/// The distribution of one per-line count (movement, false-sharing misses) over the lines
/// of a run, computed with GNU GSL. Every field is finite: empty and one-value inputs give
/// zeros where a statistic is undefined.
public struct Distribution: Equatable, Sendable {
    /// Number of values (lines).
    public let count: Int
    /// Exact sum of the values.
    public let total: UInt64
    public let mean: Double
    /// Sample variance (divisor n − 1); 0 when there are fewer than two values.
    public let variance: Double
    /// Quantiles by GSL's interpolation between sorted values.
    public let p50: Double
    public let p90: Double
    public let p99: Double
    public let maximum: UInt64
    /// Buckets with power-of-two edges 0, 1, 2, 4, 8, …, up to the first edge above the maximum.
    public let histogram: [HistogramBin]
    /// How many values make up the top 1%: ceil(count / 100).
    public let topPercentCount: Int
    /// The share (0…1) of `total` held by the `topPercentCount` largest values; 0 when total is 0.
    public let topPercentShare: Double

    public init(_ values: [UInt64]) {
        count = values.count
        total = values.reduce(0, &+)
        guard !values.isEmpty else {
            mean = 0; variance = 0; p50 = 0; p90 = 0; p99 = 0; maximum = 0
            histogram = [HistogramBin(lower: 0, upper: 1, count: 0)]
            topPercentCount = 0; topPercentShare = 0
            return
        }
        var data = values.map { Double($0) }  // not map(Double.init): that picks init(bitPattern:)
        let n = data.count
        var computed: (mean: Double, variance: Double, p50: Double, p90: Double, p99: Double) = (0, 0, 0, 0, 0)
        data.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress!
            computed.mean = gsl_stats_mean(p, 1, n)
            computed.variance = n < 2 ? 0 : max(0, gsl_stats_variance(p, 1, n))
            gsl_sort(p, 1, n)
            computed.p50 = gsl_stats_quantile_from_sorted_data(p, 1, n, 0.50)
            computed.p90 = gsl_stats_quantile_from_sorted_data(p, 1, n, 0.90)
            computed.p99 = gsl_stats_quantile_from_sorted_data(p, 1, n, 0.99)
        }
        (mean, variance, p50, p90, p99) = computed
        maximum = UInt64(data[n - 1])
        histogram = Self.powerOfTwoHistogram(data, maximum: maximum)
        topPercentCount = (n + 99) / 100
        // The values are line-access counts, far below 2^53, so the doubles are exact.
        let topSum = data[(n - topPercentCount)...].reduce(UInt64(0)) { $0 &+ UInt64($1) }
        topPercentShare = total == 0 ? 0 : Double(topSum) / Double(total)
    }

    /// Counts `data` into buckets [0,1), [1,2), [2,4), … with a gsl_histogram.
    private static func powerOfTwoHistogram(_ data: [Double], maximum: UInt64) -> [HistogramBin] {
        var edges: [UInt64] = [0, 1]
        while edges.last! <= maximum {
            let (next, overflow) = edges.last!.multipliedReportingOverflow(by: 2)
            if overflow { break }
            edges.append(next)
        }
        let ranges = edges.map { Double($0) }
        guard let h = gsl_histogram_alloc(ranges.count - 1) else { preconditionFailure("gsl_histogram_alloc failed") }
        defer { gsl_histogram_free(h) }
        _ = ranges.withUnsafeBufferPointer { gsl_histogram_set_ranges(h, $0.baseAddress!, $0.count) }
        for x in data { _ = gsl_histogram_increment(h, x) }
        return (0..<(edges.count - 1)).map { i in
            HistogramBin(lower: edges[i], upper: edges[i + 1], count: UInt64(gsl_histogram_get(h, i)))
        }
    }
}
