import MTrace
import Reports

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
///
/// Sides of one CPU and kind whose pcs made exactly the same distinct accesses form a
/// class: every conflict of one is a conflict of all, at the same first overlap, so a
/// pair of classes is reported once, by the lowest pc of each, with the number of pcs it
/// stands for and all their access pairs. Most classes have one pc, and the report is then
/// the pairs of sides; thousands of pcs touching the same bytes make a few rows, not
/// millions. The work is a sort of the distinct accesses plus, per access, the classes of
/// other CPUs it overlaps.
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
        /// The lowest pc of each class.
        var a: Side
        var b: Side
        /// How many pcs each side stands for (its class's size).
        var aPCs: Int
        var bPCs: Int
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
    private(set) var windows: [Window] = []

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
        // Every distinct access, grouped by side (CPU, kind, pc), each side's in address order.
        struct Access {
            var side: Side
            var start: UInt64
            var end: UInt64
        }
        var all: [Access] = []
        all.reserveCapacity(window.accesses.values.reduce(0) { $0 + $1.count })
        for (cpu, set) in window.accesses {
            for i in set { all.append(Access(side: Side(cpu: cpu, pc: i.pc, write: i.write), start: i.start, end: i.end)) }
        }
        window.uniqueAccesses = all.count
        window.accesses = [:]
        all.sort { x, y in
            (x.side.cpu, x.side.write ? 1 : 0, x.side.pc, x.start, x.end) < (y.side.cpu, y.side.write ? 1 : 0, y.side.pc, y.start, y.end)
        }

        // Classes: the sides of one CPU and kind with the same accesses. A side is a run of
        // `all`; a class keeps its first side's run, and is found by a hash of the run.
        var classes: [Side] = []  // the lowest pc's side (runs come in pc order)
        var sizes: [Int] = []
        var runs: [Range<Int>] = []
        var byHash: [Int: [Int]] = [:]
        func sameAccesses(_ x: Range<Int>, _ y: Range<Int>) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { all[$0].start == all[$1].start && all[$0].end == all[$1].end }
        }
        var runStart = 0
        while runStart < all.count {
            let side = all[runStart].side
            var runEnd = runStart + 1
            var hasher = Hasher()
            hasher.combine(side.cpu)
            hasher.combine(side.write)
            hasher.combine(all[runStart].start)
            hasher.combine(all[runStart].end)
            while runEnd < all.count && all[runEnd].side == side {
                hasher.combine(all[runEnd].start)
                hasher.combine(all[runEnd].end)
                runEnd += 1
            }
            let run = runStart..<runEnd, hash = hasher.finalize()
            if let k = byHash[hash]?.first(where: { classes[$0].cpu == side.cpu && classes[$0].write == side.write
                                                       && sameAccesses(runs[$0], run) }) {
                sizes[k] += 1
            } else {
                byHash[hash, default: []].append(classes.count)
                classes.append(side)
                sizes.append(1)
                runs.append(run)
            }
            runStart = runEnd
        }
        byHash = [:]

        // One item per distinct access of a class, in the order the pairs are found in:
        // by start, end, then side.
        struct Item {
            var start: UInt64
            var end: UInt64
            var cls: Int
        }
        var items: [Item] = []
        items.reserveCapacity(runs.reduce(0) { $0 + $1.count })
        for (k, run) in runs.enumerated() {
            for j in run { items.append(Item(start: all[j].start, end: all[j].end, cls: k)) }
        }
        all = []
        runs = []
        items.sort { x, y in
            if x.start != y.start { return x.start < y.start }
            if x.end != y.end { return x.end < y.end }
            return classes[x.cls] < classes[y.cls]
        }

        // The sweep. Active intervals (started, not ended) are counted per class; each
        // class keeps its active items in sweep order, ended ones dropped from the front
        // as they are met, so its first active item is the one the pair is first found
        // with. Classes are grouped by CPU and kind, so an access visits only the classes
        // it conflicts with: other CPUs', and for a read only writers.
        struct Group: Hashable {
            var cpu: Int
            var write: Bool
        }
        var activeCount = [Int](repeating: 0, count: classes.count)
        var activeItems = [[Int]](repeating: [], count: classes.count)
        var activeHead = [Int](repeating: 0, count: classes.count)
        var groups: [Group: [Int]] = [:]  // active classes
        var positionInGroup = [Int](repeating: -1, count: classes.count)
        var ends = EndHeap()
        var found: [Int: Int] = [:]  // class pair → conflict
        var conflicts: [Conflict] = []
        for (index, item) in items.enumerated() {
            while let (end, k) = ends.min, end <= item.start {
                ends.removeMin()
                activeCount[k] -= 1
                if activeCount[k] == 0 {
                    let group = Group(cpu: classes[k].cpu, write: classes[k].write)
                    let position = positionInGroup[k]
                    groups[group]!.swapAt(position, groups[group]!.count - 1)
                    positionInGroup[groups[group]![position]] = position
                    groups[group]!.removeLast()
                    if groups[group]!.isEmpty { groups[group] = nil }
                    positionInGroup[k] = -1
                    activeItems[k] = []
                    activeHead[k] = 0
                }
            }
            let k = item.cls
            let side = classes[k]
            for (group, members) in groups where group.cpu != side.cpu && (group.write || side.write) {
                for other in members {
                    while items[activeItems[other][activeHead[other]]].end <= item.start { activeHead[other] += 1 }
                    let weight = UInt64(activeCount[other]) &* UInt64(sizes[other]) &* UInt64(sizes[k])
                    let key = min(k, other) &* classes.count &+ max(k, other)
                    if let c = found[key] {
                        conflicts[c].pairs &+= weight
                        continue
                    }
                    let first = items[activeItems[other][activeHead[other]]]
                    let end = min(first.end, item.end)
                    var (a, aPCs, b, bPCs) = (classes[other], sizes[other], side, sizes[k])
                    if b < a { swap(&a, &b); swap(&aPCs, &bPCs) }
                    found[key] = conflicts.count
                    conflicts.append(Conflict(a: a, b: b, aPCs: aPCs, bPCs: bPCs, start: item.start, end: end,
                                              label: window.labels[item.start] ?? context.label(item.start), pairs: weight))
                }
            }
            activeCount[k] += 1
            activeItems[k].append(index)
            if positionInGroup[k] < 0 {
                let group = Group(cpu: side.cpu, write: side.write)
                positionInGroup[k] = groups[group, default: []].count
                groups[group, default: []].append(k)
            }
            ends.insert(item.end, k)
        }
        window.conflicts = conflicts.sorted { x, y in (x.start, x.a, x.b) < (y.start, y.a, y.b) }
        window.labels = [:]
    }

    /// A side: its CPU, (lowest) pc and kind, and when its class has several pcs, how many.
    private func sideJSON(_ s: Side, pcs: Int, _ context: ScanContext) -> JSONValue {
        .object([("cpu", .integer(s.cpu))] + context.pcJSON(s.pc) + [("access", .string(s.write ? "write" : "read"))]
                + (pcs > 1 ? [("pcs", .integer(pcs))] : []))
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let list = windows.map { w in
            JSONValue.object([
                ("name", .string(w.name)), ("complete", .bool(w.complete)), ("accesses", .integer(w.uniqueAccesses)),
                ("conflict-free", .bool(w.conflicts.isEmpty)),
                ("shared", .array(w.conflicts.map { c in
                    .object([("address", .string(hex(c.start))), ("label", .string(c.label)),
                             ("bytes", .unsigned(c.end - c.start)), ("pairs", .unsigned(c.pairs)),
                             ("a", sideJSON(c.a, pcs: c.aPCs, context)), ("b", sideJSON(c.b, pcs: c.bPCs, context))])
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
            func side(_ s: Side, _ pcs: Int) -> String {
                "cpu\(s.cpu) \(s.write ? "write" : "read") \(context.pcText(s.pc))" + (pcs > 1 ? " and \(pcs - 1) more pcs" : "")
            }
            for c in w.conflicts.prefix(top) {
                table.rows.append([hex(c.start), c.label ?? "-", String(c.end - c.start), side(c.a, c.aPCs), side(c.b, c.bPCs),
                                   String(c.pairs)])
            }
            out += table.render(indent: "    ") + moreRows(w.conflicts.count, shown: min(top, w.conflicts.count))
        }
        return out
    }
}

/// A binary min-heap of (end, class): the active intervals, to retire them in end order.
private struct EndHeap {
    private var ends: [UInt64] = []
    private var classes: [Int] = []

    var min: (UInt64, Int)? { ends.isEmpty ? nil : (ends[0], classes[0]) }

    mutating func insert(_ end: UInt64, _ cls: Int) {
        ends.append(end)
        classes.append(cls)
        var i = ends.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard ends[i] < ends[parent] else { break }
            ends.swapAt(i, parent)
            classes.swapAt(i, parent)
            i = parent
        }
    }

    mutating func removeMin() {
        ends.swapAt(0, ends.count - 1)
        classes.swapAt(0, classes.count - 1)
        ends.removeLast()
        classes.removeLast()
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < ends.count && ends[left] < ends[smallest] { smallest = left }
            if right < ends.count && ends[right] < ends[smallest] { smallest = right }
            guard smallest != i else { return }
            ends.swapAt(i, smallest)
            classes.swapAt(i, smallest)
            i = smallest
        }
    }
}

extension ScanReport {
    /// The conflict rows `check-testcases` reported and the access pairs they stand for,
    /// or nil when it did not run (what `mtlab bench` measures).
    package var checkTestcasesConflicts: (rows: Int, pairs: UInt64)? {
        guard let analysis = sections.lazy.compactMap({ $0.1 as? CheckTestcasesAnalysis }).first else { return nil }
        let conflicts = analysis.windows.flatMap(\.conflicts)
        return (conflicts.count, conflicts.reduce(0) { $0 &+ $1.pairs })
    }
}
