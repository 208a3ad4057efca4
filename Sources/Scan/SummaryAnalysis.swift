import MTrace
import Reports

/// `--summary` (`summary`): records by type, accesses by CPU and kind, the window of the
/// access clock, and the instructions between the first enable and the last disable.
final class SummaryAnalysis: ScanAnalysis {
    struct CPUCounts {
        var loads: UInt64 = 0
        var stores: UInt64 = 0
        var ioWrites: UInt64 = 0
        var otherTypes: UInt64 = 0
        var locked: UInt64 = 0
        var moved: UInt64 = 0
        var total: UInt64 { loads + stores + ioWrites + otherTypes }
    }

    private var byType = [UInt64](repeating: 0, count: MTraceEntryType.allCases.count + 1)
    private var perCPU: [CPUCounts] = []
    private var firstClock: UInt64?
    private var lastClock: UInt64?
    private var windows = 0
    private var zeroByteAccesses: UInt64 = 0
    /// Filled in by the scanner at the end: the reader's counts of unknown records.
    var unknownTypes: [UInt32: UInt64] = [:]

    private func clock(_ value: UInt64) {
        if firstClock == nil { firstClock = value }
        lastClock = value
    }

    func access(_ a: ScanAccess, _ context: ScanContext) {
        byType[Int(MTraceEntryType.access.rawValue)] += UInt64(a.records)
        clock(a.accessCount)
        if a.cpu >= perCPU.count { perCPU += Array(repeating: CPUCounts(), count: a.cpu + 1 - perCPU.count) }
        switch a.type {
        case .load: perCPU[a.cpu].loads += 1
        case .store: perCPU[a.cpu].stores += 1
        case .ioWrite: perCPU[a.cpu].ioWrites += 1
        default: perCPU[a.cpu].otherTypes += 1
        }
        if a.locked { perCPU[a.cpu].locked += 1 }
        if a.moved { perCPU[a.cpu].moved += 1 }
    }

    /// Called by the scanner for an access record of 0 bytes (counted as 1 byte elsewhere).
    func zeroBytes() { zeroByteAccesses += 1 }

    func record(_ record: MTraceRecord, _ context: ScanContext) {
        guard let type = record.entry.type else { return }
        byType[Int(type.rawValue)] += 1
        clock(record.accessCount)
        if case .host(let h) = record.entry, h.hostType == .setRecordMode, h.mode != .disable { windows += 1 }
    }

    private var records: UInt64 { byType.reduce(0, +) }

    private func cpuRows(_ context: ScanContext) -> [(Int, CPUCounts)] {
        (0..<max(context.cpus, perCPU.count)).map { ($0, $0 < perCPU.count ? perCPU[$0] : CPUCounts()) }
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let types = MTraceEntryType.allCases.map { ($0.name, JSONValue.unsigned(byType[Int($0.rawValue)])) }
        let unknown = unknownTypes.keys.sorted().map { (String($0), JSONValue.unsigned(unknownTypes[$0]!)) }
        let cpus = cpuRows(context).map { cpu, c in
            JSONValue.object([("cpu", .integer(cpu)), ("loads", .unsigned(c.loads)), ("stores", .unsigned(c.stores)),
                             ("io-writes", .unsigned(c.ioWrites)), ("other", .unsigned(c.otherTypes)),
                             ("locked", .unsigned(c.locked)), ("moved", .unsigned(c.moved)), ("total", .unsigned(c.total))])
        }
        let accesses = perCPU.reduce(0) { $0 + $1.total }
        return [("summary", .object([
            ("records", .unsigned(records)),
            ("records-by-type", .object(types)),
            ("unknown-records", .unsigned(unknownTypes.values.reduce(0, +))),
            ("unknown-types", .object(unknown)),
            ("cpus", .integer(context.cpus)),
            ("accesses", .unsigned(accesses)),
            ("zero-byte-accesses", .unsigned(zeroByteAccesses)),
            ("accesses-by-cpu", .array(cpus)),
            ("access-count-window", .object([("first", firstClock.map(JSONValue.unsigned) ?? .null),
                                              ("last", lastClock.map(JSONValue.unsigned) ?? .null)])),
            ("recording-windows", .integer(windows)),
            ("total-instructions", context.totalInstructions.map(JSONValue.unsigned) ?? .null),
            ("app-name", .string(context.appName)),
            ("app-ops", context.appOps.map(JSONValue.unsigned) ?? .null),
            ("labels-live", .integer(context.labels.count)),
            ("relabeled", .unsigned(context.labels.relabeled)),
            ("unmatched-unlabels", .unsigned(context.labels.unmatchedUnlabels)),
        ]))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        var out = "summary\n"
        let types = MTraceEntryType.allCases.filter { byType[Int($0.rawValue)] > 0 }
            .map { "\($0.name) \(byType[Int($0.rawValue)])" }.joined(separator: ", ")
        let unknown = unknownTypes.values.reduce(0, +)
        out += "  records       \(records)\(types.isEmpty ? "" : " (\(types))")\n"
        if unknown > 0 {
            let list = unknownTypes.keys.sorted().map { "type \($0): \(unknownTypes[$0]!)" }.joined(separator: ", ")
            out += "  unknown       \(unknown) skipped (\(list))\n"
        }
        out += "  cpus          \(context.cpus)\n"
        if let first = firstClock, let last = lastClock {
            out += "  window        access_count \(first) to \(last)\n"
        }
        out += "  recording     \(windows) window\(windows == 1 ? "" : "s")"
            + (context.appName.map { ", first named \"\($0)\"" } ?? "") + "\n"
        if let total = context.totalInstructions {
            out += "  instructions  \(total) between the first enable and the last disable\n"
        } else {
            out += "  instructions  unknown (no enabling and disabling host records)\n"
        }
        if let ops = context.appOps { out += "  app ops       \(ops)\n" }
        if zeroByteAccesses > 0 { out += "  zero-byte     \(zeroByteAccesses) access records of 0 bytes (taken as 1 byte)\n" }
        var table = TextTable([.init("cpu", right: true), .init("loads", right: true), .init("stores", right: true),
                               .init("io-writes", right: true), .init("locked", right: true),
                               .init("moved", right: true), .init("total", right: true)])
        let rows = cpuRows(context)
        for (cpu, c) in rows.prefix(top) {
            table.rows.append([String(cpu), String(c.loads), String(c.stores), String(c.ioWrites), String(c.locked),
                               String(c.moved), String(c.total)])
        }
        out += "  accesses by cpu:\n" + table.render(indent: "    ") + moreRows(rows.count, shown: min(top, rows.count))
        return out
    }
}
