/// A config that cannot be run, located at the file (with line and column for syntax
/// errors) or at the `--set` argument that caused it.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The file is missing or cannot be read.
        case unreadable
        /// TOML syntax (invalid UTF-8 included); `place` is `file:line:column`.
        case syntax
        /// A `--set` argument that is not `key=value`.
        case badOverride
        /// A table or key the config does not have.
        case unknownKey
        /// A value of the wrong TOML type.
        case wrongType
        /// A value of the right type outside its range.
        case outOfRange
        /// A required key is absent.
        case missing
        /// Keys that exclude or require each other.
        case conflict
    }

    public var kind: Kind
    /// The config file, `file:line:column`, or `--set key=value`.
    public var place: String
    /// The dotted key at fault, when there is one.
    public var key: String?
    /// What is wrong; it names the key itself, so the description reads on its own.
    public var message: String

    public init(_ kind: Kind, place: String, key: String? = nil, message: String) {
        self.kind = kind
        self.place = place
        self.key = key
        self.message = message
    }

    /// `place: message`, one line.
    public var description: String { "\(place): \(message)" }
}
