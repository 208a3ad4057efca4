import MTrace
import Reports

/// `--all-sharing` (`shared_cachelines`): every line written by one CPU and touched by
/// another, with reads and writes per CPU, most accessed first.
final class AllSharingAnalysis: ScanAnalysis {
    struct Line {
        var counts = ReadWriteCounts()
        /// The object of the first access into the line, as it was labeled then.
        var label: String?
    }

    /// (line, cpu × 2 + write) → accesses.
    private let counts = WordPairTable(capacity: 1 << 16)
    /// Line → its first access's label (absent: unlabeled).
    private var labels: [UInt64: String] = [:]
    /// Lines seen, so that a line is labeled once.
    private let seen = WordPairTable(capacity: 1 << 16)

    func access(_ a: ScanAccess, _ context: ScanContext) {
        let size = context.lineSize
        var line = a.address / size
        let last = (a.end - 1) / size
        while true {
            let start = line * size
            if seen.slot(start, 0).inserted, let label = context.label(max(a.address, start)) { labels[start] = label }
            counts.add(start, UInt64(a.cpu) << 1 | (a.isWrite ? 1 : 0))
            if line == last { break }
            line += 1
        }
    }

    private func ranked() -> [(UInt64, Line)] {
        var lines: [UInt64: Line] = [:]
        counts.forEach { start, key, n in
            let cpu = Int(key >> 1)
            if lines[start] == nil { lines[start] = Line(label: labels[start]) }
            lines[start]!.counts.add(cpu: cpu, write: key & 1 == 1, n)
        }
        return lines.filter { $0.value.counts.cpus.count > 1 && $0.value.counts.writes.contains { $0 > 0 } }
            .sorted { $0.value.counts.total != $1.value.counts.total ? $0.value.counts.total > $1.value.counts.total : $0.key < $1.key }
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let items = ranked().map { start, line -> JSONValue in
            let width = max(context.cpus, line.counts.reads.count)
            return .object([
                ("line", .string(hex(start))), ("label", .string(line.label)), ("accesses", .unsigned(line.counts.total)),
                ("cpureads", .array((0..<width).map { .unsigned(line.counts.reads($0)) })),
                ("cpuwrites", .array((0..<width).map { .unsigned(line.counts.writes($0)) })),
            ])
        }
        return [("shared_cachelines", .array(items))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let entries = ranked()
        let out = "all sharing (lines written by one CPU and touched by another; \(entries.count) in all)\n"
        guard !entries.isEmpty else { return out + "  none\n" }
        var table = TextTable([.init("line"), .init("first object"), .init("accesses", right: true), .init("per cpu")])
        for (start, line) in entries.prefix(top) {
            table.rows.append([hex(start), line.label ?? "-", String(line.counts.total), line.counts.text])
        }
        return out + table.render() + moreRows(entries.count, shown: min(top, entries.count))
    }
}
