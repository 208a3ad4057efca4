import CacheModels
import Coherence
import MTrace
import Reports

/// One-pass LRU miss-ratio curves: every CPU's line accesses go to its own
/// ``StackDistanceProfile``, as they would to its own private cache (protocol `none`), so
/// one pass gives the misses of every associativity for a fixed set count.
public final class MissRatioProfiler: AccessSink {
    public let cpus: Int
    public let sets: Int
    public let lineSize: Int
    private let lineShift: UInt64
    private var profiles: [StackDistanceProfile]

    /// - Parameters: `sets` a power of two (1: fully associative); `lineSize` a power of two.
    ///   `availableMemory`: what the profiles may take, by default the machine's physical memory;
    ///   `keys`: the settings that chose `sets` and `cpus`, for the message.
    /// Throws `StackDistanceMemoryError` when the profiles of `sets` sets for `cpus` CPUs need
    /// more than that, before allocating anything, or when the system refuses their memory.
    public init(cpus: Int, sets: Int, lineSize: Int, availableMemory: Int = CacheMemory.physicalBytes,
                keys: String? = nil) throws(StackDistanceMemoryError) {
        precondition(lineSize >= 1 && lineSize & (lineSize - 1) == 0, "line size must be a power of two")
        self.cpus = cpus
        self.sets = sets
        self.lineSize = lineSize
        lineShift = UInt64(lineSize.trailingZeroBitCount)
        try StackDistanceProfile.checkMemory(sets: sets, profiles: cpus, available: availableMemory, keys: keys)
        var profiles: [StackDistanceProfile] = []
        profiles.reserveCapacity(cpus)
        for _ in 0..<cpus {
            do {
                profiles.append(try StackDistanceProfile(sets: sets))
            } catch var refused {
                // The message gives what all the CPUs' profiles need, as the check does.
                refused.profiles = cpus
                refused.needed = StackDistanceProfile.bytesNeeded(sets: sets, profiles: cpus)
                refused.keys = keys
                throw refused
            }
        }
        self.profiles = profiles
    }

    /// Splits each access into line accesses, in ascending order as the simulator does
    /// (spec §2). Throws `AccessError` for accesses the simulator would reject too, and
    /// ``MissRatioCurveError`` for an invalidate record of part of a cache.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        for access in accesses {
            let cpu = Int(access.cpu)
            guard cpu < cpus else { throw AccessError.cpuOutOfRange(access, cpus: cpus) }
            guard access.kind.isDataAccess else {
                // Copy-backs change no recency; emptying the whole cache forgets every line. Dropping
                // single lines would break the stack property (a line deeper than a cache's
                // ways would move up into it), so it is refused rather than approximated.
                if access.kind == .invalidate {
                    guard access.size == 0 else { throw MissRatioCurveError.partialInvalidate(access) }
                    profiles[cpu].forgetAll()
                }
                continue
            }
            let size = UInt64(access.size)
            guard size >= 1, size <= UInt64(maximumAccessSize) else { throw AccessError.badSize(access) }
            let (end, overflow) = access.address.addingReportingOverflow(size)
            guard !overflow || end == 0 else { throw AccessError.addressOverflow(access) }
            var line = access.address >> lineShift
            let last = (access.address &+ (size &- 1)) >> lineShift
            while true {
                profiles[cpu].access(line: line)
                if line == last { break }
                line &+= 1
            }
        }
    }

    /// The curves of everything consumed so far; see ``MissRatioCurve``.
    public func curve(powersOfTwo: Bool = false) -> MissRatioCurve {
        MissRatioCurve(profiles: profiles, sets: sets, lineSize: lineSize, powersOfTwo: powersOfTwo)
    }
}

/// An access the one-pass profile cannot take exactly.
public enum MissRatioCurveError: Error, CustomStringConvertible, Equatable {
    case partialInvalidate(Access)

    public var description: String {
        switch self {
        case let .partialInvalidate(a):
            return "invalidate record by cpu \(a.cpu) at 0x\(String(a.address, radix: 16)) drops part of the cache; "
                + "LRU stack distances stay exact only when a whole cache is invalidated (size 0), so mtlab mrc refuses it"
        }
    }
}

/// Miss ratio against cache size, per CPU and in total, for a fixed set count.
///
/// Each CPU's rows run over ways 1, 2, 3, … up to the associativity where its misses stop
/// falling (its largest reuse distance), then one row for its working set (the ways that
/// hold every line it used) when that is larger. The `total` rows sum the CPUs' misses at
/// each ways value up to the largest of the CPUs' saturation points.
public struct MissRatioCurve: Sendable {
    public struct Row: Equatable, Sendable {
        /// nil for the total over all CPUs.
        public var cpu: Int?
        public var ways: Int
        public var accesses: UInt64
        public var misses: UInt64
        public var missRatio: Double { accesses == 0 ? 0 : Double(misses) / Double(accesses) }
    }

    public let sets: Int
    public let lineSize: Int
    /// CPUs in order, then the totals.
    public let rows: [Row]

    /// The CSV columns, one row per CPU and cache size.
    public static let columns = ["cpu", "sets", "ways", "lines", "bytes", "accesses", "misses", "miss_ratio"]

    init(profiles: [StackDistanceProfile], sets: Int, lineSize: Int, powersOfTwo: Bool) {
        self.sets = sets
        self.lineSize = lineSize
        func chosen(_ limit: Int, _ workingSet: Int) -> [Int] {
            var ways = powersOfTwo ? Array(sequence(first: 1) { $0 * 2 }.prefix { $0 < limit }) + [limit]
                                   : Array(1...limit)
            if workingSet > limit { ways.append(workingSet) }
            return ways
        }
        var rows: [Row] = []
        var totalLimit = 1
        for (cpu, p) in profiles.enumerated() {
            let limit = p.saturatingWays
            totalLimit = max(totalLimit, limit)
            let curve = p.missCurve(maximumWays: limit)
            for w in chosen(limit, p.workingSetWays) {
                rows.append(Row(cpu: cpu, ways: w, accesses: p.accesses, misses: w <= limit ? curve[w - 1] : p.misses(ways: w)))
            }
        }
        // The totals from the CPUs' histograms summed (misses are linear in them): one curve of
        // totalLimit values, not one per CPU of the longest CPU's length.
        var histogram = [UInt64](repeating: 0, count: totalLimit + 1)
        var tail: UInt64 = 0
        for p in profiles {
            tail &+= p.infiniteDistance
            for (d, n) in p.histogram.enumerated() { histogram[d] &+= n }
        }
        var totals = [UInt64](repeating: 0, count: totalLimit)
        for w in stride(from: totalLimit, through: 1, by: -1) {
            tail &+= histogram[w]  // misses(w) = infinite + Σ_{d ≥ w} histogram[d]
            totals[w - 1] = tail
        }
        let accesses = profiles.reduce(0) { $0 &+ $1.accesses }
        for w in chosen(totalLimit, 0) {
            rows.append(Row(cpu: nil, ways: w, accesses: accesses, misses: totals[w - 1]))
        }
        self.rows = rows
    }

    /// The curve as CSV: `cpu` is a CPU number or `total`; `lines` = sets × ways and
    /// `bytes` = lines × line size give the cache size.
    public func csv() -> String {
        var out = Self.columns.joined(separator: ",") + "\n"
        let lineShift = lineSize.trailingZeroBitCount
        for r in rows {
            // sets × ways × line size can pass 2^64 (2^30 sets, millions of lines in one set):
            // exact in 128 bits, since sets ≤ 2^30 and line_size ≤ 2^12 leave room.
            let lines = UInt64(sets).multipliedFullWidth(by: UInt64(r.ways))
            let bytes = (high: lines.high &<< lineShift | (lineShift == 0 ? 0 : lines.low &>> (64 - lineShift)),
                         low: lines.low &<< lineShift)
            out += [r.cpu.map(String.init) ?? "total", String(sets), String(r.ways), decimal128(lines),
                    decimal128(bytes), String(r.accesses), String(r.misses),
                    fixedPoint(r.missRatio, machineDecimals)].joined(separator: ",") + "\n"
        }
        return out
    }
}

/// A 128-bit unsigned value in decimal.
func decimal128(_ value: (high: UInt64, low: UInt64)) -> String {
    guard value.high != 0 else { return String(value.low) }
    let chunk: UInt64 = 10_000_000_000_000_000_000  // 10^19, the largest power of ten below 2^64
    let (high, remainder) = value.high.quotientAndRemainder(dividingBy: chunk)
    let (low, digits) = chunk.dividingFullWidth((remainder, value.low))
    let tail = String(digits)
    return decimal128((high, low)) + String(repeating: "0", count: 19 - tail.count) + tail
}
