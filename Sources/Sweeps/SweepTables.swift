import Coherence
import Foundation
import Experiments
import Reports
import Statistics

/// The tables of a sweep, derived from its stored results: `results` (one row per point
/// and seed), `summary` (one row per point, each quantity summarised across seeds) and
/// `failures`, as CSV and JSON.
public struct SweepTables {
    /// One result row: a run of a point with one seed.
    public struct Row {
        public let point: SweepPoint
        public let seed: UInt64
        public let result: PointResult
    }

    /// A failed run, with the error it reported.
    public struct Failure {
        public let point: SweepPoint
        public let seed: UInt64
        public let key: String
        public let message: String
    }

    /// The quantities of every row after the grid keys and the seed: each total counter,
    /// then the denominators and the derived rates.
    public static let quantities: [String] = CoherenceCounters.fields.map(\.name)
        + ["operations", "lines", "movement", "miss_ratio", "movement_per_operation", "misses_per_operation"]

    public let plan: SweepPlan
    public let rows: [Row]
    public let failures: [Failure]
    /// Runs neither finished nor failed (a shard not run yet, or interrupted).
    public let missing: Int

    /// Gathers what `store` holds for every run of `plan`. Throws ``SweepError`` for a
    /// result file that cannot be read.
    public init(plan: SweepPlan, store: SweepStore) throws {
        self.plan = plan
        var rows: [Row] = [], failures: [Failure] = []
        var missing = 0
        var cache: [String: PointResult] = [:]
        for run in plan.runs {
            let point = plan.points[run.point]
            if let result = try cache[run.key] ?? store.result(for: run) {
                cache[run.key] = result
                rows.append(Row(point: point, seed: run.seed, result: result))
            } else if let message = store.failure(for: run) {
                failures.append(Failure(point: point, seed: run.seed, key: run.key, message: message))
            } else {
                missing += 1
            }
        }
        self.rows = rows
        self.failures = failures
        self.missing = missing
    }

    /// The value of `quantity` (one of ``quantities``) in `result`.
    public static func value(_ quantity: String, of result: PointResult) -> Double {
        let accesses = Double(result.total("accesses")!), misses = Double(result.total("misses")!)
        let movement = Double(result.total("transfers")! + result.total("invalidations")!)
        let operations = Double(result.operations)
        switch quantity {
        case "operations": return operations
        case "lines": return Double(result.lines)
        case "movement": return movement
        case "miss_ratio": return accesses == 0 ? 0 : misses / accesses
        case "movement_per_operation": return operations == 0 ? 0 : movement / operations
        case "misses_per_operation": return operations == 0 ? 0 : misses / operations
        default: return Double(result.total(quantity)!)
        }
    }

    /// An integer quantity exactly (not through a double), or nil for a rate.
    static func integer(_ quantity: String, of result: PointResult) -> UInt64? {
        switch quantity {
        case "operations": return result.operations
        case "lines": return UInt64(result.lines)
        case "movement": return result.total("transfers")! + result.total("invalidations")!
        default: return result.total(quantity)
        }
    }

    static func text(_ quantity: String, of result: PointResult) -> String {
        integer(quantity, of: result).map { String($0) } ?? fixedPoint(value(quantity, of: result), machineDecimals)
    }

    var gridKeys: [String] { plan.definition.grid.map(\.key) }

    /// Grid values as table cells: strings bare (CSV-quoted when needed), numbers as written.
    static func cell(_ value: ConfigValue) -> String {
        if case let .string(s) = value { return csvField(s) }
        return value.description
    }

    static func json(_ value: ConfigValue) -> JSONValue {
        switch value {
        case let .integer(v): return .integer(v)
        case let .float(v): return .fixed(v, decimals: machineDecimals)
        case let .string(s): return .string(s)
        case let .boolean(b): return .bool(b)
        case .other: return .null
        }
    }

    // MARK: results

    public func resultsCSV() -> String {
        var out = (gridKeys + ["seed", "point", "seed_matters"] + Self.quantities).map(csvField).joined(separator: ",") + "\n"
        for row in rows {
            out += (row.point.values.map(Self.cell) + [String(row.seed), row.result.key, String(row.result.seedMatters)]
                + Self.quantities.map { Self.text($0, of: row.result) }).joined(separator: ",") + "\n"
        }
        return out
    }

    public func resultsJSON() -> String {
        JSONValue.object([
            ("sweep", .string(plan.definition.file)),
            ("grid_keys", .array(gridKeys.map { .string($0) })),
            ("rows", .array(rows.map { row in
                .object(zip(gridKeys, row.point.values).map { ($0, Self.json($1)) }
                    + [("seed", .unsigned(row.seed)), ("point", .string(row.result.key)),
                       ("seed_matters", .bool(row.result.seedMatters))]
                    + Self.quantities.map { q in
                        (q, Self.integer(q, of: row.result).map { .unsigned($0) }
                            ?? .fixed(Self.value(q, of: row.result), decimals: machineDecimals))
                    })
            })),
        ]).rendered()
    }

    // MARK: summary

    /// One summary per point that has results: the point, how many seeds, whether seeds
    /// matter, and each quantity summarised.
    public func summaries() -> [(point: SweepPoint, seeds: Int, seedMatters: Bool, values: [SampleSummary])] {
        var order: [Int] = []
        var byPoint: [Int: [Row]] = [:]
        for row in rows {
            if byPoint[row.point.index] == nil { order.append(row.point.index) }
            byPoint[row.point.index, default: []].append(row)
        }
        return order.map { index in
            let group = byPoint[index]!
            return (plan.points[index], group.count, group.contains { $0.result.seedMatters },
                    Self.quantities.map { q in SampleSummary(group.map { Self.value(q, of: $0.result) }) })
        }
    }

    /// Suffixes of each quantity's summary columns, in order.
    public static let summaryStatistics = ["mean", "sd", "ci95_low", "ci95_high", "min", "max"]

    static func statistics(_ s: SampleSummary) -> [Double] {
        [s.mean, s.standardDeviation, s.confidenceLow, s.confidenceHigh, s.minimum, s.maximum]
    }

    public func summaryCSV() -> String {
        let header = gridKeys + ["seeds", "seed_matters"]
            + Self.quantities.flatMap { q in Self.summaryStatistics.map { "\(q)_\($0)" } }
        var out = header.map(csvField).joined(separator: ",") + "\n"
        for s in summaries() {
            out += (s.point.values.map(Self.cell) + [String(s.seeds), String(s.seedMatters)]
                + s.values.flatMap { Self.statistics($0).map { fixedPoint($0, machineDecimals) } }).joined(separator: ",") + "\n"
        }
        return out
    }

    public func summaryJSON() -> String {
        JSONValue.object([
            ("sweep", .string(plan.definition.file)),
            ("grid_keys", .array(gridKeys.map { .string($0) })),
            ("confidence", .fixed(SampleSummary.confidence, decimals: 2)),
            ("points", .array(summaries().map { s in
                .object(zip(gridKeys, s.point.values).map { ($0, Self.json($1)) }
                    + [("seeds", .integer(s.seeds)), ("seed_matters", .bool(s.seedMatters))]
                    + zip(Self.quantities, s.values).map { q, v in
                        (q, .object(zip(Self.summaryStatistics, Self.statistics(v)).map { ($0, .fixed($1, decimals: machineDecimals)) }))
                    })
            })),
        ]).rendered()
    }

    public func failuresCSV() -> String {
        var out = (gridKeys + ["seed", "point", "error"]).map(csvField).joined(separator: ",") + "\n"
        for f in failures {
            out += (f.point.values.map(Self.cell) + [String(f.seed), f.key, csvField(f.message)]).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Every table by file name, in ``SweepStore/tableNames`` order.
    public func rendered() -> [(name: String, contents: String)] {
        [("results.csv", resultsCSV()), ("results.json", resultsJSON()), ("summary.csv", summaryCSV()),
         ("summary.json", summaryJSON()), ("failures.csv", failuresCSV())]
    }
}

/// A CSV field, quoted (with inner quotes doubled) when it holds a comma, a quote or a line break.
func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
