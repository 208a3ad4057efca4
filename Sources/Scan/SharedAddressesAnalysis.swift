import MTrace
import Reports

/// `--shared-addresses` (`shared-addresses`): every address touched by more than one CPU,
/// keyed as mscan did by the exact start address of an access (and the object it fell in,
/// so a reused address counts apart per object), ranked by accesses.
///
/// Most addresses are touched by one CPU from one pc, so an entry keeps its first CPU and
/// pc inline and spills per-CPU and per-pc counts into shared flat tables only when a
/// second one appears: about 100 bytes per distinct address.
final class SharedAddressesAnalysis: ScanAnalysis {
    struct Entry {
        var address: UInt64
        var object: UInt64
        var count: UInt64 = 0
        var firstPC: UInt64
        var firstCPU: Int32
        var manyCPUs = false
        var manyPCs = false
    }

    /// (address, object id) → index in `entries`.
    private let index = WordPairTable(capacity: 1 << 16)
    @exclusivity(unchecked) private var entries: [Entry] = []
    /// (entry, cpu) → accesses, for entries with several CPUs.
    private let cpuCounts = WordPairTable()
    /// (entry, pc) → accesses, for entries with several pcs.
    private let pcCounts = WordPairTable()
    /// Objects by id, as they were when first accessed.
    private var objects: [UInt64: ScanObject] = [:]

    func access(_ a: ScanAccess, _ context: ScanContext) {
        let object = context.object(at: a.address)
        let id = object?.id ?? 0
        let (slot, inserted) = index.slot(a.address, id, inserting: UInt64(entries.count))
        let i = Int(index[slot: slot])
        if inserted {
            entries.append(Entry(address: a.address, object: id, firstPC: a.pc, firstCPU: Int32(a.cpu)))
            if let object, objects[id] == nil { objects[id] = object }
        }
        let cpu = Int32(a.cpu)
        if entries[i].manyCPUs {
            cpuCounts.add(UInt64(i), UInt64(cpu))
        } else if cpu != entries[i].firstCPU {
            entries[i].manyCPUs = true
            cpuCounts.add(UInt64(i), UInt64(entries[i].firstCPU), entries[i].count)
            cpuCounts.add(UInt64(i), UInt64(cpu))
        }
        if entries[i].manyPCs {
            pcCounts.add(UInt64(i), a.pc)
        } else if a.pc != entries[i].firstPC {
            entries[i].manyPCs = true
            pcCounts.add(UInt64(i), entries[i].firstPC, entries[i].count)
            pcCounts.add(UInt64(i), a.pc)
        }
        entries[i].count += 1
    }

    /// Shared entries, most accessed first (then by address, then object).
    private func ranked() -> [Int] {
        entries.indices.filter { entries[$0].manyCPUs }.sorted { x, y in
            let a = entries[x], b = entries[y]
            if a.count != b.count { return a.count > b.count }
            if a.address != b.address { return a.address < b.address }
            return a.object < b.object
        }
    }

    /// Per-CPU and per-pc counts of the shared entries (one pass over the spill tables).
    private func details(_ chosen: [Int]) -> (cpus: [Int: [UInt64]], pcs: [Int: [(UInt64, UInt64)]]) {
        let wanted = Set(chosen)
        var cpus: [Int: [UInt64]] = [:]
        cpuCounts.forEach { entry, cpu, n in
            let i = Int(entry), c = Int(cpu)
            guard wanted.contains(i) else { return }
            var list = cpus[i] ?? []
            if list.count <= c { list += Array(repeating: 0, count: c + 1 - list.count) }
            list[c] = n
            cpus[i] = list
        }
        var pcs: [Int: [(UInt64, UInt64)]] = [:]
        pcCounts.forEach { entry, pc, n in
            if wanted.contains(Int(entry)) { pcs[Int(entry), default: []].append((pc, n)) }
        }
        for i in chosen where !entries[i].manyPCs { pcs[i] = [(entries[i].firstPC, entries[i].count)] }
        for (i, list) in pcs { pcs[i] = list.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 } }
        return (cpus, pcs)
    }

    private func label(_ e: Entry) -> (label: String?, name: String?) {
        guard let o = objects[e.object] else { return (nil, nil) }
        return (o.label(e.address), o.name)
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let chosen = ranked()
        let (cpus, pcs) = details(chosen)
        let items = chosen.map { i -> JSONValue in
            let e = entries[i]
            let perCPU = cpus[i] ?? []
            let (label, name) = label(e)
            return .object([
                ("address", .string(hex(e.address))), ("label", .string(label)), ("name", .string(name)),
                ("count", .unsigned(e.count)),
                ("count-per-cpu", .array((0..<max(context.cpus, perCPU.count)).map { .unsigned($0 < perCPU.count ? perCPU[$0] : 0) })),
                ("count-per-pc", .array((pcs[i] ?? []).map { pc, n in .object(context.pcJSON(pc) + [("count", .unsigned(n))]) })),
            ])
        }
        return [("shared-addresses", .array(items))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let all = ranked()
        let chosen = Array(all.prefix(top))
        let out = "shared addresses (touched by more than one CPU; \(all.count) in all)\n"
        guard !all.isEmpty else { return out + "  none\n" }
        let (cpus, pcs) = details(chosen)
        var table = TextTable([.init("address"), .init("object"), .init("count", right: true), .init("per cpu"), .init("pcs")])
        for i in chosen {
            let e = entries[i]
            let perCPU = (cpus[i] ?? []).enumerated().filter { $0.element > 0 }.map { "cpu\($0.offset) \($0.element)" }
            let list = pcs[i] ?? []
            var pcText = list.prefix(3).map { "\(context.pcText($0.0)) ×\($0.1)" }.joined(separator: ", ")
            if list.count > 3 { pcText += ", +\(list.count - 3) more" }
            table.rows.append([hex(e.address), label(e).label ?? "-", String(e.count), perCPU.joined(separator: "  "), pcText])
        }
        return out + table.render() + moreRows(all.count, shown: chosen.count)
    }
}
