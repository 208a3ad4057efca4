import Coherence
import Reports
import Statistics
import MTrace

/// The machine-readable report of a run: one JSON object with `config`, `guest` (emulated
/// workloads only), `totals`, `cpus`, for a hierarchy `levels`, `icache` (when it has one)
/// and `timing` (when it has latencies), `transfer_matrix` (rows: supplying CPU; columns:
/// requesting CPU), `lines` (the hottest, by movement or by stall cycles) and
/// `statistics`. Counters use their spec names.
public enum JSONReport {
    /// The report as text; `top` is how many of the hottest lines `lines` holds.
    public static func render(_ outcome: CompletedRun, top: Int, rank: LineRanking = .movement) -> String {
        value(outcome, top: top, rank: rank).rendered()
    }

    /// The report as a value, for callers that embed it.
    public static func value(_ outcome: CompletedRun, top: Int, rank: LineRanking = .movement) -> JSONValue {
        let result = outcome.result
        var members: [(String, JSONValue)] = [("config", config(outcome.configuration))]
        if let g = outcome.guest { members.append(("guest", guest(g, result.totals))) }
        members += [
            ("totals", counters(result.totals)),
            ("cpus", .array(result.cpus.enumerated().map { cpu, c in
                guard case let .object(members) = counters(c) else { return .null }
                return .object([("cpu", .integer(cpu))] + members)
            })),
        ]
        if let h = outcome.hierarchy {
            members.append(("levels", levels(h)))
            if let i = h.instruction { members.append(("icache", level(i))) }
            if let t = h.timing { members.append(("timing", timing(t))) }
        }
        let cycles = outcome.lineCycles
        return .object(members + [
            ("transfer_matrix", transferMatrix(result)),
            ("lines", .array(outcome.hottestLines(top, rank: rank).map { line(result, $0, cycles: cycles) })),
            ("statistics", statistics(outcome.statistics)),
        ])
    }

    /// The resolved config, nested by table as in the TOML file; `level` is a list with
    /// one object per `[[level]]` table.
    static func config(_ c: RunConfiguration) -> JSONValue {
        var tables: [(String, [(String, JSONValue)])] = []
        var levels: [[(String, JSONValue)]] = []
        for (name, value) in c.resolvedValues {
            let key = ConfigKey.named(name)!
            let json: JSONValue
            switch value {
            case let .integer(v): json = .integer(v)
            case let .float(v): json = .fixed(v, decimals: machineDecimals)
            case let .string(s): json = .string(s)
            case let .boolean(b): json = .bool(b)
            case .other: json = .null
            }
            if let (n, leaf) = ConfigKey.levelKeyParts(name) {
                if levels.count < n { levels.append([]) }
                levels[n - 1].append((leaf, json))
                if !tables.contains(where: { $0.0 == "level" }) { tables.append(("level", [])) }
                continue
            }
            if let i = tables.firstIndex(where: { $0.0 == key.table }) {
                tables[i].1.append((key.leaf, json))
            } else {
                tables.append((key.table, [(key.leaf, json)]))
            }
        }
        return .object(tables.map { $0.0 == "level" ? ("level", .array(levels.map { .object($0) })) : ($0.0, .object($0.1)) })
    }

    /// How the guest ran. `partial` is true when the counters cover only part of its work;
    /// `per_operation` is null unless the guest counted operations (`mtops`).
    static func guest(_ g: GuestSummary, _ totals: CoherenceCounters) -> JSONValue {
        let perOperation: JSONValue
        if g.operations > 0 {
            let ops = Double(g.operations)
            func per(_ value: UInt64) -> JSONValue { .fixed(Double(value) / ops, decimals: machineDecimals) }
            perOperation = .object([
                ("movement", per(totals.transfers + totals.invalidations)), ("transfers", per(totals.transfers)),
                ("invalidations", per(totals.invalidations)), ("misses", per(totals.misses)),
                ("accesses", per(totals.accesses)),
            ])
        } else {
            perOperation = .null
        }
        return .object([
            ("ended", .string(g.ending.rawValue)),
            ("elf", g.elf.map { .string($0) } ?? .null),
            ("exit_code", g.exitCode.map { .integer($0) } ?? .null),
            ("message", .string(g.message)),
            ("partial", .bool(g.isPartial)),
            ("instructions", .array(g.instructions.map { .unsigned($0) })),
            ("total_instructions", .unsigned(g.totalInstructions)),
            ("recorded_accesses", .unsigned(g.recordedAccesses)),
            ("uses_annotations", .bool(g.usesAnnotations)),
            ("annotations", .unsigned(g.annotations)),
            ("trace_name", g.traceName.map { .string($0) } ?? .null),
            ("operations", .unsigned(g.operations)),
            ("per_operation", perOperation),
        ])
    }

    static func counters(_ c: CoherenceCounters) -> JSONValue {
        .object(CoherenceCounters.fields.map { ($0.name, .unsigned(c[keyPath: $0.value])) })
    }

    /// Rows by supplying CPU, columns by requesting CPU (see `SimulationResult.transferMatrix`).
    static func transferMatrix(_ result: SimulationResult) -> JSONValue {
        let n = result.cpus.count
        return .array((0..<n).map { from in .array((0..<n).map { .unsigned(result.transfers(from: from, to: $0)) }) })
    }

    static func cpuList(_ set: CPUSet) -> JSONValue { .array(set.members.map { .integer($0) }) }

    /// A hot line; `stall_cycles` follows `movement` when the run has timing (`cycles`).
    static func line(_ result: SimulationResult, _ index: Int, cycles: [UInt64]? = nil) -> JSONValue {
        let l = result.lines[index]
        let stall: [(String, JSONValue)] = cycles.map { [("stall_cycles", .unsigned(index < $0.count ? $0[index] : 0))] } ?? []
        return .object(
            [("address", .string(hex(l.address))), ("readers", cpuList(l.readers)), ("writers", cpuList(l.writers))]
            + LineSummary.counterFields.map { ($0.name, .unsigned(l[keyPath: $0.value])) }
            + [("movement", .unsigned(l.movement))] + stall
            + [("sharing", .string(l.sharing.rawValue)),
               ("falsely_shared", .bool(l.isFalselyShared)),
               ("offsets", .array(result.offsets(ofLine: index).map { use in
                   .object([("offset", .integer(use.offset)), ("readers", cpuList(use.readers)),
                            ("writers", cpuList(use.writers))])
               }))])
    }

    static func statistics(_ s: RunStatistics) -> JSONValue {
        .object([("lines", .integer(s.lines))] + s.distributions.map { ($0.name, distribution($0.distribution)) })
    }

    static func distribution(_ d: Distribution) -> JSONValue {
        .object([
            ("count", .integer(d.count)), ("total", .unsigned(d.total)),
            ("mean", .fixed(d.mean, decimals: machineDecimals)),
            ("variance", .fixed(d.variance, decimals: machineDecimals)),
            ("p50", .fixed(d.p50, decimals: machineDecimals)),
            ("p90", .fixed(d.p90, decimals: machineDecimals)),
            ("p99", .fixed(d.p99, decimals: machineDecimals)),
            ("max", .unsigned(d.maximum)),
            ("top_1pct_lines", .integer(d.topPercentCount)),
            ("top_1pct_share", .fixed(d.topPercentShare, decimals: machineDecimals)),
            ("histogram", .array(d.histogram.map {
                .object([("lower", .unsigned($0.lower)), ("upper", .unsigned($0.upper)), ("count", .unsigned($0.count))])
            })),
        ])
    }
}
