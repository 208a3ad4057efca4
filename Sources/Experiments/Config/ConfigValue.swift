import TOML
import Reports

/// A config value as written in the TOML file or on the command line, detached from the
/// TOML library so that validation and reports never depend on its types.
public enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
    case integer(Int)
    case float(Double)
    case string(String)
    case boolean(Bool)
    /// Arrays, tables, dates: valid for no key today; kept only to name them in errors.
    case other(typeName: String)

    /// The TOML type name, for "must be an integer, got string …" messages.
    public var typeName: String {
        switch self {
        case .integer: return "integer"
        case .float: return "float"
        case .string: return "string"
        case .boolean: return "boolean"
        case let .other(name): return name
        }
    }

    /// The value as TOML would spell it (strings quoted), for messages and reports.
    public var description: String {
        switch self {
        case let .integer(v): return String(v)
        case let .float(v): return String(v)
        case let .string(s): return quoted(s)
        case let .boolean(b): return b ? "true" : "false"
        case let .other(name): return (name.first == "a" ? "an " : "a ") + name
        }
    }

    /// "integer 4", "string \"four\"": what a type or range error says it found.
    package var typedDescription: String {
        if case .other = self { return description }
        return "\(typeName) \(description)"
    }

    package init(toml value: TOMLValue) {
        switch value.kind {
        case let .integer(v): self = .integer(Int(v))
        case let .float(v): self = .float(v)
        case let .string(v): self = .string(v)
        case let .boolean(v): self = .boolean(v)
        case .table: self = .other(typeName: "table")
        case .array: self = .other(typeName: "array")
        case .dateTime: self = .other(typeName: "date or time")
        }
    }

    /// Reads a `--set` value: as a TOML value when it is one (`4`, `0x40`, `true`,
    /// `"a b"`), otherwise as a bare string (`msi`, `traces/x.trace`).
    public init(commandLine text: String) {
        // Parse it as the right-hand side of a one-key document; anything that does not
        // come back as exactly that one key (a syntax error, smuggled extra keys) is a string.
        if let table = try? TOMLTable(parsing: "v = " + text), table.keys == ["v"], let value = table["v"] {
            self.init(toml: value)
        } else {
            self = .string(text)
        }
    }
}
