import Testing
@testable import Statistics

/// Critical values of Student's t for 95 % two-sided intervals, from published tables.
@Suite struct SampleSummaries {
    private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    @Test func criticalValuesOfStudentsT() {
        #expect(close(SampleSummary.criticalT(degreesOfFreedom: 1), 12.706204736174698))
        #expect(close(SampleSummary.criticalT(degreesOfFreedom: 2), 4.302652729749464))
        #expect(close(SampleSummary.criticalT(degreesOfFreedom: 4), 2.7764451051977987))
        #expect(close(SampleSummary.criticalT(degreesOfFreedom: 9), 2.2621571627409915, 1e-8))
        #expect(close(SampleSummary.criticalT(degreesOfFreedom: 1000), 1.9623390808264078, 1e-8))
    }

    @Test func fiveValues() {
        let s = SampleSummary([2, 4, 1, 5, 3])
        #expect(s.count == 5)
        #expect(close(s.mean, 3))
        // sd = √(10/4); half-width = t(4) · sd / √5 = 2.7764451051977987 · √0.5
        #expect(close(s.standardDeviation, 1.5811388300841898))
        #expect(close(s.confidenceLow, 3 - 1.963243161477561))
        #expect(close(s.confidenceHigh, 3 + 1.963243161477561))
        #expect(s.minimum == 1 && s.maximum == 5)
    }

    @Test func twoValues() {
        // sd = √2 / 2 · |a − b| = 0.7071…; half = 12.7062… · 0.7071… / √2 = 12.7062… / 2.
        let s = SampleSummary([10, 11])
        #expect(close(s.mean, 10.5))
        #expect(close(s.confidenceHigh - s.mean, 12.706204736174698 / 2))
    }

    @Test func oneValueOrIdenticalValuesHaveNoSpread() {
        let one = SampleSummary([7])
        #expect(one.standardDeviation == 0 && one.confidenceLow == 7 && one.confidenceHigh == 7)
        let same = SampleSummary([4, 4, 4])
        #expect(same.standardDeviation == 0 && same.confidenceLow == 4 && same.confidenceHigh == 4)
    }
}
