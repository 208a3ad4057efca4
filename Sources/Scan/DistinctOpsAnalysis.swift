import MTrace
import Reports

/// `--distinct-ops` (`distinct-per-entry`, `distinct-per-op`): the distinct lines moved
/// (accesses with the traffic flag) per function call, from fcall records, aggregated per
/// entry point; and per application operation (the last appdata record's count): the
/// "cache lines moved per operation" metric.
///
/// Moves outside every call count as one pseudo-entry, "(outside calls)", as mscan's
/// tid 0 did; calls still open at the end of the log count as calls. Per operation, the
/// distinct lines of every call and of the outside entry are summed (mscan summed a list of
/// system calls hard-wired per application instead).
final class DistinctOpsAnalysis: ScanAnalysis {
    struct Entry {
        var calls: UInt64 = 0
        var distinct: UInt64 = 0
    }

    /// Lines moved by each open call, by tid, and the call's entry pc.
    private var open: [UInt64: (pc: UInt64, lines: Set<UInt64>)] = [:]
    private var outside: Set<UInt64> = []
    /// Entry pc → totals; `nil` key is the outside entry.
    private var entries: [UInt64?: Entry] = [:]
    /// tid each CPU runs, from fcall records.
    private var current: [Int: UInt64] = [:]

    func record(_ record: MTraceRecord, _ context: ScanContext) {
        guard case .fcall(let f) = record.entry else { return }
        let cpu = Int(record.cpu)
        switch f.state {
        case .start:
            if open[f.tid] != nil { close(f.tid) }
            open[f.tid] = (f.pc, [])
            current[cpu] = f.tid
        case .resume:
            current[cpu] = f.tid
            if open[f.tid] == nil { open[f.tid] = (f.pc, []) }
        case .pause:
            current[cpu] = nil
        case .done, .doneWithValue:
            close(current[cpu] ?? f.tid)
            current[cpu] = nil
        default:
            break
        }
    }

    private func close(_ tid: UInt64) {
        guard let call = open.removeValue(forKey: tid) else { return }
        entries[call.pc, default: Entry()].calls += 1
        entries[call.pc]!.distinct += UInt64(call.lines.count)
    }

    func access(_ a: ScanAccess, _ context: ScanContext) {
        guard a.moved else { return }
        let size = context.lineSize
        var line = a.address / size
        let last = (a.end - 1) / size
        let tid = current[a.cpu]
        while true {
            if let tid, open[tid] != nil { open[tid]!.lines.insert(line * size) } else { outside.insert(line * size) }
            if line == last { break }
            line += 1
        }
    }

    func finish(_ context: ScanContext) {
        for tid in open.keys.sorted() { close(tid) }
        if !outside.isEmpty { entries[nil] = Entry(calls: 1, distinct: UInt64(outside.count)) }
    }

    private func ranked() -> [(UInt64?, Entry)] {
        entries.map { ($0.key, $0.value) }.sorted { x, y in
            if x.1.distinct != y.1.distinct { return x.1.distinct > y.1.distinct }
            return (x.0 ?? .max) < (y.0 ?? .max)
        }
    }

    private func name(_ pc: UInt64?, _ context: ScanContext) -> String {
        pc.map(context.pcText) ?? "(outside calls)"
    }

    private var totalDistinct: UInt64 { entries.values.reduce(0) { $0 + $1.distinct } }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let list = ranked().map { pc, e in
            JSONValue.object([("entry", .string(name(pc, context))), ("pc", pc.map { .string(hex($0)) } ?? .null),
                             ("calls", .unsigned(e.calls)), ("distinct", .unsigned(e.distinct)),
                             ("ave", .fixed(e.calls == 0 ? 0 : Double(e.distinct) / Double(e.calls), decimals: 2))])
        }
        let ops = context.appOps
        let perOp: JSONValue = .object([
            ("ops", ops.map(JSONValue.unsigned) ?? .null), ("distinct", .unsigned(totalDistinct)),
            ("ave", ops.map { $0 == 0 ? .null : .fixed(Double(totalDistinct) / Double($0), decimals: 2) } ?? .null)])
        return [("distinct-per-entry", .array(list)), ("distinct-per-op", perOp)]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let list = ranked()
        var out = "distinct lines moved per call (\(list.count) entries)\n"
        if list.isEmpty {
            out += "  none (no access moved a line)\n"
        } else {
            var table = TextTable([.init("entry"), .init("calls", right: true), .init("distinct", right: true), .init("per call", right: true)])
            for (pc, e) in list.prefix(top) {
                table.rows.append([name(pc, context), String(e.calls), String(e.distinct), ratioText(Double(e.distinct), Double(e.calls))])
            }
            out += table.render() + moreRows(list.count, shown: min(top, list.count))
        }
        if let ops = context.appOps {
            out += "distinct lines moved per operation: \(totalDistinct) lines / \(ops) ops = \(ratioText(Double(totalDistinct), Double(ops)))\n"
        } else {
            out += "distinct lines moved per operation: unknown (no appdata record); \(totalDistinct) lines in all\n"
        }
        return out
    }
}
