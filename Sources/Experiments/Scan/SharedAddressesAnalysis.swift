import MTrace

/// `--shared-addresses` (`shared-addresses`): every address touched by more than one CPU,
/// keyed as mscan did by the exact start address of an access (and the object it fell in,
/// so a reused address counts apart per object), ranked by accesses.
final class SharedAddressesAnalysis: ScanAnalysis {
    struct Key: Hashable {
        var address: UInt64
        var object: UInt64
    }

    struct Stat {
        var label: String?
        var name: String?
        var perCPU: [UInt64] = []
        var perPC: [UInt64: UInt64] = [:]
        var count: UInt64 = 0
        var cpuCount: Int { perCPU.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
    }

    private var stats: [Key: Stat] = [:]

    func access(_ a: ScanAccess, _ context: ScanContext) {
        let object = context.labels.object(at: a.address)
        let key = Key(address: a.address, object: object?.id ?? 0)
        // In place through the dictionary's modify accessor: no copy of the per-pc table.
        Self.add(a, to: &stats[key, default: Stat(label: object?.label(a.address), name: object?.name)])
    }

    private static func add(_ a: ScanAccess, to stat: inout Stat) {
        if a.cpu >= stat.perCPU.count { stat.perCPU += Array(repeating: 0, count: a.cpu + 1 - stat.perCPU.count) }
        stat.perCPU[a.cpu] += 1
        stat.perPC[a.pc, default: 0] += 1
        stat.count += 1
    }

    /// Shared entries, most accessed first (then by address, then object).
    private func ranked() -> [(Key, Stat)] {
        stats.filter { $0.value.cpuCount > 1 }.sorted { x, y in
            if x.value.count != y.value.count { return x.value.count > y.value.count }
            if x.key.address != y.key.address { return x.key.address < y.key.address }
            return x.key.object < y.key.object
        }
    }

    private func pcsByCount(_ stat: Stat) -> [(UInt64, UInt64)] {
        stat.perPC.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let items = ranked().map { key, stat -> JSONValue in
            let cpus = (0..<max(context.cpus, stat.perCPU.count)).map { JSONValue.unsigned($0 < stat.perCPU.count ? stat.perCPU[$0] : 0) }
            let pcs = pcsByCount(stat).map { pc, n in JSONValue.object(context.pcJSON(pc) + [("count", .unsigned(n))]) }
            return .object([("address", .string(hex(key.address))), ("label", .string(stat.label)),
                            ("name", .string(stat.name)), ("count", .unsigned(stat.count)),
                            ("count-per-cpu", .array(cpus)), ("count-per-pc", .array(pcs))])
        }
        return [("shared-addresses", .array(items))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let entries = ranked()
        let out = "shared addresses (touched by more than one CPU; \(entries.count) in all)\n"
        guard !entries.isEmpty else { return out + "  none\n" }
        var table = TextTable([.init("address"), .init("object"), .init("count", right: true), .init("per cpu"), .init("pcs")])
        for (key, stat) in entries.prefix(top) {
            let cpus = stat.perCPU.enumerated().filter { $0.element > 0 }.map { "cpu\($0.offset) \($0.element)" }
            let pcs = pcsByCount(stat)
            var pcText = pcs.prefix(3).map { "\(context.pcText($0.0)) ×\($0.1)" }.joined(separator: ", ")
            if pcs.count > 3 { pcText += ", +\(pcs.count - 3) more" }
            table.rows.append([hex(key.address), stat.label ?? "-", String(stat.count), cpus.joined(separator: "  "), pcText])
        }
        return out + table.render() + moreRows(entries.count, shown: min(top, entries.count))
    }
}
