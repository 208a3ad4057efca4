// A slow, deliberately plain reference model of the one-level per-CPU cache and the
// coherence semantics of docs/semantics.md, sections 1 and 3–6.
//
// It is written from the spec alone (plus the semantics decisions recorded below) so
// that the fast engine can be checked against it on random traces. Everything is a
// dictionary, an array of structs or a linear scan; nothing is clever.
//
// Decisions taken where the spec is silent (also listed in the test report):
//  * Only .load, .store, .atomic are line accesses; .fetch is ignored entirely.
//  * .copyBack / .invalidate act on the issuing CPU's cache, over the lines the byte
//    range covers, or the whole cache when size == 0. They are not accesses: they
//    touch no counter except `writebacks` (one per dirty line written back or
//    dropped), do not mark lines as touched, and do not change replacement state
//    (LRU/MRU recency, FIFO fill order, PLRU bits, RRPVs, LFU counts).
//  * Copy-back: MSI M→S; MESI M→E; MOESI M→E, O→S; protocol none: dirty→clean.
//  * Invalidate: the way becomes free; a later miss there is a replacement miss.
//  * A data access of size 0 covers no byte and so makes no line access.
//  * A byte range that would run past 2^64 − 1 is clipped at 2^64 − 1.
//  * Per-offset lists contain only offsets some CPU touched, in ascending order.
//  * Protocol `none` stores clean lines as E and dirty lines as M.

import CacheModels
import Coherence
import MTrace

/// The stable state of one valid copy. Protocol `none` uses `.exclusive` for a clean
/// line and `.modified` for a dirty one.
enum ReferenceState: String, Sendable, Equatable {
    case modified = "M"
    case owned = "O"
    case exclusive = "E"
    case shared = "S"

    var isDirty: Bool { self == .modified || self == .owned }
}

/// One line record of docs/semantics.md §6, with the per-offset detail.
struct ReferenceLine: Equatable, Sendable {
    var address: UInt64
    var readers: CPUSet
    var writers: CPUSet
    var accesses: UInt64
    var misses: UInt64
    var transfers: UInt64
    var invalidations: UInt64
    var hitm: UInt64
    var trueSharingMisses: UInt64
    var falseSharingMisses: UInt64
    var sharing: SharingClass
    /// Touched offsets only, ascending.
    var offsets: [ByteOffsetUse]

    /// Differences from an engine's summary, as "field: reference vs engine" strings.
    func differences(from s: LineSummary) -> [String] {
        var out: [String] = []
        if address != s.address { out.append("address: \(address) vs \(s.address)") }
        if readers != s.readers { out.append("readers: \(readers) vs \(s.readers)") }
        if writers != s.writers { out.append("writers: \(writers) vs \(s.writers)") }
        if accesses != s.accesses { out.append("accesses: \(accesses) vs \(s.accesses)") }
        if misses != s.misses { out.append("misses: \(misses) vs \(s.misses)") }
        if transfers != s.transfers { out.append("transfers: \(transfers) vs \(s.transfers)") }
        if invalidations != s.invalidations { out.append("invalidations: \(invalidations) vs \(s.invalidations)") }
        if hitm != s.hitm { out.append("hitm: \(hitm) vs \(s.hitm)") }
        if trueSharingMisses != s.trueSharingMisses { out.append("true_sharing_misses: \(trueSharingMisses) vs \(s.trueSharingMisses)") }
        if falseSharingMisses != s.falseSharingMisses { out.append("false_sharing_misses: \(falseSharingMisses) vs \(s.falseSharingMisses)") }
        if sharing != s.sharing { out.append("sharing: \(sharing.rawValue) vs \(s.sharing.rawValue)") }
        return out
    }
}

/// The reference simulator. Feed it accesses in trace order with `apply`.
struct ReferenceModel {
    let configuration: SimulatorConfiguration
    /// Counters per CPU (docs/semantics.md §5).
    private(set) var perCPU: [CoherenceCounters]

    var totals: CoherenceCounters {
        var sum = CoherenceCounters()
        for c in perCPU { sum += c }
        return sum
    }

    // MARK: cache contents

    struct Way {
        var valid = false
        var line: UInt64 = 0
        var state: ReferenceState = .shared
        /// Clock value of the last hit or fill (LRU).
        var lastUse = 0
        /// Clock value of the fill (FIFO).
        var filledAt = 0
        /// Re-reference prediction value, 0...3 (SRRIP, BRRIP).
        var rrpv = 0
        /// Hits since the fill, plus one (LFU).
        var uses = 0
    }

    struct Cache {
        /// sets[s][w]
        var sets: [[Way]]
        /// plru[s][node], nodes 1...ways-1 (index 0 unused).
        var plru: [[Int]]
        /// SplitMix64 state of the random and brrip policies.
        var randomState: UInt64
        /// Advances on every hit and fill.
        var clock = 0
    }

    private var caches: [Cache]

    // MARK: history

    struct CPULine: Hashable {
        var cpu: Int
        var line: UInt64
    }

    enum Removal {
        case replaced          // evicted by this CPU's own fill
        case peerInvalidated   // invalidated by another CPU's store/atomic
        case selfInvalidated   // dropped by an .invalidate record
    }

    /// (cpu, line) pairs this CPU has accessed at least once.
    private var everAccessed: Set<CPULine> = []
    /// How the last copy of the line in this CPU's cache left it.
    private var lastRemoval: [CPULine: Removal] = [:]
    /// From a peer's invalidation of this CPU's copy until this CPU refills the line:
    /// the byte offsets of the line written by other CPUs.
    private var writtenSinceInvalidation: [CPULine: Set<Int>] = [:]

    // MARK: per-line records

    struct LineRecord {
        var readers = CPUSet()
        var writers = CPUSet()
        var accesses: UInt64 = 0
        var misses: UInt64 = 0
        var transfers: UInt64 = 0
        var invalidations: UInt64 = 0
        var hitm: UInt64 = 0
        var trueSharingMisses: UInt64 = 0
        var falseSharingMisses: UInt64 = 0
        var offsetReaders: [Int: CPUSet] = [:]
        var offsetWriters: [Int: CPUSet] = [:]
    }

    private var records: [UInt64: LineRecord] = [:]

    // MARK: init

    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(configuration: SimulatorConfiguration) {
        precondition(configuration.cpus >= 1 && configuration.cpus <= 64, "cpus must be 1...64")
        let g = configuration.geometry
        if configuration.replacement == .plru {
            precondition(g.ways & (g.ways - 1) == 0, "plru needs a power-of-two number of ways")
        }
        self.configuration = configuration
        perCPU = Array(repeating: CoherenceCounters(), count: configuration.cpus)
        caches = []
        for c in 0..<configuration.cpus {
            caches.append(Cache(
                sets: Array(repeating: Array(repeating: Way(), count: g.ways), count: g.sets),
                plru: Array(repeating: Array(repeating: 0, count: max(g.ways, 1)), count: g.sets),
                randomState: configuration.seed &+ UInt64(c) &* Self.golden))
        }
    }

    /// Runs a whole trace.
    static func run(_ configuration: SimulatorConfiguration, _ trace: [Access]) -> ReferenceModel {
        var m = ReferenceModel(configuration: configuration)
        for a in trace { m.apply(a) }
        return m
    }

    var lineSize: Int { configuration.geometry.lineSize }
    var protocolKind: CoherenceProtocol { configuration.coherence }

    // MARK: trace records

    mutating func apply(_ access: Access) {
        let cpu = Int(access.cpu)
        precondition(cpu < configuration.cpus, "cpu \(cpu) out of range")
        switch access.kind {
        case .fetch:
            return
        case .copyBack, .invalidate:
            maintenance(cpu: cpu, kind: access.kind, address: access.address, size: Int(access.size))
        case .load, .store, .atomic:
            for piece in Self.linePieces(address: access.address, size: Int(access.size), lineSize: lineSize) {
                lineAccess(cpu: cpu, kind: access.kind, line: piece.line, offsets: piece.offsets)
            }
        }
    }

    /// The line accesses an access makes (docs/semantics.md §1): every line that a byte of
    /// [address, address+size) falls in, ascending, with the offsets covered.
    static func linePieces(address: UInt64, size: Int, lineSize: Int) -> [(line: UInt64, offsets: ClosedRange<Int>)] {
        if size <= 0 { return [] }
        let ls = UInt64(lineSize)
        let (sum, overflow) = address.addingReportingOverflow(UInt64(size - 1))
        let lastByte = overflow ? UInt64.max : sum
        var out: [(line: UInt64, offsets: ClosedRange<Int>)] = []
        var line = address / ls
        let lastLine = lastByte / ls
        while true {
            let lineStart = line * ls
            let lineEnd = lineStart + (ls - 1)
            let lo = max(address, lineStart) - lineStart
            let hi = min(lastByte, lineEnd) - lineStart
            out.append((line, Int(lo)...Int(hi)))
            if line == lastLine { break }
            line += 1
        }
        return out
    }

    // MARK: one line access

    private mutating func lineAccess(cpu c: Int, kind: AccessKind, line L: UInt64, offsets: ClosedRange<Int>) {
        let isWrite = kind == .store || kind == .atomic
        let key = CPULine(cpu: c, line: L)
        let coherent = protocolKind != .none

        perCPU[c].accesses += 1
        if isWrite { perCPU[c].writes += 1 } else { perCPU[c].reads += 1 }
        if kind == .atomic { perCPU[c].atomics += 1 }

        var rec = records[L] ?? LineRecord()
        rec.accesses += 1
        for o in offsets {
            if isWrite {
                rec.writers.insert(c)
                var w = rec.offsetWriters[o] ?? CPUSet()
                w.insert(c)
                rec.offsetWriters[o] = w
            } else {
                rec.readers.insert(c)
                var r = rec.offsetReaders[o] ?? CPUSet()
                r.insert(c)
                rec.offsetReaders[o] = r
            }
        }

        let s = setIndex(L)
        if let w = findWay(cpu: c, line: L) {
            // ---- hit ----
            perCPU[c].hits += 1
            if isWrite {
                let state = caches[c].sets[s][w].state
                if !coherent {
                    caches[c].sets[s][w].state = .modified
                } else {
                    switch state {
                    case .modified:
                        break
                    case .exclusive:
                        caches[c].sets[s][w].state = .modified
                    case .shared, .owned:
                        perCPU[c].upgrades += 1
                        let n = invalidatePeers(of: c, line: L)
                        perCPU[c].invalidations += UInt64(n)
                        rec.invalidations += UInt64(n)
                        caches[c].sets[s][w].state = .modified
                    }
                }
            }
            touch(cpu: c, set: s, way: w)
        } else {
            // ---- miss ----
            perCPU[c].misses += 1
            rec.misses += 1
            if !everAccessed.contains(key) {
                perCPU[c].coldMisses += 1
            } else if lastRemoval[key] == .peerInvalidated {
                perCPU[c].coherenceMisses += 1
                let written = writtenSinceInvalidation[key] ?? []
                var intersects = false
                for o in offsets where written.contains(o) { intersects = true }
                if intersects {
                    perCPU[c].trueSharingMisses += 1
                    rec.trueSharingMisses += 1
                } else {
                    perCPU[c].falseSharingMisses += 1
                    rec.falseSharingMisses += 1
                }
            }
            // (otherwise a replacement miss: misses − cold − coherence)

            var newState: ReferenceState = isWrite ? .modified : .exclusive
            if coherent {
                var peers: [(cpu: Int, way: Int)] = []
                for p in 0..<configuration.cpus where p != c {
                    if let pw = findWay(cpu: p, line: L) { peers.append((p, pw)) }
                }
                if !peers.isEmpty {
                    perCPU[c].transfers += 1
                    rec.transfers += 1
                }
                var peerDirty = false
                for (p, pw) in peers where caches[p].sets[s][pw].state.isDirty { peerDirty = true }
                if peerDirty {
                    perCPU[c].hitm += 1
                    rec.hitm += 1
                }
                if isWrite {
                    let n = invalidatePeers(of: c, line: L)
                    perCPU[c].invalidations += UInt64(n)
                    rec.invalidations += UInt64(n)
                    newState = .modified
                } else {
                    for (p, pw) in peers {
                        switch caches[p].sets[s][pw].state {
                        case .modified:
                            if protocolKind == .moesi {
                                caches[p].sets[s][pw].state = .owned
                            } else {
                                caches[p].sets[s][pw].state = .shared
                                perCPU[p].writebacks += 1
                            }
                        case .exclusive:
                            caches[p].sets[s][pw].state = .shared
                        case .owned, .shared:
                            break
                        }
                    }
                    if peers.isEmpty {
                        newState = protocolKind == .msi ? .shared : .exclusive
                    } else {
                        newState = .shared
                    }
                }
            }
            writtenSinceInvalidation[key] = nil
            fill(cpu: c, line: L, state: newState)
        }

        everAccessed.insert(key)

        // Every other CPU whose copy a peer invalidated (including just now) accumulates
        // the bytes written here.
        if isWrite {
            for d in 0..<configuration.cpus where d != c {
                let dk = CPULine(cpu: d, line: L)
                if var set = writtenSinceInvalidation[dk] {
                    for o in offsets { set.insert(o) }
                    writtenSinceInvalidation[dk] = set
                }
            }
        }

        records[L] = rec
        checkInvariant(line: L)
    }

    /// Drops every peer copy of L; returns how many there were.
    private mutating func invalidatePeers(of c: Int, line L: UInt64) -> Int {
        var n = 0
        let s = setIndex(L)
        for p in 0..<configuration.cpus where p != c {
            if let pw = findWay(cpu: p, line: L) {
                caches[p].sets[s][pw].valid = false
                let pk = CPULine(cpu: p, line: L)
                lastRemoval[pk] = .peerInvalidated
                writtenSinceInvalidation[pk] = []
                n += 1
            }
        }
        return n
    }

    // MARK: cache array and replacement

    func setIndex(_ L: UInt64) -> Int { Int(L % UInt64(configuration.geometry.sets)) }

    private func findWay(cpu c: Int, line L: UInt64) -> Int? {
        let set = caches[c].sets[setIndex(L)]
        var found: Int? = nil
        for w in 0..<set.count where set[w].valid && set[w].line == L {
            precondition(found == nil, "line present twice in one set")
            found = w
        }
        return found
    }

    private mutating func fill(cpu c: Int, line L: UInt64, state: ReferenceState) {
        let s = setIndex(L)
        let ways = configuration.geometry.ways
        var victim: Int? = nil
        for w in 0..<ways where !caches[c].sets[s][w].valid {
            if victim == nil { victim = w }
        }
        if victim == nil {
            let v = policyVictim(cpu: c, set: s)
            let old = caches[c].sets[s][v]
            perCPU[c].evictions += 1
            if old.state.isDirty { perCPU[c].writebacks += 1 }
            lastRemoval[CPULine(cpu: c, line: old.line)] = .replaced
            victim = v
        }
        let w = victim!
        caches[c].clock += 1
        var rrpv = 2  // SRRIP inserts at 2^M − 2 with M = 2
        if configuration.replacement == .brrip {
            // BRRIP: one draw per fill, whether or not the set was full; 1 in 32 inserts at 2.
            rrpv = Self.splitMix64(&caches[c].randomState) % 32 == 0 ? 2 : 3
        }
        caches[c].sets[s][w] = Way(valid: true, line: L, state: state,
                                   lastUse: caches[c].clock, filledAt: caches[c].clock, rrpv: rrpv, uses: 1)
        plruTouch(cpu: c, set: s, way: w)
    }

    /// A hit: LRU/MRU recency, PLRU bits, RRPV 0 (hit priority), one more LFU use.
    private mutating func touch(cpu c: Int, set s: Int, way w: Int) {
        caches[c].clock += 1
        caches[c].sets[s][w].lastUse = caches[c].clock
        caches[c].sets[s][w].rrpv = 0
        caches[c].sets[s][w].uses += 1
        plruTouch(cpu: c, set: s, way: w)
    }

    /// Called only when every way of the set is valid.
    private mutating func policyVictim(cpu c: Int, set s: Int) -> Int {
        let ways = configuration.geometry.ways
        let set = caches[c].sets[s]
        switch configuration.replacement {
        case .lru:
            var best = 0
            for w in 0..<ways where set[w].lastUse < set[best].lastUse { best = w }
            return best
        case .fifo:
            var best = 0
            for w in 0..<ways where set[w].filledAt < set[best].filledAt { best = w }
            return best
        case .random:
            let r = Self.splitMix64(&caches[c].randomState)
            return Int(r % UInt64(ways))
        case .mru:
            var best = 0
            for w in 0..<ways where set[w].lastUse > set[best].lastUse { best = w }
            return best
        case .lfu:
            var best = 0
            for w in 0..<ways where set[w].uses < set[best].uses { best = w }
            return best
        case .srrip, .brrip:
            // Jaleel et al.: the first way predicted "distant" (3); if none, age every way.
            while true {
                for w in 0..<ways where caches[c].sets[s][w].rrpv == 3 { return w }
                for w in 0..<ways { caches[c].sets[s][w].rrpv += 1 }
            }
        case .plru:
            if ways == 1 { return 0 }
            var node = 1
            var lo = 0
            var hi = ways   // the node covers ways lo..<hi
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if caches[c].plru[s][node] == 0 {
                    hi = mid
                    node = 2 * node
                } else {
                    lo = mid
                    node = 2 * node + 1
                }
            }
            return lo
        default:
            preconditionFailure("the reference model has no \(configuration.replacement) replacement")
        }
    }

    /// Points every node on w's path away from w (1 = "go right", 0 = "go left").
    private mutating func plruTouch(cpu c: Int, set s: Int, way w: Int) {
        guard configuration.replacement == .plru else { return }
        let ways = configuration.geometry.ways
        var node = 1
        var lo = 0
        var hi = ways
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if w < mid {
                caches[c].plru[s][node] = 1
                hi = mid
                node = 2 * node
            } else {
                caches[c].plru[s][node] = 0
                lo = mid
                node = 2 * node + 1
            }
        }
    }

    /// SplitMix64 (spec synthetic-trace.md).
    static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: copy-back and invalidate records

    private mutating func maintenance(cpu c: Int, kind: AccessKind, address: UInt64, size: Int) {
        var targets: [UInt64] = []   // lines to act on
        if size == 0 {
            for set in caches[c].sets {
                for way in set where way.valid { targets.append(way.line) }
            }
        } else {
            for piece in Self.linePieces(address: address, size: size, lineSize: lineSize) {
                targets.append(piece.line)
            }
        }
        for L in targets {
            guard let w = findWay(cpu: c, line: L) else { continue }
            let s = setIndex(L)
            let state = caches[c].sets[s][w].state
            if kind == .copyBack {
                guard state.isDirty else { continue }
                perCPU[c].writebacks += 1
                switch (protocolKind, state) {
                case (.msi, .modified): caches[c].sets[s][w].state = .shared
                case (.mesi, .modified), (.moesi, .modified), (.none, .modified):
                    caches[c].sets[s][w].state = .exclusive
                case (_, .owned): caches[c].sets[s][w].state = .shared
                default: preconditionFailure("unreachable: \(protocolKind) \(state)")
                }
            } else {
                if state.isDirty { perCPU[c].writebacks += 1 }
                caches[c].sets[s][w].valid = false
                lastRemoval[CPULine(cpu: c, line: L)] = .selfInvalidated
            }
        }
        for L in targets { checkInvariant(line: L) }
    }

    // MARK: invariants (single writer / multiple readers)

    private func checkInvariant(line L: UInt64) {
        guard protocolKind != .none else { return }
        var exclusiveHolders = 0
        var owners = 0
        var holders = 0
        for p in 0..<configuration.cpus {
            guard let w = findWay(cpu: p, line: L) else { continue }
            holders += 1
            let st = caches[p].sets[setIndex(L)][w].state
            if st == .modified || st == .exclusive { exclusiveHolders += 1 }
            if st == .owned { owners += 1 }
            if protocolKind != .moesi { precondition(st != .owned, "O state outside MOESI") }
            if protocolKind == .msi { precondition(st != .exclusive, "E state in MSI") }
        }
        precondition(exclusiveHolders == 0 || holders == 1, "M/E copy of line \(L) is not alone")
        precondition(owners <= 1, "two owners of line \(L)")
    }

    // MARK: queries

    /// The state of `address`'s line in `cpu`'s cache, or nil when not present.
    func state(cpu: Int, address: UInt64) -> ReferenceState? {
        let L = address / UInt64(lineSize)
        guard let w = findWay(cpu: cpu, line: L) else { return nil }
        return caches[cpu].sets[setIndex(L)][w].state
    }

    /// Every line any CPU accessed, ascending by address.
    func lines() -> [ReferenceLine] {
        var out: [ReferenceLine] = []
        for L in records.keys.sorted() {
            let r = records[L]!
            var touched = Set(r.offsetReaders.keys)
            touched.formUnion(r.offsetWriters.keys)
            var offs: [ByteOffsetUse] = []
            for o in touched.sorted() {
                offs.append(ByteOffsetUse(offset: o, readers: r.offsetReaders[o] ?? CPUSet(),
                                          writers: r.offsetWriters[o] ?? CPUSet()))
            }
            out.append(ReferenceLine(
                address: L * UInt64(lineSize), readers: r.readers, writers: r.writers,
                accesses: r.accesses, misses: r.misses, transfers: r.transfers,
                invalidations: r.invalidations, hitm: r.hitm,
                trueSharingMisses: r.trueSharingMisses, falseSharingMisses: r.falseSharingMisses,
                sharing: Self.classify(readers: r.readers, writers: r.writers, offsets: offs),
                offsets: offs))
        }
        return out
    }

    /// Spec §6 sharing class.
    static func classify(readers: CPUSet, writers: CPUSet, offsets: [ByteOffsetUse]) -> SharingClass {
        let cpus = readers.union(writers)
        if cpus.count <= 1 { return .private }
        if writers.isEmpty { return .readShared }
        // Is some byte touched by two different CPUs, at least one of them writing?
        for o in offsets {
            let touchers = o.readers.union(o.writers).members
            for a in touchers {
                for b in touchers where a != b {
                    if o.writers.contains(a) || o.writers.contains(b) { return .trulyShared }
                }
            }
        }
        return .falselyShared
    }
}

// MARK: - random traces for property tests

/// A seeded random multi-CPU trace: a small working set of lines (so that evictions,
/// sharing and coherence misses are frequent), mixed sizes including line-crossing
/// ones, and every access kind.
struct ReferenceTraceGenerator {
    var state: UInt64
    let cpus: Int
    let lineSize: Int
    /// Number of distinct lines addresses fall in (plus the line after, for crossings).
    let lines: Int
    /// First byte of the working set (a multiple of the line size).
    let base: UInt64
    /// Distance in lines between consecutive working-set lines (1: contiguous; a multiple of
    /// the set count: every line in one set).
    let lineStride: Int

    init(seed: UInt64, cpus: Int, lineSize: Int, lines: Int, base: UInt64 = 0x10_0000, lineStride: Int = 1) {
        state = seed
        self.cpus = cpus
        self.lineSize = lineSize
        self.lines = max(lines, 1)
        self.base = base / UInt64(lineSize) * UInt64(lineSize)
        self.lineStride = max(lineStride, 1)
    }

    mutating func next() -> UInt64 { ReferenceModel.splitMix64(&state) }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func access() -> Access {
        let cpu = below(cpus)
        let k = below(100)
        let kind: AccessKind
        switch k {
        case ..<46: kind = .load
        case ..<78: kind = .store
        case ..<88: kind = .atomic
        case ..<92: kind = .fetch
        case ..<96: kind = .copyBack
        default: kind = .invalidate
        }
        // Offsets cluster on a few hot bytes so true sharing happens, but any byte can appear.
        let offset: Int
        switch below(4) {
        case 0: offset = 0
        case 1: offset = lineSize / 2
        default: offset = below(lineSize)
        }
        let lineIndex = below(lines) * lineStride
        if lineIndex / lineStride % 3 == 1 && kind.isDataAccess {
            // A partitioned line: each CPU keeps to its own slot, so the line tends to end up
            // falsely shared (unless a long access from the line before runs into it).
            let slot = max(lineSize / cpus, 1)
            let start = (cpu * slot) % lineSize
            let size = min(1 + below(min(slot, 8)), lineSize - start)
            return Access(cpu: cpu, kind: kind, address: base + UInt64(lineIndex * lineSize + start), size: size)
        }
        let address = base + UInt64(lineIndex) * UInt64(lineSize) + UInt64(offset)
        var size: Int
        switch below(10) {
        case 0...5: size = [1, 2, 4, 8][below(4)]
        case 6...8: size = 1 + below(min(2 * lineSize + 1, maximumAccessSize))
        default:
            // Mostly a few lines; one in five of these anywhere up to the largest size.
            size = below(5) == 0 ? 1 + below(maximumAccessSize) : 1 + below(min(4 * lineSize, maximumAccessSize))
        }
        if kind == .copyBack || kind == .invalidate, below(2) == 0 { size = 0 }
        return Access(cpu: cpu, kind: kind, address: address, size: size)
    }

    mutating func trace(count: Int) -> [Access] {
        var out: [Access] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(access()) }
        return out
    }
}
