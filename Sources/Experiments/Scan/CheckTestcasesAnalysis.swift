import MTrace

/// Byte or line overlap for `--check-testcases`.
public enum ConflictGranularity: String, CaseIterable, Sendable {
    /// Two accesses conflict when they share a byte.
    case byte
    /// Two accesses conflict when they share a line (`cache.line_size`).
    case line
}

/// `--check-testcases` (`testcases`): mscan's conflict checker. Each test window runs
/// from a host record that enables recording to the next that disables it (or enables
/// again), named by the enabling record's string. In each, every pair of accesses by
/// different CPUs that overlap (in a byte, or in a line) with at least one writing is a
/// conflict, reported once per pair of (cpu, pc, read or write) sides with the first
/// overlap, its label and how many access pairs it stands for. A test without conflicts is
/// conflict-free.
final class CheckTestcasesAnalysis: ScanAnalysis {
    struct Interval: Hashable {
        var start: UInt64
        var end: UInt64
        var write: Bool
        var pc: UInt64
        // One combine: hashing, not comparing, is what a window of millions of accesses costs.
        func hash(into hasher: inout Hasher) {
            hasher.combine(start &* 0x9E37_79B9_7F4A_7C15 ^ (end &- start) << 40 ^ pc &* 0xBF58_476D_1CE4_E5B9
                           ^ (write ? 1 : 0))
        }
    }

    struct Side: Hashable, Comparable {
        var cpu: Int
        var pc: UInt64
        var write: Bool
        static func < (a: Side, b: Side) -> Bool { (a.cpu, a.pc, a.write ? 1 : 0) < (b.cpu, b.pc, b.write ? 1 : 0) }
        func hash(into hasher: inout Hasher) {
            hasher.combine(pc &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: cpu) << 1 ^ (write ? 1 : 0))
        }
    }

    struct Conflict {
        var a: Side
        var b: Side
        var start: UInt64
        var end: UInt64
        var label: String?
        var pairs: UInt64
    }

    final class Window {
        let name: String
        var accesses: [Int: Set<Interval>] = [:]
        var labels: [UInt64: String] = [:]
        var complete = false
        var conflicts: [Conflict] = []
        var uniqueAccesses = 0
        init(name: String) { self.name = name }
    }

    let granularity: ConflictGranularity
    private var current: Window?
    private var windows: [Window] = []

    init(granularity: ConflictGranularity) { self.granularity = granularity }

    func record(_ record: MTraceRecord, _ context: ScanContext) {
        guard case .host(let h) = record.entry, h.hostType == .setRecordMode else { return }
        if let open = current {
            open.complete = h.mode == .disable
            close(open, context)
            current = nil
        }
        if h.mode != .disable {
            let window = Window(name: h.name.string)
            windows.append(window)
            current = window
        }
    }

    func access(_ a: ScanAccess, _ context: ScanContext) {
        guard let window = current else { return }
        var start = a.address, end = a.end
        if granularity == .line {
            start = start / context.lineSize * context.lineSize
            end = lineEnd((end - 1) / context.lineSize * context.lineSize, context.lineSize)
        }
        let interval = Interval(start: start, end: end, write: a.isWrite, pc: a.pc)
        // Labels as they are now: by the end of the window the object may be gone.
        if window.accesses[a.cpu, default: []].insert(interval).inserted, window.labels[start] == nil,
           let label = context.label(start) {
            window.labels[start] = label
        }
    }

    func finish(_ context: ScanContext) {
        if let open = current { close(open, context) }
        current = nil
    }

    private func close(_ window: Window, _ context: ScanContext) {
        var items: [(cpu: Int, interval: Interval)] = []
        for (cpu, set) in window.accesses { for i in set { items.append((cpu, i)) } }
        window.uniqueAccesses = items.count
        items.sort { x, y in
            (x.interval.start, x.interval.end, x.cpu, x.interval.pc, x.interval.write ? 1 : 0)
                < (y.interval.start, y.interval.end, y.cpu, y.interval.pc, y.interval.write ? 1 : 0)
        }
        struct Key: Hashable {
            var a: Side
            var b: Side
            func hash(into hasher: inout Hasher) {
                hasher.combine((a.pc &* 0x9E37_79B9_7F4A_7C15 ^ b.pc) &+ UInt64(truncatingIfNeeded: a.cpu << 33 ^ b.cpu << 1)
                               ^ (a.write ? 2 : 0) ^ (b.write ? 1 : 0))
            }
        }
        var found: [Key: Int] = [:]
        var conflicts: [Conflict] = []
        var active: [Int] = []
        for (index, item) in items.enumerated() {
            active.removeAll { items[$0].interval.end <= item.interval.start }
            for j in active {
                let other = items[j]
                guard other.cpu != item.cpu, other.interval.write || item.interval.write else { continue }
                var a = Side(cpu: other.cpu, pc: other.interval.pc, write: other.interval.write)
                var b = Side(cpu: item.cpu, pc: item.interval.pc, write: item.interval.write)
                if b < a { swap(&a, &b) }
                let start = max(other.interval.start, item.interval.start)
                let end = min(other.interval.end, item.interval.end)
                let key = Key(a: a, b: b)
                if let k = found[key] {
                    conflicts[k].pairs += 1
                } else {
                    found[key] = conflicts.count
                    conflicts.append(Conflict(a: a, b: b, start: start, end: end,
                                              label: window.labels[start] ?? context.label(start), pairs: 1))
                }
            }
            active.append(index)
        }
        window.conflicts = conflicts.sorted { x, y in (x.start, x.a, x.b) < (y.start, y.a, y.b) }
        window.accesses = [:]
        window.labels = [:]
    }

    private func sideJSON(_ s: Side, _ context: ScanContext) -> JSONValue {
        .object([("cpu", .integer(s.cpu))] + context.pcJSON(s.pc) + [("access", .string(s.write ? "write" : "read"))])
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let list = windows.map { w in
            JSONValue.object([
                ("name", .string(w.name)), ("complete", .bool(w.complete)), ("accesses", .integer(w.uniqueAccesses)),
                ("conflict-free", .bool(w.conflicts.isEmpty)),
                ("shared", .array(w.conflicts.map { c in
                    .object([("address", .string(hex(c.start))), ("label", .string(c.label)),
                             ("bytes", .unsigned(c.end - c.start)), ("pairs", .unsigned(c.pairs)),
                             ("a", sideJSON(c.a, context)), ("b", sideJSON(c.b, context))])
                })),
            ])
        }
        return [("testcases", .array(list))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let free = windows.filter { $0.conflicts.isEmpty }.count
        var out = "check testcases (\(granularity.rawValue) granularity): \(windows.count) test\(windows.count == 1 ? "" : "s"), "
            + "\(free) conflict-free\n"
        if windows.isEmpty { return out + "  none (no host record enabled recording)\n" }
        for w in windows {
            let state = w.complete ? "" : " (not closed by a disable record)"
            if w.conflicts.isEmpty {
                out += "  test \"\(w.name)\": conflict-free, \(w.uniqueAccesses) distinct accesses\(state)\n"
                continue
            }
            out += "  test \"\(w.name)\": \(w.conflicts.count) conflict\(w.conflicts.count == 1 ? "" : "s")\(state)\n"
            var table = TextTable([.init("address"), .init("object"), .init("bytes", right: true), .init("side a"),
                                   .init("side b"), .init("pairs", right: true)])
            func side(_ s: Side) -> String { "cpu\(s.cpu) \(s.write ? "write" : "read") \(context.pcText(s.pc))" }
            for c in w.conflicts.prefix(top) {
                table.rows.append([hex(c.start), c.label ?? "-", String(c.end - c.start), side(c.a), side(c.b), String(c.pairs)])
            }
            out += table.render(indent: "    ") + moreRows(w.conflicts.count, shown: min(top, w.conflicts.count))
        }
        return out
    }
}
