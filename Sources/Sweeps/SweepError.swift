import Experiments

/// A sweep that cannot be run or collected: a bad sweep file, an unusable output folder.
/// `place` is the sweep file (with line and column for syntax errors) or the folder.
public struct SweepError: Error, CustomStringConvertible, Equatable, Sendable {
    public var place: String
    public var message: String
    public init(place: String, message: String) {
        self.place = place
        self.message = message
    }
    /// `place: message`, one line.
    public var description: String { "\(place): \(message)" }
}
