import Foundation
import Coherence

/// Fixed-point text with `decimals` digits, in the C locale, so that outputs are
/// byte-identical everywhere. Non-finite values (which no statistic should produce) print as 0.
func fixedPoint(_ x: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", x.isFinite ? x : 0)
}

/// Decimals of every float in JSON and CSV.
let machineDecimals = 6

/// `0x1f40`: addresses in every report.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// A histogram bucket as the values it holds: "0", "2-3", "1024-2047".
func binLabel(_ bin: HistogramBin) -> String {
    bin.upper - bin.lower <= 1 ? String(bin.lower) : "\(bin.lower)-\(bin.upper - 1)"
}

/// Consecutive offsets collapsed into ranges: [0,1,2,3,8] → "0-3,8".
func ranges(_ offsets: [Int]) -> String {
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

/// Per CPU, the byte offsets it wrote (W) and those it only read (R), as ranges:
/// `cpu0 W 0-7  cpu1 W 8-15  cpu2 R 0-3`. Shows at a glance whether CPUs share bytes
/// (true sharing) or only the line (false sharing).
func offsetSummary(_ uses: [ByteOffsetUse]) -> String {
    let cpus = uses.reduce(CPUSet()) { $0.union($1.readers).union($1.writers) }
    return cpus.members.map { cpu -> String in
        let written = uses.filter { $0.writers.contains(cpu) }.map(\.offset)
        let onlyRead = uses.filter { $0.readers.contains(cpu) && !$0.writers.contains(cpu) }.map(\.offset)
        var part = "cpu\(cpu)"
        if !written.isEmpty { part += " W " + ranges(written) }
        if !onlyRead.isEmpty { part += " R " + ranges(onlyRead) }
        return part
    }.joined(separator: "  ")
}

/// A plain-text table with aligned columns: numbers right-aligned, text left-aligned.
struct TextTable {
    struct Column {
        var header: String
        var rightAligned: Bool
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) { self.columns = columns }

    /// Lines without trailing blanks, indented by `indent`, columns two blanks apart.
    func render(indent: String = "  ") -> String {
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
    func split(keep: Int, width: Int) -> [TextTable] {
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
func byteSize(_ bytes: Int) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
        return "\(bytes >> shift) \(unit)"
    }
    return "\(bytes) B"
}
