/// A JSON value for a small deterministic writer: keys keep their order, integers are
/// exact, floats have fixed decimals. (JSONSerialization orders keys and prints floats in
/// ways that vary between platforms; reports must be byte-identical.)
public indirect enum JSONValue: Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case integer(Int)
    case unsigned(UInt64)
    /// A float printed with exactly `decimals` digits after the point.
    case fixed(Double, decimals: Int)
    case bool(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered() == b.rendered() }

    /// Pretty-printed with two-space indents; an object or array whose members are all
    /// scalars stays on one line when that line is short, to keep long lists readable.
    public func rendered() -> String {
        var out = ""
        write(to: &out, indent: "")
        return out + "\n"
    }

    private var isScalar: Bool {
        switch self {
        case .object, .array: return false
        default: return true
        }
    }

    /// On one line, when every member is a scalar (or a list of scalars) and it stays short.
    private var inline: String? {
        var out = ""
        switch self {
        case let .array(items):
            guard items.allSatisfy({ $0.isScalar }) else { return nil }
            out = "[" + items.map { $0.compact() }.joined(separator: ", ") + "]"
            return out
        case let .object(members):
            guard members.allSatisfy({ m in m.1.isScalar || (m.1.inlineArray != nil) }) else { return nil }
            out = "{" + members.map { quoted($0.0) + ": " + $0.1.compact() }.joined(separator: ", ") + "}"
            return out.count <= 100 ? out : nil
        default:
            return compact()
        }
    }

    private var inlineArray: String? {
        if case .array = self { return inline }
        return nil
    }

    private func compact() -> String {
        switch self {
        case let .string(s): return quoted(s)
        case let .integer(v): return String(v)
        case let .unsigned(v): return String(v)
        case let .fixed(v, decimals): return fixedPoint(v, decimals)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case .array, .object: return inline ?? ""
        }
    }

    private func write(to out: inout String, indent: String) {
        if let line = inline {
            out += line
            return
        }
        let inner = indent + "  "
        switch self {
        case let .array(items):
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                item.write(to: &out, indent: inner)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case let .object(members):
            out += "{\n"
            for (i, (key, value)) in members.enumerated() {
                out += inner + quoted(key) + ": "
                value.write(to: &out, indent: inner)
                out += i == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            out += compact()
        }
    }
}
