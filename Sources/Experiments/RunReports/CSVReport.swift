import Coherence
import Reports
import MTrace

/// The tidy CSV report of a run: one file per kind of record, every touched line included.
///
/// CPU sets are written as `0;2;5` (empty when no CPU), so that no field needs quoting.
public enum CSVReport {
    /// The files `render` produces, the only names `--csv` accepts in an existing folder.
    /// `guest.csv` is written for emulated workloads only, `levels.csv` for hierarchies and
    /// `timing.csv` for hierarchies with latencies.
    public static let fileNames = ["cpus.csv", "lines.csv", "line_offsets.csv", "statistics.csv", "guest.csv",
                                   "levels.csv", "timing.csv"]

    /// Each file's name and contents, in ``fileNames`` order.
    public static func render(_ outcome: CompletedRun) -> [(name: String, contents: String)] {
        let result = outcome.result
        let byAddress = result.linesByAddress()
        var files = [
            ("cpus.csv", cpus(result)),
            ("lines.csv", lines(result, byAddress, cycles: outcome.lineCycles)),
            ("line_offsets.csv", offsets(result, byAddress)),
            ("statistics.csv", statistics(outcome.statistics)),
        ]
        if let g = outcome.guest { files.append(("guest.csv", guest(g))) }
        if let h = outcome.hierarchy {
            files.append(("levels.csv", levels(h)))
            if let t = h.timing { files.append(("timing.csv", timing(t))) }
        }
        return files
    }

    /// Long form, one row per quantity; `instructions` has one row per hart.
    static func guest(_ g: GuestSummary) -> String {
        var rows: [[String]] = [
            ["ended", "", g.ending.rawValue],
            ["exit_code", "", g.exitCode.map(String.init) ?? ""],
            ["partial", "", g.isPartial ? "true" : "false"],
        ]
        rows += g.instructions.enumerated().map { ["instructions", String($0), String($1)] }
        rows += [
            ["recorded_accesses", "", String(g.recordedAccesses)],
            ["uses_annotations", "", g.usesAnnotations ? "true" : "false"],
            ["annotations", "", String(g.annotations)],
            ["operations", "", String(g.operations)],
        ]
        return csv(["quantity", "hart", "value"], rows)
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.joined(separator: ",") + "\n" }.joined()
    }

    static func cpuList(_ set: CPUSet) -> String { set.members.map(String.init).joined(separator: ";") }

    static func cpus(_ result: SimulationResult) -> String {
        let fields = CoherenceCounters.fields
        func row(_ label: String, _ c: CoherenceCounters) -> [String] {
            [label] + fields.map { String(c[keyPath: $0.value]) }
        }
        return csv(["cpu"] + fields.map(\.name),
                   result.cpus.enumerated().map { row(String($0), $1) } + [row("total", result.totals)])
    }

    /// Every line; `stall_cycles` follows `movement` when the run has timing (`cycles`).
    static func lines(_ result: SimulationResult, _ order: [Int], cycles: [UInt64]? = nil) -> String {
        let fields = LineSummary.counterFields
        return csv(["address", "readers", "writers"] + fields.map(\.name) + ["movement"]
                       + (cycles == nil ? [] : ["stall_cycles"]) + ["sharing", "falsely_shared"],
                   order.map { index in
                       let l = result.lines[index]
                       let stall = cycles.map { [String(index < $0.count ? $0[index] : 0)] } ?? []
                       return [hex(l.address), cpuList(l.readers), cpuList(l.writers)]
                           + fields.map { String(l[keyPath: $0.value]) }
                           + [String(l.movement)] + stall + [l.sharing.rawValue, l.isFalselyShared ? "true" : "false"]
                   })
    }

    static func offsets(_ result: SimulationResult, _ order: [Int]) -> String {
        var rows: [[String]] = []
        for index in order {
            let address = hex(result.lines[index].address)
            for use in result.offsets(ofLine: index) {
                rows.append([address, String(use.offset), cpuList(use.readers), cpuList(use.writers)])
            }
        }
        return csv(["line", "offset", "readers", "writers"], rows)
    }

    /// Long form: one row per statistic; histogram rows fill `lower`/`upper` (the bucket
    /// holds lower ≤ value < upper), other rows leave them empty.
    static func statistics(_ s: RunStatistics) -> String {
        var rows: [[String]] = [["lines", "count", "", "", String(s.lines)]]
        for (name, d) in s.distributions {
            func add(_ statistic: String, _ value: String) { rows.append([name, statistic, "", "", value]) }
            add("count", String(d.count))
            add("total", String(d.total))
            add("mean", fixedPoint(d.mean, machineDecimals))
            add("variance", fixedPoint(d.variance, machineDecimals))
            add("p50", fixedPoint(d.p50, machineDecimals))
            add("p90", fixedPoint(d.p90, machineDecimals))
            add("p99", fixedPoint(d.p99, machineDecimals))
            add("max", String(d.maximum))
            add("top_1pct_lines", String(d.topPercentCount))
            add("top_1pct_share", fixedPoint(d.topPercentShare, machineDecimals))
            for bin in d.histogram {
                rows.append([name, "histogram", String(bin.lower), String(bin.upper), String(bin.count)])
            }
        }
        return csv(["quantity", "statistic", "lower", "upper", "value"], rows)
    }
}
