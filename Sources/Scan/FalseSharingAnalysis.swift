import MTrace
import Reports

/// Per-CPU counts of reads and writes.
struct ReadWriteCounts {
    var reads: [UInt64] = []
    var writes: [UInt64] = []

    mutating func add(cpu: Int, write: Bool, _ count: UInt64 = 1) {
        let n = cpu + 1
        if reads.count < n {
            reads += Array(repeating: 0, count: n - reads.count)
            writes += Array(repeating: 0, count: n - writes.count)
        }
        if write { writes[cpu] += count } else { reads[cpu] += count }
    }

    var cpus: [Int] { reads.indices.filter { reads[$0] + writes[$0] > 0 } }
    var total: UInt64 { reads.reduce(0, +) + writes.reduce(0, +) }
    func reads(_ cpu: Int) -> UInt64 { cpu < reads.count ? reads[cpu] : 0 }
    func writes(_ cpu: Int) -> UInt64 { cpu < writes.count ? writes[cpu] : 0 }

    /// `cpu0 R4 W4  cpu1 R2`.
    var text: String {
        cpus.map { c in
            var part = "cpu\(c)"
            if reads[c] > 0 { part += " R\(reads[c])" }
            if writes[c] > 0 { part += " W\(writes[c])" }
            return part
        }.joined(separator: "  ")
    }

    var json: JSONValue {
        .array(cpus.map { c in .object([("cpu", .integer(c)), ("reads", .unsigned(reads[c])), ("writes", .unsigned(writes[c]))]) })
    }
}

/// Byte masks of one line per CPU: which bytes each CPU read and wrote.
struct LineByteMasks {
    let words: Int
    private(set) var read: [Int: [UInt64]] = [:]
    private(set) var written: [Int: [UInt64]] = [:]

    init(lineSize: UInt64) { words = Int((lineSize + 63) / 64) }

    /// Marks bytes [lo, hi) of the line (offsets) for `cpu`.
    mutating func mark(cpu: Int, write: Bool, lo: Int, hi: Int) {
        var mask = (write ? written[cpu] : read[cpu]) ?? [UInt64](repeating: 0, count: words)
        var b = lo
        while b < hi {
            let n = min(hi - b, 64 - (b & 63))
            mask[b >> 6] |= n == 64 ? ~0 : ((1 << UInt64(n)) - 1) << UInt64(b & 63)
            b += n
        }
        if write { written[cpu] = mask } else { read[cpu] = mask }
    }

    /// Offsets touched by two or more CPUs, at least one of which wrote them: the bytes that
    /// are truly shared. Empty means the CPUs touch disjoint bytes (or only read shared ones).
    func sharedOffsets() -> [Int] {
        let cpus = Set(read.keys).union(written.keys).sorted()
        var out: [Int] = []
        for w in 0..<words {
            for bit in 0..<64 {
                let m = UInt64(1) << UInt64(bit)
                var touchers = 0, writers = 0
                for c in cpus {
                    let r = (read[c]?[w] ?? 0) & m != 0
                    let wr = (written[c]?[w] ?? 0) & m != 0
                    if r || wr { touchers += 1 }
                    if wr { writers += 1 }
                }
                if touchers >= 2 && writers >= 1 { out.append(w * 64 + bit) }
            }
        }
        return out
    }
}

/// `--false-sharing` (`false-sharing`): lines holding two or more labeled objects that
/// different CPUs access: which objects, which CPUs read and wrote each, at which pcs,
/// ranked by accesses. Unlike mscan, each line is checked byte by byte: it is pure false
/// sharing only when no byte is touched by two CPUs with one of them writing.
final class FalseSharingAnalysis: ScanAnalysis {
    struct Use {
        /// nil: bytes of the line no label covers.
        var object: ScanObject?
        var counts = ReadWriteCounts()
        var pcs: [UInt64: UInt64] = [:]
    }

    struct Line {
        var accesses: UInt64 = 0
        var hasWrite = false
        /// By object id (0 for unlabeled bytes).
        var uses: [UInt64: Use] = [:]
        var masks: LineByteMasks
    }

    private var lines: [UInt64: Line] = [:]

    /// An object as mscan named it in a false-sharing instance.
    struct MscanInstance: Hashable {
        var name: String
        var allocPC: UInt64
    }
    /// mscan's view: by the pc of an access, the objects that shared the line of its first
    /// byte with another object.
    private var mscanSites: [UInt64: Set<MscanInstance>] = [:]

    func access(_ a: ScanAccess, _ context: ScanContext) {
        let size = context.lineSize
        var line = a.address / size
        let first = line
        let last = (a.end - 1) / size
        while true {
            let lineStart = line * size
            let end = lineEnd(lineStart, size)
            let objects = context.objects(overlapping: lineStart, end)
            if objects.count >= 2 {
                if line == first {
                    for o in objects { mscanSites[a.pc, default: []].insert(MscanInstance(name: o.name, allocPC: o.allocPC)) }
                }
                let lo = max(a.address, lineStart), hi = min(a.end, end)
                Self.add(a, lo: lo, hi: hi, lineStart: lineStart, objects: objects,
                         to: &lines[lineStart, default: Line(masks: LineByteMasks(lineSize: size))])
            }
            if line == last { break }
            line += 1
        }
    }

    private static func add(_ a: ScanAccess, lo: UInt64, hi: UInt64, lineStart: UInt64, objects: [ScanObject],
                            to line: inout Line) {
        line.accesses += 1
        if a.isWrite { line.hasWrite = true }
        line.masks.mark(cpu: a.cpu, write: a.isWrite, lo: Int(lo - lineStart), hi: Int(hi - lineStart))
        let touched = objects.filter { $0.base < hi && $0.end > lo }
        for object in touched.isEmpty ? [nil] : touched.map(Optional.some) {
            let id = object?.id ?? 0
            if line.uses[id] == nil { line.uses[id] = Use(object: object) }
            line.uses[id]!.counts.add(cpu: a.cpu, write: a.isWrite)
            line.uses[id]!.pcs[a.pc, default: 0] += 1
        }
    }

    /// Lines where two different labeled objects are accessed by two different CPUs and
    /// someone writes; most accesses first.
    private func ranked() -> [(UInt64, Line)] {
        lines.filter { _, line in
            guard line.hasWrite else { return false }
            let labeled = line.uses.values.filter { $0.object != nil }
            for a in labeled {
                for b in labeled where a.object!.id != b.object!.id {
                    if a.counts.cpus.contains(where: { c in b.counts.cpus.contains { $0 != c } }) { return true }
                }
            }
            return false
        }.sorted { $0.value.accesses != $1.value.accesses ? $0.value.accesses > $1.value.accesses : $0.key < $1.key }
    }

    private func orderedUses(_ line: Line) -> [Use] {
        line.uses.values.sorted { x, y in
            switch (x.object, y.object) {
            case let (a?, b?): return (a.base, a.id) < (b.base, b.id)
            case (nil, _?): return false
            case (_?, nil): return true
            case (nil, nil): return false
            }
        }
    }

    private func span(_ object: ScanObject, lineStart: UInt64, size: UInt64) -> String {
        let lo = max(object.base, lineStart) - lineStart
        let hi = min(object.end, lineEnd(lineStart, size)) - lineStart
        return hi - lo == 1 ? "\(lo)" : "\(lo)-\(hi - 1)"
    }

    private func pcsByCount(_ use: Use) -> [(UInt64, UInt64)] {
        use.pcs.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let items = ranked().map { lineStart, line -> JSONValue in
            let shared = line.masks.sharedOffsets()
            let cpus = Set(line.uses.values.flatMap(\.counts.cpus)).sorted()
            let objects = orderedUses(line).map { use -> JSONValue in
                var members: [(String, JSONValue)]
                if let o = use.object {
                    members = [("name", .string(o.name)), ("address", .string(hex(o.base))), ("size", .unsigned(o.size)),
                               ("bytes-on-line", .string(span(o, lineStart: lineStart, size: context.lineSize))),
                               ("alloc-pc", .string(hex(o.allocPC))), ("alloc-info", .string(context.describe(pc: o.allocPC)))]
                } else {
                    members = [("name", .string("(unlabeled)")), ("address", .null)]
                }
                members.append(("cpus", use.counts.json))
                members.append(("pcs", .array(pcsByCount(use).map { pc, n in .object(context.pcJSON(pc) + [("count", .unsigned(n))]) })))
                return .object(members)
            }
            return .object([("line", .string(hex(lineStart))), ("accesses", .unsigned(line.accesses)),
                            ("cpus", .array(cpus.map { .integer($0) })), ("disjoint-bytes", .bool(shared.isEmpty)),
                            ("shared-bytes", .string(ranges(shared))), ("objects", .array(objects))])
        }
        return [("false-sharing", .array(items))]
    }

    /// mscan's `false-sharing` list: one entry per pc (in ascending order) that accessed a
    /// line holding two or more labeled objects, listing those objects by name and then
    /// allocation pc. `alloc-info` is what mscan's addr2line gave for a program without line
    /// tables: the function holding the pc (or the pc) and `at ??:0`.
    func mscanJSON(_ context: ScanContext) -> [(String, JSONValue)] {
        let sites = mscanSites.keys.sorted().map { pc -> JSONValue in
            let instances = mscanSites[pc]!.sorted { x, y in
                x.name != y.name ? x.name.utf8.lexicographicallyPrecedes(y.name.utf8) : x.allocPC < y.allocPC
            }
            return .object([("pc", .string(hex(pc))), ("instances", .array(instances.map { i in
                let function = context.symbols?.function(containing: i.allocPC)?.name ?? hex(i.allocPC)
                return .object([("name", .string(i.name)), ("alloc-pc", .string(hex(i.allocPC))),
                                ("alloc-info", .string(function + " at ??:0"))])
            }))])
        }
        return [("false-sharing", .array(sites))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let entries = ranked()
        var out = "false sharing (lines holding two or more objects that different CPUs access; \(entries.count) in all)\n"
        guard !entries.isEmpty else { return out + "  none\n" }
        for (lineStart, line) in entries.prefix(top) {
            let shared = line.masks.sharedOffsets()
            let verdict = shared.isEmpty ? "CPUs touch disjoint bytes: false sharing only"
                : "also true sharing: bytes \(ranges(shared)) touched by several CPUs, one writing"
            out += "  line \(hex(lineStart))  accesses \(line.accesses)  \(verdict)\n"
            var table = TextTable([.init("object"), .init("bytes"), .init("cpus"), .init("pcs")])
            for use in orderedUses(line) {
                let pcs = pcsByCount(use)
                var pcText = pcs.prefix(3).map { "\(context.pcText($0.0)) ×\($0.1)" }.joined(separator: ", ")
                if pcs.count > 3 { pcText += ", +\(pcs.count - 3) more" }
                let name = use.object.map { "\($0.name) (\(hex($0.base)))" } ?? "(unlabeled)"
                let bytes = use.object.map { span($0, lineStart: lineStart, size: context.lineSize) } ?? "-"
                table.rows.append([name, bytes, use.counts.text, pcText])
            }
            out += table.render(indent: "    ")
        }
        return out + moreRows(entries.count, shown: min(top, entries.count))
    }
}
