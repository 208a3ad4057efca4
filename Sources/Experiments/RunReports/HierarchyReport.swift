import CacheModels
import Coherence
import Reports

/// How the hottest lines are ranked: by movement (transfers + invalidations, the default)
/// or, for a run with timing, by the cycles spent on them.
public enum LineRanking: String, CaseIterable, Sendable {
    case movement
    case cycles
}

extension CompletedRun {
    /// The cycles spent on each line, indexed as `result.lines`, when the run has timing.
    public var lineCycles: [UInt64]? { hierarchy?.timing?.lineCycles }

    /// The indices of the `count` hottest lines, hottest first. By cycles, ties go to the
    /// greater movement, then more accesses, then the lower address; without timing, by
    /// movement (the order of ``SimulationResult/hottestLines(_:)``).
    public func hottestLines(_ count: Int, rank: LineRanking) -> [Int] {
        guard rank == .cycles, let cycles = lineCycles else { return result.hottestLines(count) }
        let k = min(max(0, count), result.lines.count)
        guard k > 0 else { return [] }
        struct Key { var cycles, movement, accesses, address: UInt64 }
        var keys: [Key] = []
        keys.reserveCapacity(result.lines.count)
        for (index, line) in result.lines.enumerated() {
            keys.append(Key(cycles: index < cycles.count ? cycles[index] : 0, movement: line.movement,
                            accesses: line.accesses, address: line.address))
        }
        func hotter(_ a: Key, _ b: Key) -> Bool {
            if a.cycles != b.cycles { return a.cycles > b.cycles }
            if a.movement != b.movement { return a.movement > b.movement }
            if a.accesses != b.accesses { return a.accesses > b.accesses }
            return a.address < b.address
        }
        return Array(keys.indices.sorted { hotter(keys[$0], keys[$1]) }.prefix(k))
    }
}

extension LevelResult {
    /// Report label of instance `i`: the CPU of a private level, `shared` for a shared one.
    func instanceLabel(_ i: Int) -> String { sharing == .shared ? "shared" : String(i) }
}

extension JSONReport {
    /// The data levels, nearest first, each with every counter per cache and in total.
    static func levels(_ h: HierarchyResult) -> JSONValue { .array(h.levels.map(level)) }

    /// One level: `name`, `sharing`, `inclusion`, `totals` and `cpus`, one entry per CPU for
    /// a private level, one with `cpu` null for a shared level.
    static func level(_ l: LevelResult) -> JSONValue {
        func counters(_ c: LevelCounters) -> [(String, JSONValue)] { c.fields.map { ($0.name, .unsigned($0.value)) } }
        return .object([
            ("name", .string(l.name)), ("sharing", .string(l.sharing.rawValue)), ("inclusion", .string(l.inclusion.rawValue)),
            ("totals", .object(counters(l.total))),
            ("cpus", .array(l.instances.enumerated().map { i, c in
                .object([("cpu", l.sharing == .shared ? .null : .integer(i))] + counters(c))
            })),
        ])
    }

    /// Cycles per CPU and in total, with the average cycles per line access.
    static func timing(_ t: HierarchyTiming) -> JSONValue {
        let accesses = t.lineAccesses.reduce(0, &+)
        return .object([
            ("totals", .object([
                ("cycles", .unsigned(t.totalCycles)), ("line_accesses", .unsigned(accesses)),
                ("average_access_time", .fixed(accesses == 0 ? 0 : Double(t.totalCycles) / Double(accesses), decimals: machineDecimals)),
            ])),
            ("cpus", .array(t.cycles.indices.map { cpu in
                .object([("cpu", .integer(cpu)), ("cycles", .unsigned(t.cycles[cpu])),
                         ("line_accesses", .unsigned(t.lineAccesses[cpu])),
                         ("average_access_time", .fixed(t.averageAccessTime(cpu: cpu), decimals: machineDecimals))])
            })),
        ])
    }
}

extension CSVReport {
    /// Tidy: one row per cache of every level (the instruction caches first), then one
    /// `total` row per level; `cpu` is `shared` for a shared level's one cache.
    static func levels(_ h: HierarchyResult) -> String {
        let names = LevelCounters().fields.map(\.name)
        var rows: [[String]] = []
        for l in [h.instruction].compactMap({ $0 }) + h.levels {
            for (i, c) in l.instances.enumerated() {
                rows.append([l.name, l.instanceLabel(i), l.sharing.rawValue, l.inclusion.rawValue] + c.fields.map { String($0.value) })
            }
            rows.append([l.name, "total", l.sharing.rawValue, l.inclusion.rawValue] + l.total.fields.map { String($0.value) })
        }
        return csv(["level", "cpu", "sharing", "inclusion"] + names, rows)
    }

    /// Cycles per CPU and in total.
    static func timing(_ t: HierarchyTiming) -> String {
        var rows = t.cycles.indices.map { cpu in
            [String(cpu), String(t.cycles[cpu]), String(t.lineAccesses[cpu]), fixedPoint(t.averageAccessTime(cpu: cpu), machineDecimals)]
        }
        let accesses = t.lineAccesses.reduce(0, &+)
        rows.append(["total", String(t.totalCycles), String(accesses),
                     fixedPoint(accesses == 0 ? 0 : Double(t.totalCycles) / Double(accesses), machineDecimals)])
        return csv(["cpu", "cycles", "line_accesses", "average_access_time"], rows)
    }
}

extension TextReport {
    /// One line per level for the configuration table: shape, policy, sharing, latency.
    static func levelRows(_ c: RunConfiguration) -> [[String]] {
        guard let h = c.hierarchy else { return [] }
        func describe(_ l: LevelSettings, first: Bool) -> String {
            var parts = [l.geometry.description, l.replacement.rawValue, l.sharing.rawValue]
            if !first { parts.append(l.inclusion.rawValue) }
            if first, l.name != "L1i" {
                parts.append(l.writeBack ? "write-back" : "write-through")
                if !l.writeAllocate { parts.append("no write-allocate") }
            }
            if h.hasTiming { parts.append("\(l.latency) cycles") }
            return parts.joined(separator: ", ")
        }
        var rows: [[String]] = []
        if let i = h.instruction { rows.append([i.name, describe(i, first: true)]) }
        for (n, l) in h.data.enumerated() { rows.append([l.name, describe(l, first: n == 0)]) }
        if h.hasTiming {
            rows.append(["memory", "\(h.memoryLatency) cycles; a transfer from a peer \(h.transferLatency) cycles"])
        }
        return rows
    }

    /// One compact table per level (CPUs down), the instruction caches first; the columns
    /// that cannot be non-zero for a level (back-invalidations above a non-inclusive level,
    /// victim fills of a non-exclusive one) are left out. JSON and CSV have every counter.
    static func levels(_ h: HierarchyResult) -> String {
        var out = "Counters per level (references reaching each cache; JSON and CSV have every counter)\n"
        for l in [h.instruction].compactMap({ $0 }) + h.levels {
            var columns: [(String, (LevelCounters) -> String)] = [
                ("accesses", { String($0.accesses) }), ("misses", { String($0.misses) }),
                ("miss_ratio", { $0.accesses == 0 ? "-" : fixedPoint(Double($0.misses) / Double($0.accesses), 4) }),
                ("compulsory", { String($0.compulsoryMisses) }), ("capacity", { String($0.capacityMisses) }),
                ("conflict", { String($0.conflictMisses) }), ("coherence", { String($0.coherenceMisses) }),
                ("writebacks", { String($0.writebacks) }),
            ]
            if l.inclusion == .inclusive { columns.append(("back_invalidations", { String($0.backInvalidations) })) }
            if l.inclusion == .exclusive { columns.append(("victim_fills", { String($0.victimFills) })) }
            columns += [("reads_below", { String($0.readsBelow) }), ("writes_below", { String($0.writesBelow) })]
            var table = TextTable([.init(header: "cpu", rightAligned: false)] + columns.map { .init(header: $0.0, rightAligned: true) })
            for (i, c) in l.instances.enumerated() { table.rows.append([l.instanceLabel(i)] + columns.map { $0.1(c) }) }
            if l.instances.count > 1 { table.rows.append(["total"] + columns.map { $0.1(l.total) }) }
            let what = l.sharing == .shared ? "shared" : "private"
            out += "\n\(l.name) (\(what), \(l.inclusion.rawValue))\n"
                + table.split(keep: 1, width: width).map { $0.render() }.joined(separator: "\n")
        }
        return out
    }

    /// Cycles per CPU under the cost model.
    static func timing(_ t: HierarchyTiming) -> String {
        var table = TextTable([.init(header: "cpu", rightAligned: false), .init(header: "line_accesses", rightAligned: true),
                               .init(header: "cycles", rightAligned: true), .init(header: "average_access_time", rightAligned: true)])
        for cpu in t.cycles.indices {
            table.rows.append([String(cpu), String(t.lineAccesses[cpu]), String(t.cycles[cpu]), fixedPoint(t.averageAccessTime(cpu: cpu), 3)])
        }
        let accesses = t.lineAccesses.reduce(0, &+)
        table.rows.append(["total", String(accesses), String(t.totalCycles),
                           fixedPoint(accesses == 0 ? 0 : Double(t.totalCycles) / Double(accesses), 3)])
        return "Cycles per CPU (a cost model for ranking, not a pipeline: each line access costs the latencies of the levels it visits)\n"
            + table.render()
    }
}
