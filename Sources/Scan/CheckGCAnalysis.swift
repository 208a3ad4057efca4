import MTrace
import Reports

/// `--check-gc` (`checkgc`): accesses to objects registered for RCU collection (gc
/// records) made outside an RCU epoch (gcepoch records), grouped by the objects' names.
/// Epochs belong to the thread (the fcall's tid, else the task last scheduled on the CPU,
/// else the CPU). Identical reports (object, CPU, pc, address, kind) are counted once.
final class CheckGCAnalysis: ScanAnalysis {
    struct GCObject {
        var base: UInt64
        var nbytes: UInt64
        var name: String
    }

    struct Report: Hashable {
        var base: UInt64
        var cpu: Int
        var pc: UInt64
        var address: UInt64
        var size: UInt64
        var write: Bool
    }

    private var objects = IntervalMap<GCObject>()
    private var inEpoch: [UInt64: Bool] = [:]
    private var reports: [Report: (count: UInt64, object: GCObject, label: String?)] = [:]

    func record(_ record: MTraceRecord, _ context: ScanContext) {
        switch record.entry {
        case .gc(let g):
            let end = g.base &+ max(g.nbytes, 1)
            objects.insert(start: g.base, end: end < g.base ? .max : end, GCObject(base: g.base, nbytes: g.nbytes, name: g.name.string))
        case .gcEpoch(let e):
            inEpoch[context.threadKey(cpu: Int(record.cpu))] = e.isBegin
        default:
            break
        }
    }

    func access(_ a: ScanAccess, _ context: ScanContext) {
        guard objects.count > 0, inEpoch[context.threadKey(cpu: a.cpu)] != true else { return }
        for object in objects.overlapping(a.address, a.end) {
            let key = Report(base: object.base, cpu: a.cpu, pc: a.pc, address: a.address, size: a.size, write: a.isWrite)
            if reports[key] == nil { reports[key] = (0, object, context.label(a.address)) }
            reports[key]!.count += 1
        }
    }

    /// Names by reports, most first; each name's reports by count, then address.
    private func grouped() -> [(String, [(Report, UInt64, GCObject, String?)])] {
        var byName: [String: [(Report, UInt64, GCObject, String?)]] = [:]
        for (key, value) in reports { byName[value.object.name, default: []].append((key, value.count, value.object, value.label)) }
        return byName.map { name, list in
            (name, list.sorted { x, y in
                if x.1 != y.1 { return x.1 > y.1 }
                return (x.0.address, x.0.cpu, x.0.pc, x.0.write ? 1 : 0) < (y.0.address, y.0.cpu, y.0.pc, y.0.write ? 1 : 0)
            })
        }.sorted { x, y in
            let cx = x.1.reduce(0) { $0 + $1.1 }, cy = y.1.reduce(0) { $0 + $1.1 }
            return cx != cy ? cx > cy : x.0 < y.0
        }
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let members = grouped().map { name, list in
            (name, JSONValue.array(list.map { r, count, object, label in
                .object([
                    ("access", .object([("cpu", .integer(r.cpu))] + context.pcJSON(r.pc) + [
                        ("address", .string(hex(r.address))), ("label", .string(label)),
                        ("size", .unsigned(r.size)), ("access", .string(r.write ? "write" : "read"))])),
                    ("object_base", .string(hex(object.base))), ("object_bytes", .unsigned(object.nbytes)),
                    ("count", .unsigned(count)),
                ])
            }))
        }
        return [("checkgc", .object(members))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let groups = grouped()
        let out = "check gc (accesses to RCU-collected objects outside an RCU epoch; \(groups.count) object type\(groups.count == 1 ? "" : "s"))\n"
        if groups.isEmpty { return out + "  none\n" }
        var table = TextTable([.init("object"), .init("base"), .init("address"), .init("cpu", right: true), .init("access"),
                               .init("pc"), .init("count", right: true)])
        var rows = 0
        for (name, list) in groups {
            for (r, count, object, label) in list {
                rows += 1
                guard rows <= top else { continue }
                table.rows.append([name, hex(object.base), label.map { "\(hex(r.address)) \($0)" } ?? hex(r.address),
                                   String(r.cpu), r.write ? "write" : "read", context.pcText(r.pc), String(count)])
            }
        }
        return out + table.render() + moreRows(rows, shown: min(top, rows))
    }
}
