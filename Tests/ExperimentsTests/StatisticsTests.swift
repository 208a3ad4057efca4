import Testing
import Statistics
@testable import Experiments

/// Expected values are worked by hand from the definitions: sample variance with n − 1,
/// GSL's quantile = sorted[i] + (f·(n−1) − i)·(sorted[i+1] − sorted[i]) with i = floor(f·(n−1)).
@Suite struct DistributionStatistics {
    private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }

    @Test func fourValues() {
        let d = Distribution([3, 1, 4, 2])
        #expect(d.count == 4)
        #expect(d.total == 10)
        #expect(close(d.mean, 2.5))
        // ((1.5² + 0.5²) · 2) / 3
        #expect(close(d.variance, 5.0 / 3.0))
        // f·(n−1): 1.5 → 2 + 0.5·1; 2.7 → 3 + 0.7·1; 2.97 → 3 + 0.97·1
        #expect(close(d.p50, 2.5))
        #expect(close(d.p90, 3.7))
        #expect(close(d.p99, 3.97))
        #expect(d.maximum == 4)
        #expect(d.histogram == [
            HistogramBin(lower: 0, upper: 1, count: 0), HistogramBin(lower: 1, upper: 2, count: 1),
            HistogramBin(lower: 2, upper: 4, count: 2), HistogramBin(lower: 4, upper: 8, count: 1),
        ])
        // ceil(4 / 100) = 1 line: the 4 of 10.
        #expect(d.topPercentCount == 1)
        #expect(close(d.topPercentShare, 0.4))
    }

    @Test func emptyIsAllZeros() {
        let d = Distribution([])
        #expect(d.count == 0 && d.total == 0 && d.maximum == 0 && d.topPercentCount == 0)
        for x in [d.mean, d.variance, d.p50, d.p90, d.p99, d.topPercentShare] { #expect(x == 0) }
        #expect(d.histogram == [HistogramBin(lower: 0, upper: 1, count: 0)])
    }

    @Test func oneValueHasNoVariance() {
        let d = Distribution([5])
        #expect(d.variance == 0)
        #expect(d.mean == 5 && d.p50 == 5 && d.p99 == 5)
        #expect(d.histogram.map(\.upper) == [1, 2, 4, 8])
        #expect(d.histogram.last?.count == 1)
        #expect(d.topPercentShare == 1)
    }

    @Test func zerosHaveNoShare() {
        let d = Distribution([0, 0, 0])
        #expect(d.total == 0 && d.topPercentShare == 0 && d.variance == 0)
        #expect(d.histogram == [HistogramBin(lower: 0, upper: 1, count: 3)])
    }

    @Test func powerOfTwoMaximumGetsItsOwnBucket() {
        let d = Distribution([0, 1, 2, 3, 8])
        #expect(d.histogram.map(\.lower) == [0, 1, 2, 4, 8])
        #expect(d.histogram.map(\.count) == [1, 1, 2, 0, 1])
    }

    @Test func topPercentOfTwoHundredLinesIsTwoLines() {
        let d = Distribution((1...200).map(UInt64.init))
        #expect(d.topPercentCount == 2)
        #expect(d.total == 20100)
        #expect(close(d.topPercentShare, 399.0 / 20100.0))
        // n = 200: mean 100.5, variance n(n+1)/12 = 3350
        #expect(close(d.mean, 100.5))
        #expect(close(d.variance, 3350))
        // 0.9 · 199 = 179.1 → 180 + 0.1
        #expect(abs(d.p90 - 180.1) < 1e-9)
    }

    @Test func runStatisticsKeepsBothDistributions() {
        let s = RunStatistics(movement: [0, 4], falseSharingMisses: [2, 0])
        #expect(s.lines == 2)
        #expect(s.movement.total == 4)
        #expect(s.falseSharingMisses.total == 2)
        #expect(s.distributions.map(\.name) == ["movement", "false_sharing_misses"])
    }
}
