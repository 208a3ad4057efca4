import CGSL

/// One quantity across the repeats of a sweep point (its seeds): mean, sample standard
/// deviation, a confidence interval for the mean from Student's t, minimum and maximum,
/// computed with GNU GSL.
public struct SampleSummary: Equatable, Sendable {
    /// The confidence level of the interval.
    public static let confidence = 0.95

    public let count: Int
    public let mean: Double
    /// Sample standard deviation (divisor n − 1); 0 for one value.
    public let standardDeviation: Double
    /// mean ∓ t(1 − (1 − confidence)/2, n − 1) · sd / √n; both equal the mean for one value
    /// (no interval can be estimated from one run).
    public let confidenceLow: Double
    public let confidenceHigh: Double
    public let minimum: Double
    public let maximum: Double

    /// Summarises `values` (at least one).
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a summary needs at least one value")
        let n = values.count
        var stats: (mean: Double, sd: Double, min: Double, max: Double) = (0, 0, 0, 0)
        values.withUnsafeBufferPointer { buffer in
            let p = buffer.baseAddress!
            stats.mean = gsl_stats_mean(p, 1, n)
            stats.sd = n < 2 ? 0 : gsl_stats_sd_m(p, 1, n, stats.mean)
            stats.min = gsl_stats_min(p, 1, n)
            stats.max = gsl_stats_max(p, 1, n)
        }
        count = n
        mean = stats.mean
        standardDeviation = stats.sd.isFinite ? stats.sd : 0
        minimum = stats.min
        maximum = stats.max
        let half = n < 2 ? 0 : Self.criticalT(degreesOfFreedom: n - 1) * standardDeviation / Double(n).squareRoot()
        confidenceLow = mean - half
        confidenceHigh = mean + half
    }

    /// The two-sided critical value of Student's t for ``confidence``: the
    /// (1 + confidence)/2 quantile, by `gsl_cdf_tdist_Pinv`.
    public static func criticalT(degreesOfFreedom: Int) -> Double {
        gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, Double(degreesOfFreedom))
    }
}
