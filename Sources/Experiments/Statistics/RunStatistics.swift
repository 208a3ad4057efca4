import Coherence
import Statistics

/// The statistics every report shows: distributions over all touched lines of the run.
public struct RunStatistics: Equatable, Sendable {
    /// Lines any CPU touched.
    public let lines: Int
    /// Movement (transfers + invalidations) per line.
    public let movement: Distribution
    /// False-sharing misses per line.
    public let falseSharingMisses: Distribution

    public init(_ result: SimulationResult) {
        var movement: [UInt64] = []
        var falseSharing: [UInt64] = []
        movement.reserveCapacity(result.lines.count)
        falseSharing.reserveCapacity(result.lines.count)
        for line in result.lines {
            movement.append(line.movement)
            falseSharing.append(line.falseSharingMisses)
        }
        self.init(movement: movement, falseSharingMisses: falseSharing)
    }

    /// From per-line values directly (tests, other analyses).
    public init(movement: [UInt64], falseSharingMisses: [UInt64]) {
        lines = movement.count
        self.movement = Distribution(movement)
        self.falseSharingMisses = Distribution(falseSharingMisses)
    }

    /// The distributions with their report names, in report order.
    public var distributions: [(name: String, distribution: Distribution)] {
        [("movement", movement), ("false_sharing_misses", falseSharingMisses)]
    }
}
