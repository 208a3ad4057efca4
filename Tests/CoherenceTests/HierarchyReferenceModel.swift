// A slow, deliberately plain reference model of the multi-CPU cache hierarchy of
// docs/semantics.md §8 (with §3–§7 for the rules it builds on), written from the
// documentation alone so that HierarchySimulator can be checked against it on random
// traces. Every cache is an array of sets of optional copies; everything else is a
// dictionary or a linear scan.
//
// Readings taken where §8 leaves room (each is a place the engine could read otherwise):
//  * The protocol acts first, at the start of a line access (snoops, peer downgrades with
//    their writebacks, invalidations), then the reference walks down the levels.
//  * A "level below promises inclusion or exclusion" means any level below, not only the
//    next one; with one, the order of what is passed down is victim, fetch, write-through.
//  * A store miss that does not allocate passes the store down as a write (the
//    write-through of the store), which costs nothing (§8 Timing: writes passed down).
//  * A private level's victim stays the agent's until its writeback has gone down: a
//    dirty L1 victim that the L2 takes back never leaves the agent.
//  * A coherence miss at the first level (§5) is an L1 miss after the agent lost the line
//    to a peer's invalidation; any L1 miss ends that state.
//  * A snoop invalidation removes data copies only, never a copy that a private level holds
//    for instruction fetches only, nor an instruction cache's copy.
//  * The fully associative shadow of the 3C split sees every demand reference and, as
//    Dinero IV's does, fills on a miss unless it is a store the level does not allocate
//    (whether or not the cache itself hit). A line that the cache loses to coherence
//    (snoop or back-invalidation) leaves its shadow too, as in the engine. An exclusive
//    level's shadow fills on victim fills only.
//  * A clean victim sent to the exclusive level right below counts in `writes_below`.
//  * An exclusive level: a write that is not a victim fill is counted (hit or miss) and
//    passed down; a read hit moves the line up, its dirtiness going to the cache that
//    fetched it.
//  * Copy-back and invalidate records are not modelled (the tests leave them out).

import CacheModels
import Coherence
import MTrace

struct HierarchyReferenceModel {
    /// Known engine bugs the model can imitate, so that a random-trace comparison still
    /// checks everything else; each has its own test of the documented behaviour.
    struct Quirks: OptionSet, Sendable {
        let rawValue: Int
        /// An inclusive level's victim made dirty only by a back-invalidated dirty copy above
        /// is written below but not counted in the level's `writebacks`.
        static let uncountedBackInvalidationWriteback = Quirks(rawValue: 1 << 0)
        /// Without shared levels, a protocol miss that a peer serves is also read from memory
        /// and costs the memory latency instead of the transfer latency.
        static let transferReadsMemoryWithoutSharedLevel = Quirks(rawValue: 1 << 1)
        /// A store that the first level does not allocate (write-through, no-write-allocate)
        /// and that a peer serves: the private level below fetches the line from the shared
        /// levels anyway.
        static let bypassingStoreFetchesFromSharedLevels = Quirks(rawValue: 1 << 2)
    }

    let configuration: HierarchyConfiguration
    let quirks: Quirks
    var settings: HierarchySettings { configuration.hierarchy }
    var cpus: Int { configuration.cpus }
    var lineSize: Int { settings.data[0].geometry.lineSize }
    var levelCount: Int { settings.data.count }
    var privateLevels: Int { settings.privateLevels }
    var coherent: Bool { configuration.coherence != .none }

    // MARK: caches

    struct Copy {
        var line: UInt64
        var dirty: Bool
        var lastUse: Int
        var filledAt: Int
        /// Filled by an instruction fetch and never referenced by data since: outside the protocol.
        var instructionOnly: Bool
    }

    struct ShadowLine {
        var line: UInt64
        var lastUse: Int
        var filledAt: Int
    }

    struct Cache {
        let settings: LevelSettings
        var sets: [[Copy?]]
        var clock = 0
        var counters = LevelCounters()
        /// Lines this cache was ever referenced for (compulsory misses).
        var referenced: Set<UInt64> = []
        /// Lines removed by a snoop invalidation or a back-invalidation since last referenced.
        var lostToCoherence: Set<UInt64> = []
        /// The fully associative cache of the same capacity (3C).
        var shadow: [ShadowLine] = []
        var shadowClock = 0

        init(_ settings: LevelSettings) {
            self.settings = settings
            sets = Array(repeating: Array(repeating: nil, count: settings.geometry.ways), count: settings.geometry.sets)
        }

        func set(of line: UInt64) -> Int { Int(line % UInt64(settings.geometry.sets)) }

        func way(of line: UInt64) -> Int? {
            let s = set(of: line)
            var found: Int? = nil
            for w in sets[s].indices where sets[s][w]?.line == line {
                precondition(found == nil, "line \(line) twice in one set")
                found = w
            }
            return found
        }

        func holds(_ line: UInt64) -> Bool { way(of: line) != nil }

        /// §3: the lowest invalid way, else the policy's victim (LRU or FIFO).
        func victimWay(set s: Int) -> Int {
            if let free = sets[s].firstIndex(where: { $0 == nil }) { return free }
            var best = 0
            for w in sets[s].indices {
                let a = sets[s][w]!, b = sets[s][best]!
                if settings.replacement == .fifo ? a.filledAt < b.filledAt : a.lastUse < b.lastUse { best = w }
            }
            return best
        }

        mutating func touch(set s: Int, way w: Int) {
            clock += 1
            sets[s][w]!.lastUse = clock
        }

        /// The shadow sees one reference; returns whether it held the line before.
        mutating func shadowReference(_ line: UInt64, allocate: Bool) -> Bool {
            shadowClock += 1
            if let i = shadow.firstIndex(where: { $0.line == line }) {
                shadow[i].lastUse = shadowClock
                return true
            }
            guard allocate else { return false }
            let capacity = settings.geometry.sets * settings.geometry.ways
            if shadow.count == capacity {
                var best = 0
                for i in shadow.indices {
                    if settings.replacement == .fifo ? shadow[i].filledAt < shadow[best].filledAt
                        : shadow[i].lastUse < shadow[best].lastUse { best = i }
                }
                shadow.remove(at: best)
            }
            shadow.append(ShadowLine(line: line, lastUse: shadowClock, filledAt: shadowClock))
            return false
        }
    }

    /// Where a cache sits: a data level (instance = CPU for private levels, 0 for shared)
    /// or a CPU's instruction cache (level −1).
    struct Where: Hashable {
        var level: Int
        var instance: Int
        static func instruction(_ cpu: Int) -> Where { Where(level: -1, instance: cpu) }
    }

    private(set) var data: [[Cache]]
    private(set) var instruction: [Cache]

    func cache(_ w: Where) -> Cache { w.level < 0 ? instruction[w.instance] : data[w.level][w.instance] }

    private mutating func modify(_ w: Where, _ body: (inout Cache) -> Void) {
        if w.level < 0 { body(&instruction[w.instance]) } else { body(&data[w.level][w.instance]) }
    }

    func dataLevel(_ level: Int, cpu: Int) -> Where {
        Where(level: level, instance: settings.data[level].sharing == .private ? cpu : 0)
    }

    /// The cache below `w` for CPU `cpu`, or nil for memory.
    func below(_ w: Where, cpu: Int) -> Where? {
        let next = w.level < 0 ? 1 : w.level + 1
        return next < levelCount ? dataLevel(next, cpu: cpu) : nil
    }

    /// The caches above a data level that an inclusive level covers (§8 Inclusion), or that
    /// an exclusive level must not share a line with.
    func cachesAbove(_ w: Where) -> [Where] {
        var out: [Where] = []
        let cpuRange = settings.data[w.level].sharing == .private ? [w.instance] : Array(0..<cpus)
        for c in cpuRange {
            for l in 0..<min(w.level, privateLevels) { out.append(Where(level: l, instance: c)) }
            if settings.instruction != nil { out.append(.instruction(c)) }
        }
        if settings.data[w.level].sharing == .shared {
            for l in privateLevels..<w.level { out.append(Where(level: l, instance: 0)) }
        }
        return out
    }

    // MARK: coherence agents and first-level bookkeeping

    /// Each agent's protocol state per line it holds (protocol none: E clean, M stored to).
    private var agentState: [[UInt64: ReferenceState]]
    private(set) var perCPU: [CoherenceCounters]
    private(set) var transferMatrix: [UInt64]
    private(set) var memoryReads: UInt64 = 0
    private(set) var memoryWrites: UInt64 = 0
    private(set) var cycles: [UInt64]
    private(set) var lineAccesses: [UInt64]
    private(set) var lineCycles: [UInt64: UInt64] = [:]

    struct CPULine: Hashable {
        var cpu: Int
        var line: UInt64
    }
    private var everAccessed: Set<CPULine> = []
    private var invalidatedByPeer: Set<CPULine> = []
    private var writtenSinceInvalidation: [CPULine: Set<Int>] = [:]
    private var records: [UInt64: ReferenceModel.LineRecord] = [:]

    /// Set for the duration of one data line access whose protocol miss a peer serves.
    private var transferServing = false
    /// Set for the duration of a store miss that the first level does not allocate.
    private var storeBypassesFirstLevel = false

    /// The end-of-run copy-back changes only the level counters.
    private var finishing = false
    /// Victims of private levels between their eviction and the end of their writeback:
    /// still the agent's (the line moves from one private level to another, or out).
    private var inFlight: [CPULine] = []

    init(configuration: HierarchyConfiguration, quirks: Quirks = []) {
        self.configuration = configuration
        self.quirks = quirks
        let h = configuration.hierarchy
        for l in h.data + [h.instruction].compactMap({ $0 }) {
            precondition(l.replacement == .lru || l.replacement == .fifo, "the hierarchy reference model has lru and fifo only")
        }
        data = h.data.map { Array(repeating: Cache($0), count: $0.sharing == .private ? configuration.cpus : 1) }
        instruction = h.instruction.map { Array(repeating: Cache($0), count: configuration.cpus) } ?? []
        agentState = Array(repeating: [:], count: configuration.cpus)
        perCPU = Array(repeating: CoherenceCounters(), count: configuration.cpus)
        transferMatrix = Array(repeating: 0, count: configuration.cpus * configuration.cpus)
        cycles = Array(repeating: 0, count: configuration.cpus)
        lineAccesses = Array(repeating: 0, count: configuration.cpus)
    }

    static func run(_ configuration: HierarchyConfiguration, _ trace: [Access], quirks: Quirks = []) -> HierarchyReferenceModel {
        var m = HierarchyReferenceModel(configuration: configuration, quirks: quirks)
        for a in trace { m.apply(a) }
        m.finish()
        return m
    }

    /// Whether the agent of `cpu` holds `line`: a private data level has a data copy.
    func agentHolds(_ cpu: Int, _ line: UInt64) -> Bool {
        for l in 0..<privateLevels {
            let c = data[l][cpu]
            if let w = c.way(of: line), !c.sets[c.set(of: line)][w]!.instructionOnly { return true }
        }
        return false
    }

    /// Called after a copy left a private level other than by a snoop: the agent evicts the
    /// line when no private level holds it any more (§8).
    private mutating func agentEvictionCheck(_ cpu: Int, _ line: UInt64) {
        guard !finishing, let state = agentState[cpu][line], !agentHolds(cpu, line),
              !inFlight.contains(CPULine(cpu: cpu, line: line)) else { return }
        agentState[cpu][line] = nil
        perCPU[cpu].evictions += 1
        if state.isDirty { perCPU[cpu].writebacks += 1 }
    }

    // MARK: accesses

    mutating func apply(_ access: Access) {
        let cpu = Int(access.cpu)
        switch access.kind {
        case .copyBack, .invalidate:
            preconditionFailure("the hierarchy reference model does not model copy-back or invalidate records")
        case .fetch:
            guard settings.instruction != nil else { return }
            for piece in ReferenceModel.linePieces(address: access.address, size: Int(access.size), lineSize: lineSize) {
                lineAccesses[cpu] += 1
                let cost = reference(.instruction(cpu), kind: .instructionFetch, line: piece.line, whole: true,
                                     cpu: cpu, victim: false)
                cycles[cpu] += cost.cycles
            }
        case .load, .store, .atomic:
            for piece in ReferenceModel.linePieces(address: access.address, size: Int(access.size), lineSize: lineSize) {
                dataLineAccess(cpu: cpu, kind: access.kind, line: piece.line, offsets: piece.offsets)
            }
        }
    }

    enum Kind { case read, write, instructionFetch }

    private mutating func dataLineAccess(cpu c: Int, kind: AccessKind, line L: UInt64, offsets: ClosedRange<Int>) {
        let isWrite = kind == .store || kind == .atomic
        let key = CPULine(cpu: c, line: L)
        perCPU[c].accesses += 1
        if isWrite { perCPU[c].writes += 1 } else { perCPU[c].reads += 1 }
        if kind == .atomic { perCPU[c].atomics += 1 }
        var rec = records[L] ?? ReferenceModel.LineRecord()
        rec.accesses += 1
        for o in offsets {
            if isWrite {
                rec.writers.insert(c)
                var w = rec.offsetWriters[o] ?? CPUSet(); w.insert(c); rec.offsetWriters[o] = w
            } else {
                rec.readers.insert(c)
                var r = rec.offsetReaders[o] ?? CPUSet(); r.insert(c); rec.offsetReaders[o] = r
            }
        }

        // The first level's hit or miss, and its §5 classification.
        let l1Hit = data[0][c].holds(L)
        if l1Hit {
            perCPU[c].hits += 1
        } else {
            perCPU[c].misses += 1
            rec.misses += 1
            if !everAccessed.contains(key) {
                perCPU[c].coldMisses += 1
            } else if invalidatedByPeer.contains(key) {
                perCPU[c].coherenceMisses += 1
                let written = writtenSinceInvalidation[key] ?? []
                if offsets.contains(where: { written.contains($0) }) {
                    perCPU[c].trueSharingMisses += 1
                    rec.trueSharingMisses += 1
                } else {
                    perCPU[c].falseSharingMisses += 1
                    rec.falseSharingMisses += 1
                }
            }
            invalidatedByPeer.remove(key)
            writtenSinceInvalidation[key] = nil
        }
        everAccessed.insert(key)

        // The protocol acts on the agent (§4, §8).
        var newState: ReferenceState
        transferServing = false
        if let state = agentState[c][L], agentHolds(c, L) {
            newState = state
            if isWrite {
                if coherent && (state == .shared || state == .owned) {
                    perCPU[c].upgrades += 1
                    let n = invalidatePeers(of: c, line: L)
                    perCPU[c].invalidations += UInt64(n)
                    rec.invalidations += UInt64(n)
                }
                newState = .modified
            }
        } else if !coherent {
            newState = isWrite ? .modified : .exclusive
        } else {
            let peers = (0..<cpus).filter { $0 != c && agentState[$0][L] != nil }
            if !peers.isEmpty {
                transferServing = true
                perCPU[c].transfers += 1
                rec.transfers += 1
                let dirty = peers.first { agentState[$0][L]!.isDirty }
                if dirty != nil {
                    perCPU[c].hitm += 1
                    rec.hitm += 1
                }
                transferMatrix[(dirty ?? peers[0]) * cpus + c] += 1
            }
            if isWrite {
                let n = invalidatePeers(of: c, line: L)
                perCPU[c].invalidations += UInt64(n)
                rec.invalidations += UInt64(n)
                newState = .modified
            } else {
                for p in peers {
                    switch agentState[p][L]! {
                    case .modified:
                        if configuration.coherence == .moesi {
                            agentState[p][L] = .owned
                        } else {
                            agentState[p][L] = .shared
                            protocolWriteback(peer: p, line: L)
                        }
                    case .exclusive: agentState[p][L] = .shared
                    case .owned, .shared: break
                    }
                }
                newState = peers.isEmpty ? (configuration.coherence == .msi ? .shared : .exclusive) : .shared
            }
        }

        // The reference walks down the levels (Dinero IV's rules).
        let whole = offsets.count == lineSize
        storeBypassesFirstLevel = isWrite && !l1Hit && !settings.data[0].writeAllocate
        let cost = reference(Where(level: 0, instance: c), kind: isWrite ? .write : .read, line: L, whole: whole,
                             cpu: c, victim: false)
        transferServing = false
        cycles[c] += cost.cycles
        lineAccesses[c] += 1
        lineCycles[L, default: 0] += cost.cycles
        agentState[c][L] = agentHolds(c, L) ? newState : nil

        if isWrite {
            for d in 0..<cpus where d != c {
                let dk = CPULine(cpu: d, line: L)
                if var set = writtenSinceInvalidation[dk] {
                    for o in offsets { set.insert(o) }
                    writtenSinceInvalidation[dk] = set
                }
            }
        }
        records[L] = rec
    }

    /// A snoop invalidation of every peer agent holding `L`; returns how many there were.
    private mutating func invalidatePeers(of c: Int, line L: UInt64) -> Int {
        var n = 0
        for p in 0..<cpus where p != c && agentState[p][L] != nil {
            n += 1
            agentState[p][L] = nil
            for l in 0..<privateLevels {
                modify(Where(level: l, instance: p)) { cache in
                    if let w = cache.way(of: L), !cache.sets[cache.set(of: L)][w]!.instructionOnly {
                        cache.sets[cache.set(of: L)][w] = nil
                        cache.lostToCoherence.insert(L)
                        cache.shadow.removeAll { $0.line == L }
                    }
                }
            }
            let pk = CPULine(cpu: p, line: L)
            invalidatedByPeer.insert(pk)
            writtenSinceInvalidation[pk] = []
        }
        return n
    }

    /// A peer's M copy downgraded by a load: written to the first shared level (or memory),
    /// the peer's copies cleaned.
    private mutating func protocolWriteback(peer p: Int, line L: UInt64) {
        perCPU[p].writebacks += 1
        for l in 0..<privateLevels {
            modify(Where(level: l, instance: p)) { cache in
                if let w = cache.way(of: L) { cache.sets[cache.set(of: L)][w]!.dirty = false }
            }
        }
        if privateLevels < levelCount {
            _ = reference(Where(level: privateLevels, instance: 0), kind: .write, line: L, whole: true, cpu: p, victim: false)
        } else {
            memoryWrites += 1
        }
    }

    // MARK: one reference at one cache

    struct Cost {
        var cycles: UInt64 = 0
        /// A dirty line moved up from an exclusive level.
        var carriedDirty = false
    }

    /// Whether some data level below `w` promises inclusion or exclusion.
    func promiseBelow(_ w: Where) -> Bool {
        let first = w.level < 0 ? 1 : w.level + 1
        return first < levelCount && settings.data[first...].contains { $0.inclusion != .nonInclusive }
    }

    /// A reference reaching `w` (or memory when nil). Returns the cost of its path.
    @discardableResult
    private mutating func reference(_ target: Where?, kind: Kind, line L: UInt64, whole: Bool, cpu c: Int,
                                    victim: Bool) -> Cost {
        guard let w = target else {
            if kind == .write { memoryWrites += 1 } else { memoryReads += 1 }
            return Cost(cycles: UInt64(settings.memoryLatency))
        }
        let s = cache(w).settings
        var cost = Cost(cycles: UInt64(s.latency))
        let isShared = w.level >= privateLevels

        if isShared && s.inclusion == .exclusive && kind == .write && victim && !heldAbove(w, L, countingInFlight: false) {
            // A line that leaves the caches above: a victim fill.
            victimFill(w, line: L, dirty: true, cpu: c)
            return cost
        }

        // Count the demand reference.
        modify(w) { cache in
            switch kind {
            case .read: cache.counters.reads += 1
            case .write: cache.counters.writes += 1
            case .instructionFetch: cache.counters.instructionFetches += 1
            }
        }
        let hitWay = cache(w).way(of: L)
        let allocate = !(kind == .write && !s.writeAllocate) && !(isShared && s.inclusion == .exclusive)
        var wasInShadow = false
        // Dinero IV's shadow allocates unless the reference is a store the level does not allocate.
        let shadowAllocates = isShared && s.inclusion == .exclusive ? false : !(kind == .write && !s.writeAllocate)
        modify(w) { cache in wasInShadow = cache.shadowReference(L, allocate: shadowAllocates) }
        if hitWay == nil {
            modify(w) { cache in
                switch kind {
                case .read: cache.counters.readMisses += 1
                case .write: cache.counters.writeMisses += 1
                case .instructionFetch: cache.counters.instructionFetchMisses += 1
                }
                if !cache.referenced.contains(L) {
                    cache.counters.compulsoryMisses += 1
                } else if cache.lostToCoherence.contains(L) {
                    cache.counters.coherenceMisses += 1
                } else if wasInShadow {
                    cache.counters.conflictMisses += 1
                } else {
                    cache.counters.capacityMisses += 1
                }
            }
        }
        modify(w) { cache in
            cache.referenced.insert(L)
            cache.lostToCoherence.remove(L)
        }

        if isShared && s.inclusion == .exclusive {
            if kind == .write {
                // Any other write passes through.
                modify(w) { $0.counters.writesBelow += 1 }
                reference(below(w, cpu: c), kind: .write, line: L, whole: whole, cpu: c, victim: false)
                return cost
            }
            if let hw = hitWay {
                // A read hit moves the line up.
                let set = cache(w).set(of: L)
                cost.carriedDirty = cache(w).sets[set][hw]!.dirty
                modify(w) { $0.sets[set][hw] = nil }
                return cost
            }
            modify(w) { $0.counters.readsBelow += 1 }
            let sub = reference(below(w, cpu: c), kind: kind, line: L, whole: true, cpu: c, victim: false)
            cost.cycles += sub.cycles
            cost.carriedDirty = sub.carriedDirty
            return cost
        }

        if let hw = hitWay {
            let set = cache(w).set(of: L)
            modify(w) { cache in
                cache.touch(set: set, way: hw)
                if kind != .instructionFetch { cache.sets[set][hw]!.instructionOnly = false }
                if kind == .write && s.writeBack { cache.sets[set][hw]!.dirty = true }
            }
            if kind == .write && !s.writeBack {
                modify(w) { $0.counters.writesBelow += 1 }
                reference(below(w, cpu: c), kind: .write, line: L, whole: whole, cpu: c, victim: false)
            }
            return cost
        }

        // A miss.
        var victimLine: UInt64? = nil
        var victimDirty = false
        var victimDirtyHere = false
        var filledSet = 0, filledWay = 0
        if allocate {
            filledSet = cache(w).set(of: L)
            filledWay = cache(w).victimWay(set: filledSet)
            if let old = cache(w).sets[filledSet][filledWay] {
                victimLine = old.line
                victimDirty = old.dirty
                victimDirtyHere = old.dirty
                modify(w) { $0.sets[filledSet][filledWay] = nil }
                if w.level >= 0 && s.inclusion == .inclusive {
                    if backInvalidate(w, line: old.line) { victimDirty = true }
                }
            }
            modify(w) { cache in
                cache.clock += 1
                cache.sets[filledSet][filledWay] = Copy(line: L, dirty: kind == .write && s.writeBack,
                                                        lastUse: cache.clock, filledAt: cache.clock,
                                                        instructionOnly: kind == .instructionFetch)
            }
        }
        let promise = promiseBelow(w)
        let fetch = allocate && !(kind == .write && whole && !promise)
        let passWrite = kind == .write && (!s.writeBack || !allocate)

        let victimOfAgent = w.level >= 0 && w.level < privateLevels ? victimLine.map { CPULine(cpu: w.instance, line: $0) } : nil
        if let v = victimOfAgent { inFlight.append(v) }
        func doVictim(_ m: inout HierarchyReferenceModel) {
            guard let v = victimLine else { return }
            if victimDirty {
                let counted = victimDirtyHere || !m.quirks.contains(.uncountedBackInvalidationWriteback)
                m.modify(w) { $0.counters.writebacks += counted ? 1 : 0; $0.counters.writesBelow += 1 }
                m.reference(m.below(w, cpu: c), kind: .write, line: v, whole: true, cpu: c, victim: true)
            }
            if let f = victimOfAgent, let i = m.inFlight.firstIndex(of: f) { m.inFlight.remove(at: i) }
            m.afterEviction(from: w, line: v)
        }
        func doFetch(_ m: inout HierarchyReferenceModel) {
            guard fetch else { return }
            m.modify(w) { $0.counters.readsBelow += 1 }
            let next = m.below(w, cpu: c)
            let sub: Cost
            if m.transferServing && kind != .instructionFetch
                && !(m.storeBypassesFirstLevel && m.quirks.contains(.bypassingStoreFetchesFromSharedLevels))
                && !(m.privateLevels == m.levelCount && m.quirks.contains(.transferReadsMemoryWithoutSharedLevel)) && (next == nil || next!.level >= m.privateLevels)
                && w.level >= 0 && w.level < m.privateLevels {
                // A peer supplies the line; the shared levels are not asked.
                sub = Cost(cycles: UInt64(m.settings.transferLatency))
            } else {
                sub = m.reference(next, kind: kind == .instructionFetch ? .instructionFetch : .read, line: L, whole: true,
                                  cpu: c, victim: false)
            }
            cost.cycles += sub.cycles
            if sub.carriedDirty && s.writeBack {
                m.modify(w) { cache in
                    if let fw = cache.way(of: L) { cache.sets[cache.set(of: L)][fw]!.dirty = true }
                }
            }
        }
        func doWrite(_ m: inout HierarchyReferenceModel) {
            guard passWrite else { return }
            m.modify(w) { $0.counters.writesBelow += 1 }
            // Writes passed down cost nothing (§8 Timing), even a store miss that does not allocate.
            m.reference(m.below(w, cpu: c), kind: .write, line: L, whole: whole, cpu: c, victim: false)
        }
        if promise {
            doVictim(&self); doFetch(&self); doWrite(&self)
        } else {
            doFetch(&self); doWrite(&self); doVictim(&self)
        }
        return cost
    }

    /// Whether any cache above the data level `w` holds `L`.
    func heldAbove(_ w: Where, _ L: UInt64, countingInFlight: Bool = true) -> Bool {
        cachesAbove(w).contains { cache($0).holds(L) }
            || (countingInFlight && w.level >= privateLevels && inFlight.contains { $0.line == L })
    }

    /// An inclusive level evicted `L`: every copy above goes. Returns whether one was dirty.
    private mutating func backInvalidate(_ w: Where, line L: UInt64) -> Bool {
        var dirty = false
        var cpusLosing: Set<Int> = []
        for a in cachesAbove(w) {
            guard let way = cache(a).way(of: L) else { continue }
            let set = cache(a).set(of: L)
            if cache(a).sets[set][way]!.dirty { dirty = true }
            modify(a) { cache in
                cache.sets[set][way] = nil
                cache.lostToCoherence.insert(L)
                cache.shadow.removeAll { $0.line == L }
            }
            modify(w) { $0.counters.backInvalidations += 1 }
            if a.level >= 0 && a.level < privateLevels { cpusLosing.insert(a.instance) }
        }
        for p in cpusLosing.sorted() { agentEvictionCheck(p, L) }
        return dirty
    }

    /// After `L` left `w` by replacement (and its writeback, if any, went down): the agent may
    /// have evicted it, and an exclusive level below may take it.
    private mutating func afterEviction(from w: Where, line L: UInt64) {
        if w.level >= 0 && w.level < privateLevels { agentEvictionCheck(w.instance, L) }
        let first = w.level < 0 ? 1 : w.level + 1
        guard first < levelCount,
              let e = (first..<levelCount).first(where: { settings.data[$0].inclusion == .exclusive })
        else { return }
        let ew = Where(level: e, instance: 0)
        if !cache(ew).holds(L) && !heldAbove(ew, L) {
            // A clean victim sent down to the exclusive level right below counts as passed down.
            if e == first { modify(w) { $0.counters.writesBelow += 1 } }
            victimFill(ew, line: L, dirty: false, cpu: w.instance)
        }
    }

    private mutating func victimFill(_ w: Where, line L: UInt64, dirty: Bool, cpu c: Int) {
        let set = cache(w).set(of: L)
        let way = cache(w).victimWay(set: set)
        let old = cache(w).sets[set][way]
        modify(w) { cache in
            cache.counters.victimFills += 1
            cache.sets[set][way] = nil
            _ = cache.shadowReference(L, allocate: true)
        }
        if let old {
            if old.dirty {
                modify(w) { $0.counters.writebacks += 1; $0.counters.writesBelow += 1 }
                reference(below(w, cpu: c), kind: .write, line: old.line, whole: true, cpu: c, victim: true)
            }
            afterEviction(from: w, line: old.line)
        }
        modify(w) { cache in
            cache.clock += 1
            cache.sets[set][way] = Copy(line: L, dirty: dirty, lastUse: cache.clock, filledAt: cache.clock,
                                        instructionOnly: false)
        }
    }

    // MARK: end of run

    /// Every dirty line is written back, cache by cache, from the last set, each set from
    /// the line filled or used longest ago.
    mutating func finish() {
        finishing = true
        var order: [Where] = []
        for c in 0..<cpus {
            for l in 0..<privateLevels { order.append(Where(level: l, instance: c)) }
        }
        for l in privateLevels..<levelCount { order.append(Where(level: l, instance: 0)) }
        for w in order {
            let sets = cache(w).settings.geometry.sets
            for s in stride(from: sets - 1, through: 0, by: -1) {
                let fifo = cache(w).settings.replacement == .fifo
                let ways = cache(w).sets[s].indices.filter { cache(w).sets[s][$0] != nil }
                    .sorted { a, b in
                        let x = cache(w).sets[s][a]!, y = cache(w).sets[s][b]!
                        return fifo ? x.filledAt < y.filledAt : x.lastUse < y.lastUse
                    }
                for way in ways {
                    guard let copy = cache(w).sets[s][way], copy.dirty else { continue }
                    modify(w) { cache in
                        cache.sets[s][way]!.dirty = false
                        cache.counters.writebacks += 1
                        cache.counters.writesBelow += 1
                    }
                    reference(below(w, cpu: w.instance), kind: .write, line: copy.line, whole: true, cpu: w.instance,
                              victim: false)
                }
            }
        }
    }

    // MARK: results

    func levelTotals(_ level: Int) -> LevelCounters {
        data[level].reduce(into: LevelCounters()) { $0 += $1.counters }
    }

    /// Every line any CPU accessed, ascending by address.
    func lines() -> [ReferenceLine] {
        records.keys.sorted().map { L in
            let r = records[L]!
            var touched = Set(r.offsetReaders.keys)
            touched.formUnion(r.offsetWriters.keys)
            let offs = touched.sorted().map {
                ByteOffsetUse(offset: $0, readers: r.offsetReaders[$0] ?? CPUSet(), writers: r.offsetWriters[$0] ?? CPUSet())
            }
            return ReferenceLine(
                address: L * UInt64(lineSize), readers: r.readers, writers: r.writers, accesses: r.accesses,
                misses: r.misses, transfers: r.transfers, invalidations: r.invalidations, hitm: r.hitm,
                trueSharingMisses: r.trueSharingMisses, falseSharingMisses: r.falseSharingMisses,
                sharing: ReferenceModel.classify(readers: r.readers, writers: r.writers, offsets: offs), offsets: offs)
        }
    }
}
