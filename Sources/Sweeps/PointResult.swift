import Coherence
import Foundation
import Experiments
import Reports

/// What a sweep keeps of one finished run: its totals and the denominators of its rates,
/// with the canonical configuration it ran, so that a stored result is only ever reused
/// for exactly that run.
///
/// On disk it is `points/<key>.json`: these fields beside the run's full JSON report
/// (`run`, as `mtlab run --json` writes it with no hot lines), from which a transfer
/// matrix of any point can be plotted.
public struct PointResult: Equatable, Sendable {
    public let key: String
    public let canonical: String
    public let seedMatters: Bool
    /// Total counters in ``CoherenceCounters/fields`` order.
    public let totals: [UInt64]
    /// See ``CompletedRun/operations``.
    public let operations: UInt64
    public let workloadAccesses: UInt64
    /// Lines any CPU touched.
    public let lines: Int
    /// Wall time of the simulation (not part of any table: it would make them irreproducible).
    public let seconds: Double

    /// The total counter named `name` (a spec name), or nil.
    public func total(_ name: String) -> UInt64? {
        CoherenceCounters.fields.firstIndex { $0.name == name }.map { totals[$0] }
    }

    init(run: SweepRun, outcome: CompletedRun, seconds: Double) {
        key = run.key
        canonical = run.canonical
        seedMatters = outcome.configuration.seedMatters
        totals = CoherenceCounters.fields.map { outcome.result.totals[keyPath: $0.value] }
        operations = outcome.operations
        workloadAccesses = outcome.workloadAccesses
        lines = outcome.statistics.lines
        self.seconds = seconds
    }

    init(key: String, canonical: String, seedMatters: Bool, totals: [UInt64], operations: UInt64,
         workloadAccesses: UInt64, lines: Int, seconds: Double) {
        self.key = key
        self.canonical = canonical
        self.seedMatters = seedMatters
        self.totals = totals
        self.operations = operations
        self.workloadAccesses = workloadAccesses
        self.lines = lines
        self.seconds = seconds
    }

    /// The file's text: this record and the run's report.
    static func render(_ result: PointResult, outcome: CompletedRun) -> String {
        JSONValue.object([
            ("mtlab_sweep_point", .integer(SweepPlan.resultVersion)),
            ("key", .string(result.key)),
            ("canonical", .string(result.canonical)),
            ("seed_matters", .bool(result.seedMatters)),
            ("operations", .unsigned(result.operations)),
            ("workload_accesses", .unsigned(result.workloadAccesses)),
            ("lines", .integer(result.lines)),
            ("seconds", .fixed(result.seconds, decimals: machineDecimals)),
            ("run", JSONReport.value(outcome, top: 0)),
        ]).rendered()
    }

    /// Reads a result file; throws ``SweepError`` naming it when it is not one.
    static func read(path: String) throws -> PointResult {
        func bad(_ why: String) -> SweepError {
            SweepError(place: path, message: "is not a sweep result (\(why)); move it away and rerun the sweep to redo that point")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("cannot be read") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw bad("not JSON") }
        func number(_ o: [String: Any], _ name: String) throws -> NSNumber {
            guard let n = o[name] as? NSNumber else { throw bad("no \(name)") }
            return n
        }
        guard (object["mtlab_sweep_point"] as? NSNumber)?.intValue == SweepPlan.resultVersion else {
            throw bad("written by another version of mtlab")
        }
        guard let key = object["key"] as? String, let canonical = object["canonical"] as? String,
              let run = object["run"] as? [String: Any], let totals = run["totals"] as? [String: Any] else {
            throw bad("fields missing")
        }
        return PointResult(
            key: key, canonical: canonical,
            seedMatters: try number(object, "seed_matters").boolValue,
            totals: try CoherenceCounters.fields.map { try number(totals, $0.name).uint64Value },
            operations: try number(object, "operations").uint64Value,
            workloadAccesses: try number(object, "workload_accesses").uint64Value,
            lines: try number(object, "lines").intValue,
            seconds: try number(object, "seconds").doubleValue)
    }
}
