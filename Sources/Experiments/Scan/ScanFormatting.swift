import Foundation

// Output helpers of `mtlab scan`. They mirror the report helpers of the run reports
// (JSON with ordered keys and exact integers; aligned text tables) and are kept here until
// those are shared on main.

/// A JSON value with ordered keys, exact integers and fixed-point floats, so that reports
/// are byte-identical from run to run and platform to platform.
public indirect enum ScanJSON: Equatable, Sendable {
    case object([(String, ScanJSON)])
    case array([ScanJSON])
    case string(String)
    case integer(Int)
    case unsigned(UInt64)
    /// Printed with exactly `decimals` digits after the point.
    case fixed(Double, decimals: Int)
    case bool(Bool)
    case null

    public static func == (a: ScanJSON, b: ScanJSON) -> Bool { a.rendered() == b.rendered() }

    /// An optional string as a string or null.
    static func string(_ s: String?) -> ScanJSON { s.map(ScanJSON.string) ?? .null }

    /// Pretty-printed, two-space indents; arrays and objects of scalars stay on one line
    /// while it is short.
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

    private func compact() -> String {
        switch self {
        case let .string(s): return jsonQuoted(s)
        case let .integer(v): return String(v)
        case let .unsigned(v): return String(v)
        case let .fixed(v, decimals): return String(format: "%.\(decimals)f", v.isFinite ? v : 0)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case let .array(items): return "[" + items.map { $0.compact() }.joined(separator: ", ") + "]"
        case let .object(members):
            return "{" + members.map { jsonQuoted($0.0) + ": " + $0.1.compact() }.joined(separator: ", ") + "}"
        }
    }

    private var oneLine: String? {
        switch self {
        case let .array(items):
            guard items.allSatisfy(\.isScalar) else { return nil }
        case let .object(members):
            guard members.allSatisfy(\.1.isScalar) else { return nil }
        default:
            return compact()
        }
        let line = compact()
        return line.count <= 100 ? line : nil
    }

    private func write(to out: inout String, indent: String) {
        if let line = oneLine {
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
                out += inner + jsonQuoted(key) + ": "
                value.write(to: &out, indent: inner)
                out += i == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            out += compact()
        }
    }
}

/// `s` as a JSON string literal.
func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// A plain-text table with aligned columns: numbers right-aligned, text left-aligned.
struct ScanTable {
    struct Column {
        var header: String
        var rightAligned: Bool
        init(_ header: String, right: Bool = false) {
            self.header = header
            rightAligned = right
        }
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) { self.columns = columns }

    /// Lines without trailing blanks, each indented by `indent`, columns two blanks apart.
    func render(indent: String = "  ") -> String {
        let widths = columns.indices.map { c in rows.reduce(columns[c].header.count) { max($0, $1[c].count) } }
        func line(_ cells: [String]) -> String {
            var out = indent
            for (c, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                let isLast = c == cells.count - 1
                if columns[c].rightAligned { out += pad + cell } else { out += cell + (isLast ? "" : pad) }
                if !isLast { out += "  " }
            }
            while out.hasSuffix(" ") { out.removeLast() }
            return out
        }
        return ([line(columns.map(\.header))] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

/// `0x1f40`: every address and pc in scan reports.
func scanHex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// The footer under a table cut to `top` rows, or "".
func moreRows(_ total: Int, shown: Int) -> String {
    total > shown ? "  … \(total - shown) more (raise --top, or see --json)\n" : ""
}

/// Consecutive offsets as ranges: [0,1,2,3,8] → "0-3,8".
func offsetRanges(_ offsets: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    while i < offsets.count {
        var j = i
        while j + 1 < offsets.count, offsets[j + 1] == offsets[j] + 1 { j += 1 }
        parts.append(i == j ? String(offsets[i]) : "\(offsets[i])-\(offsets[j])")
        i = j + 1
    }
    return parts.joined(separator: ",")
}

/// `part / whole` with `decimals` digits, or "-" when `whole` is 0.
func ratioText(_ part: Double, _ whole: Double, decimals: Int = 2) -> String {
    whole == 0 ? "-" : String(format: "%.\(decimals)f", part / whole)
}
