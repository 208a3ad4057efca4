/// A problem with trace input, located as precisely as the format allows.
public struct TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the user named it.
    public var file: String
    /// 1-based line number for text formats.
    public var line: Int?
    /// Byte offset for binary formats.
    public var offset: UInt64?
    /// What was wrong, phrased as what was expected.
    public var message: String

    public init(file: String, line: Int? = nil, offset: UInt64? = nil, message: String) {
        self.file = file
        self.line = line
        self.offset = offset
        self.message = message
    }

    /// `file:line: message`, `file: byte N: message` or `file: message`.
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        if let offset { return "\(file): byte \(offset): \(message)" }
        return "\(file): \(message)"
    }
}
