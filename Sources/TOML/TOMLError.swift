/// Why a document is not valid TOML, and where: the line and column of the offending
/// character (for invalid UTF-8, of the first bad byte, whose offset the message names).
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// What was found and what was expected, such as `expected '=' after the key "a"` or
    /// `duplicate key "ways" (first defined at line 3)`.
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    init(_ position: TOMLPosition, _ message: String) {
        self.init(line: position.line, column: position.column, message: message)
    }

    public var position: TOMLPosition { TOMLPosition(line: line, column: column) }

    /// `line:column: message`.
    public var description: String { "\(line):\(column): \(message)" }
}
