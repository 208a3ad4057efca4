import CacheModels
import Coherence
import Reports
import Statistics
import MTrace

/// The human report of a run: configuration, per-CPU counters, the hottest lines and the
/// statistics, laid out to fit about 120 columns.
public enum TextReport {
    /// The width the counter tables are split to fit.
    static let width = 120

    /// The whole report; `top` is how many of the hottest lines to list.
    public static func render(_ outcome: CompletedRun, top: Int, rank: LineRanking = .movement) -> String {
        var parts = [configuration(outcome)]
        if let guest = outcome.guest { parts.append(self.guest(guest, outcome.result.totals)) }
        parts.append(counters(outcome))
        if let h = outcome.hierarchy {
            parts.append(levels(h))
            if let t = h.timing { parts.append(timing(t)) }
        }
        parts += [hottestLines(outcome, top: top, rank: rank), statistics(outcome.statistics)]
        return parts.joined(separator: "\n")
    }

    static func configuration(_ outcome: CompletedRun) -> String {
        let c = outcome.configuration
        var t = TextTable([.init(header: "config", rightAligned: false), .init(header: c.file, rightAligned: false)])
        t.rows.append(["cpus", String(c.cpus)])
        t.rows.append(["cache", c.geometry.description])
        t.rows.append(["replacement", c.replacement.rawValue + (c.replacement.drawsRandomNumbers ? " (seed \(c.seed))" : "")])
        t.rows += levelRows(c)
        t.rows.append(["protocol", c.coherence.rawValue])
        switch c.workload {
        case .trace: t.rows.append(["trace", c.workloadDescription])
        case .generator: t.rows.append(["workload", c.workloadDescription])
        case let .emulated(e):
            switch e.program {
            case let .elf(_, resolvedPath):
                t.rows.append(["program", resolvedPath])
            case let .guest(_, resolvedPath, cflags):
                t.rows.append(["guest", resolvedPath + (cflags.isEmpty ? "" : " (\(cflags))")])
            }
            let jitter = e.jitter > 0 ? " ± \(e.jitter) (seed \(c.seed))" : ""
            t.rows.append(["machine", "RV64IMAC, \(c.cpus) hart\(c.cpus == 1 ? "" : "s"), \(byteSize(e.ramSize)) RAM, quantum \(e.quantum)\(jitter)"])
        }
        t.rows.append(["accesses", "\(outcome.workloadAccesses) from the workload, \(outcome.result.totals.accesses) line accesses"])
        return t.render(indent: "")
    }

    /// How the guest ran, and movement per operation when it counted its operations. A
    /// guest that did not exit successfully is announced first: its counters are partial.
    static func guest(_ g: GuestSummary, _ totals: CoherenceCounters) -> String {
        var out = ""
        if g.isPartial {
            out += "PARTIAL: the guest did not finish successfully; the counters below cover only what it recorded before it stopped.\n"
        }
        var t = TextTable([.init(header: "guest", rightAligned: false), .init(header: g.ending.rawValue, rightAligned: false)])
        t.rows.append(["ended", g.message])
        if let elf = g.elf { t.rows.append(["elf", elf]) }
        let perHart = g.instructions.enumerated().map { "hart \($0) \($1)" }.joined(separator: ", ")
        t.rows.append(["instructions", "\(g.totalInstructions) (\(perHart))"])
        var recorded = "\(g.recordedAccesses) accesses"
        if g.usesAnnotations {
            recorded += " while enabled by the guest's annotations"
            if let name = g.traceName { recorded += " (trace \(quoted(name)))" }
        } else {
            recorded += " (no annotations: the whole run)"
        }
        t.rows.append(["recorded", recorded])
        if g.annotations > 0 { t.rows.append(["annotations", String(g.annotations)]) }
        if g.operations > 0 {
            let ops = Double(g.operations)
            t.rows.append(["operations", "\(g.operations): per operation \(fixedPoint(Double(totals.transfers + totals.invalidations) / ops, 3)) movement, \(fixedPoint(Double(totals.misses) / ops, 3)) misses, \(fixedPoint(Double(totals.accesses) / ops, 3)) line accesses"])
        }
        return out + t.render(indent: "")
    }

    static func counters(_ outcome: CompletedRun) -> String {
        let fields = CoherenceCounters.fields
        var table = TextTable([.init(header: "cpu", rightAligned: false)]
            + fields.map { .init(header: $0.name, rightAligned: true) })
        for (cpu, counters) in outcome.result.cpus.enumerated() {
            table.rows.append([String(cpu)] + fields.map { String(counters[keyPath: $0.value]) })
        }
        table.rows.append(["total"] + fields.map { String(outcome.result.totals[keyPath: $0.value]) })
        return "Counters per CPU (in line accesses)\n"
            + table.split(keep: 1, width: width).map { $0.render() }.joined(separator: "\n")
    }

    static func hottestLines(_ outcome: CompletedRun, top: Int, rank: LineRanking = .movement) -> String {
        let result = outcome.result
        let hottest = outcome.hottestLines(top, rank: rank)
        let cycles = outcome.lineCycles
        var table = TextTable([
            .init(header: "address", rightAligned: false), .init(header: "cpus", rightAligned: false),
            .init(header: "sharing", rightAligned: false), .init(header: "movement", rightAligned: true)]
            + (cycles == nil ? [] : [.init(header: "stall_cycles", rightAligned: true)]) + [
            .init(header: "accesses", rightAligned: true), .init(header: "misses", rightAligned: true),
            .init(header: "true_sharing", rightAligned: true), .init(header: "false_sharing", rightAligned: true),
            .init(header: "offsets (W wrote, R only read)", rightAligned: false),
        ])
        for index in hottest {
            let line = result.lines[index]
            let stall = cycles.map { [String(index < $0.count ? $0[index] : 0)] } ?? []
            table.rows.append([
                hex(line.address), line.cpus.description, line.sharing.rawValue, String(line.movement)] + stall + [
                String(line.accesses), String(line.misses), String(line.trueSharingMisses),
                String(line.falseSharingMisses), offsetSummary(result.offsets(ofLine: index)),
            ])
        }
        let by = rank == .cycles && cycles != nil ? "stall cycles" : "movement (transfers + invalidations)"
        let title = "Top \(hottest.count) of \(result.lines.count) lines by \(by)\n"
        return hottest.isEmpty ? title : title + table.render()
    }

    static func statistics(_ s: RunStatistics) -> String {
        let d = s.distributions
        var summary = TextTable([.init(header: "per line", rightAligned: false)]
            + d.map { .init(header: $0.name, rightAligned: true) })
        func row(_ label: String, _ value: (Distribution) -> String) {
            summary.rows.append([label] + d.map { value($0.distribution) })
        }
        row("total") { String($0.total) }
        row("mean") { fixedPoint($0.mean, 3) }
        row("variance") { fixedPoint($0.variance, 3) }
        row("p50") { fixedPoint($0.p50, 3) }
        row("p90") { fixedPoint($0.p90, 3) }
        row("p99") { fixedPoint($0.p99, 3) }
        row("max") { String($0.maximum) }
        row("top 1% lines") { String($0.topPercentCount) }
        row("top 1% share") { fixedPoint($0.topPercentShare * 100, 3) + "%" }
        var out = "Statistics over \(s.lines) touched line\(s.lines == 1 ? "" : "s") (GSL)\n" + summary.render()
        for (name, distribution) in d {
            var histogram = TextTable([.init(header: name, rightAligned: true), .init(header: "lines", rightAligned: true)])
            // Only the buckets that hold lines: the text report is for reading; JSON and CSV have them all.
            histogram.rows = distribution.histogram.filter { $0.count > 0 }.map { [binLabel($0), String($0.count)] }
            out += "\nHistogram of \(name) per line (empty buckets left out)\n" + histogram.render()
        }
        return out
    }
}
