import Coherence
import Reports
import Statistics

/// A histogram bucket as the values it holds: "0", "2-3", "1024-2047".
func binLabel(_ bin: HistogramBin) -> String {
    bin.upper - bin.lower <= 1 ? String(bin.lower) : "\(bin.lower)-\(bin.upper - 1)"
}

/// Per CPU, the byte offsets it wrote (W) and those it only read (R), as ranges:
/// `cpu0 W 0-7  cpu1 W 8-15  cpu2 R 0-3`. Shows at a glance whether CPUs share bytes
/// (true sharing) or only the line (false sharing).
func offsetSummary(_ uses: [ByteOffsetUse]) -> String {
    let cpus = uses.reduce(CPUSet()) { $0.union($1.readers).union($1.writers) }
    return cpus.members.map { cpu -> String in
        let written = uses.filter { $0.writers.contains(cpu) }.map(\.offset)
        let onlyRead = uses.filter { $0.readers.contains(cpu) && !$0.writers.contains(cpu) }.map(\.offset)
        var part = "cpu\(cpu)"
        if !written.isEmpty { part += " W " + ranges(written) }
        if !onlyRead.isEmpty { part += " R " + ranges(onlyRead) }
        return part
    }.joined(separator: "  ")
}
