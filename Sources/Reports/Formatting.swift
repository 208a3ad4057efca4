import Foundation

/// Fixed-point text with `decimals` digits, in the C locale, so that outputs are
/// byte-identical everywhere. Non-finite values (which no statistic should produce) print as 0.
package func fixedPoint(_ x: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", x.isFinite ? x : 0)
}

/// Decimals of every float in JSON and CSV.
package let machineDecimals = 6

/// Consecutive offsets collapsed into ranges: [0,1,2,3,8] → "0-3,8".
package func ranges(_ offsets: [Int]) -> String {
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

/// A plain-text table with aligned columns: numbers right-aligned, text left-aligned.
package struct TextTable {
    package struct Column {
        package var header: String
        package var rightAligned: Bool

        package init(header: String, rightAligned: Bool) {
            self.header = header
            self.rightAligned = rightAligned
        }
    }

    package var columns: [Column]
    package var rows: [[String]] = []

    package init(_ columns: [Column]) { self.columns = columns }

    /// Lines without trailing blanks, indented by `indent`, columns two blanks apart.
    package func render(indent: String = "  ") -> String {
        let widths = columns.indices.map { c in
            rows.reduce(columns[c].header.count) { max($0, $1[c].count) }
        }
        func line(_ cells: [String]) -> String {
            var out = indent
            for (c, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                let isLast = c == cells.count - 1
                if columns[c].rightAligned { out += pad + cell } else { out += cell + (isLast ? "" : pad) }
                if !isLast { out += "  " }
            }
            return out
        }
        return ([line(columns.map(\.header))] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// Splits the columns after the first `keep` into several tables no wider than
    /// `width`, each repeating the first `keep` columns: a wide counter table becomes
    /// two that fit a terminal.
    package func split(keep: Int, width: Int) -> [TextTable] {
        let widths = columns.indices.map { c in rows.reduce(columns[c].header.count) { max($0, $1[c].count) } }
        let fixedWidth = 2 + widths[..<keep].reduce(0) { $0 + $1 + 2 }
        var groups: [[Int]] = []
        var current: [Int] = []
        var used = fixedWidth
        for c in keep..<columns.count {
            if !current.isEmpty, used + widths[c] > width {
                groups.append(current)
                current = []
                used = fixedWidth
            }
            current.append(c)
            used += widths[c] + 2
        }
        if !current.isEmpty { groups.append(current) }
        return groups.map { group in
            let picked = Array(0..<keep) + group
            var t = TextTable(picked.map { columns[$0] })
            t.rows = rows.map { row in picked.map { row[$0] } }
            return t
        }
    }
}

/// Bytes as a power-of-two size when exact ("128 MiB", "4 KiB"), else a byte count.
package func byteSize(_ bytes: Int) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
        return "\(bytes >> shift) \(unit)"
    }
    return "\(bytes) B"
}

/// A double-quoted string with quotes, backslashes and control characters escaped, so that
/// values read back unambiguously in messages.
package func quoted(_ s: String) -> String {
    "\"" + escaped(s, quotesAndBackslashes: true) + "\""
}

/// `s` with control characters spelled out (`\n`, `\t`, `\r`, `\u001b`), and with
/// `quotesAndBackslashes` also `"` and `\` escaped: text that shows every character and
/// never breaks a line, for messages and for scripts that must not see raw control bytes.
package func escaped(_ s: String, quotesAndBackslashes: Bool = false) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"" where quotesAndBackslashes: out += "\\\""
        case "\\" where quotesAndBackslashes: out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let digits = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
