import CacheModels
import MTrace

/// The general engine: every CPU with its private levels (and instruction cache), shared
/// levels below, joined by a coherence protocol. docs/semantics.md §8 states its rules; in short:
///
/// * A CPU's private data levels are one coherence agent: the protocol state of a line is
///   the agent's, kept alike in every private copy; snoops act on all of them.
/// * References pass between levels as Dinero IV passes them (a miss fetches from below,
///   write-throughs and dirty victims are written below, in that order), so one CPU with
///   non-inclusive levels counts exactly as Dinero IV does.
/// * An agent's miss is supplied by a peer when peers hold the line (a transfer; the shared
///   levels are not asked), else by the shared levels and memory.
/// * The first data level's counters and per-line statistics are kept as the single-level
///   engine keeps them, so one private level and no shared level gives its numbers exactly.
///
/// A struct with manual memory like ``CoherenceEngine``: ``deallocate(linesHandedOver:)`` once.
struct HierarchyEngine {
    let configuration: HierarchyConfiguration
    let cpus: Int
    /// Private data levels per CPU (the first levels), then the shared ones.
    let privateCount: Int
    let dataCount: Int
    let lineShift: UInt64
    let lineSize: Int
    let coherent: Bool
    let classifiesMisses: Bool
    /// Every cache, as parallel flat arrays (an element is reached in place, never copied
    /// or checked for uniqueness): private data levels by CPU (`cpu * privateCount + level`),
    /// the shared levels, then the instruction caches by CPU.
    let arrays: UnsafeMutablePointer<CacheArray>
    let hooks: UnsafeMutablePointer<PolicyHooks>
    let shadows: UnsafeMutablePointer<FullyAssociativeShadow>
    let levelCounters: UnsafeMutablePointer<LevelCounters>
    let settings: UnsafeMutablePointer<LevelSettings>
    let cacheCount: Int
    let sharedBase: Int
    let instructionBase: Int?
    var counters: [CoherenceCounters]
    var kindCounts: [UInt64]
    var transferCounts: [UInt64]
    var lines: LineTable
    /// Cycles per CPU and per line record; line accesses per CPU.
    var cycles: [UInt64]
    var lineAccesses: [UInt64]
    var lineCycles: [UInt64] = []
    var memoryReads: UInt64 = 0
    var memoryWrites: UInt64 = 0
    private let cells: [UInt16]
    /// Per data level: whether a level below it is inclusive or exclusive.
    private let promisesBelow: [Bool]
    private let writebackStates: UInt64
    /// Lines that left a private level of the accessing CPU during the current access.
    private var departed: [Departure] = []

    /// A line that left a private level: its protocol state and line record there.
    struct Departure {
        let line: UInt64
        let state: UInt8
        let record: UInt32
    }

    /// What a private level fills a line with: the protocol state and the line's record.
    struct Fill {
        let state: UInt8
        let record: UInt32
        /// For instruction fetches and shared levels: no protocol state, no record.
        static let none = Fill(state: 0, record: .max)
    }

    /// Private slots hold the protocol state in the low bits, and these flags.
    static let stateMask: UInt8 = 0x07
    /// The data here is newer than below (Dinero's dirty bit; a write-back store set it).
    static let dirtyBit: UInt8 = 0x08
    /// Valid for instruction fetches only (no protocol state): code is not kept coherent.
    static let instructionBit: UInt8 = 0x10
    /// Shared levels and instruction caches keep only validity and the dirty bit.
    static let valid: UInt8 = 0x01

    enum ReferenceKind { case read, write, fetch }

    init(_ configuration: HierarchyConfiguration) throws {
        let h = configuration.hierarchy
        guard configuration.cpus >= 1, configuration.cpus <= CPUSet.capacity else {
            throw ConfigurationError(key: "system.cpus", message: "must be 1...\(CPUSet.capacity), got \(configuration.cpus)")
        }
        for (i, level) in h.data.enumerated() where i > 0 && level.sharing == .private && level.inclusion == .exclusive {
            throw ConfigurationError(key: "level.\(i).inclusion",
                                     message: "exclusive is built for shared levels only; a private level may be non-inclusive or inclusive")
        }
        let needed = configuration.tagArrayBytes
        guard needed <= CacheMemory.physicalBytes else {
            throw ConfigurationError(key: "cache", message: "the hierarchy's tag arrays need \(needed) bytes; this machine has \(CacheMemory.physicalBytes)")
        }
        self.configuration = configuration
        cpus = configuration.cpus
        privateCount = h.privateLevels
        dataCount = h.data.count
        lineShift = UInt64(h.data[0].geometry.lineShift)
        lineSize = h.data[0].geometry.lineSize
        coherent = configuration.coherence != .none
        classifiesMisses = h.classifiesMisses
        let table = ProtocolTable.of(configuration.coherence)
        cells = table.packed()
        writebackStates = table.writebackStates
        promisesBelow = h.data.indices.map { level in h.data[(level + 1)...].contains { $0.inclusion != .nonInclusive } }
        var specs: [LevelSettings] = []
        for _ in 0..<cpus { specs += h.data[..<privateCount] }
        sharedBase = specs.count
        specs += h.data[privateCount...]
        if let i = h.instruction {
            instructionBase = specs.count
            specs += Array(repeating: i, count: cpus)
        } else {
            instructionBase = nil
        }
        var made: [CacheArray] = []
        do {
            for (n, spec) in specs.enumerated() {
                made.append(try CacheArray(geometry: spec.geometry, replacement: spec.replacement,
                                           seed: configuration.seed &+ UInt64(n) &* 0x9E37_79B9_7F4A_7C15))
            }
            lines = try LineTable(cpus: cpus, lineSize: lineSize)
        } catch {
            for a in made { a.deallocate() }
            throw error
        }
        cacheCount = specs.count
        arrays = .allocate(capacity: cacheCount)
        arrays.initialize(from: made, count: cacheCount)
        hooks = .allocate(capacity: cacheCount)
        hooks.initialize(from: specs.map { PolicyHooks($0.replacement) }, count: cacheCount)
        shadows = .allocate(capacity: cacheCount)
        shadows.initialize(from: specs.map { FullyAssociativeShadow(lines: h.classifiesMisses ? $0.geometry.sets * $0.geometry.ways : 0,
                                                                    movesOnHit: $0.replacement != .fifo) },
                           count: cacheCount)
        levelCounters = .allocate(capacity: cacheCount)
        levelCounters.initialize(repeating: LevelCounters(), count: cacheCount)
        settings = .allocate(capacity: cacheCount)
        settings.initialize(from: specs, count: cacheCount)
        counters = Array(repeating: CoherenceCounters(), count: cpus)
        kindCounts = Array(repeating: 0, count: cpus * 4)
        transferCounts = Array(repeating: 0, count: cpus * cpus)
        cycles = Array(repeating: 0, count: cpus)
        lineAccesses = Array(repeating: 0, count: cpus)
    }

    func deallocate(linesHandedOver: Bool) {
        for i in 0..<cacheCount { arrays[i].deallocate() }
        for p in [UnsafeMutableRawPointer(arrays), UnsafeMutableRawPointer(levelCounters)] { p.deallocate() }
        hooks.deinitialize(count: cacheCount)
        hooks.deallocate()
        shadows.deinitialize(count: cacheCount)
        shadows.deallocate()
        settings.deinitialize(count: cacheCount)
        settings.deallocate()
        if !linesHandedOver { lines.deallocate() }
    }

    // MARK: Protocol

    @inline(__always)
    func transition(_ state: UInt8, _ event: ProtocolEvent) -> (next: UInt8, actions: ProtocolActions) {
        ProtocolTable.unpack(cells[Int(state) &* ProtocolEvent.allCases.count &+ event.rawValue], configuration.coherence, state: state, event: event)
    }

    /// The cache index of data level `level` for `cpu` (a shared level has one for all).
    @inline(__always)
    func cacheIndex(level: Int, cpu: Int) -> Int {
        level < privateCount ? cpu * privateCount + level : sharedBase + level - privateCount
    }

    /// The slot of `line` in cache `index`, or -1.
    @inline(__always)
    func slot(of line: UInt64, in index: Int) -> Int {
        arrays[index].lookup(line: line, set: arrays[index].geometry.setIndex(ofLine: line))
    }

    /// The protocol state of `line` in `cpu`'s private levels (0 when it holds none).
    @inline(__always)
    func agentState(of line: UInt64, cpu: Int) -> UInt8 {
        for level in 0..<privateCount {
            let i = cpu * privateCount + level
            let s = slot(of: line, in: i)
            if s >= 0, arrays[i].states[s] & Self.stateMask != 0 { return arrays[i].states[s] & Self.stateMask }
        }
        return 0
    }

    /// Sets the protocol state of `line` in every private level of `cpu` holding it as data;
    /// with `clean`, clears their dirty bits too (the data went below). With `record`, a copy
    /// held for instruction fetches only becomes a data copy of that line record.
    mutating func setAgentState(of line: UInt64, cpu: Int, to state: UInt8, clean: Bool = false, record: UInt32? = nil) {
        for level in 0..<privateCount {
            let i = cpu * privateCount + level
            let s = slot(of: line, in: i)
            guard s >= 0 else { continue }
            var v = arrays[i].states[s]
            if v & Self.stateMask == 0 {
                guard let record else { continue }
                arrays[i].payloads[s] = record
            }
            v &= ~(Self.stateMask | Self.instructionBit)
            if clean { v &= ~Self.dirtyBit }
            arrays[i].states[s] = v | state
        }
    }

    // MARK: Batches

    mutating func apply(_ batch: UnsafeBufferPointer<Access>) throws {
        let count = batch.count
        for i in 0..<count {
            // Start the line table's dependent loads (hash slot, record) a few accesses
            // ahead, as the single-level engine does, so the misses of many accesses overlap.
            if i &+ 16 < count { lines.prefetchSlot(of: batch[i &+ 16].address &>> lineShift) }
            if i &+ 8 < count { lines.prefetchRecord(of: batch[i &+ 8].address &>> lineShift, presence: true) }
            let access = batch[i]
            let cpu = Int(access.cpu)
            guard cpu < cpus else { throw AccessError.cpuOutOfRange(access, cpus: cpus) }
            let size = UInt64(access.size)
            switch access.kind {
            case .copyBack, .invalidate:
                maintain(cpu: cpu, kind: access.kind, address: access.address, size: size)
                continue
            case .fetch:
                guard instructionBase != nil else { continue }
            case .load, .store, .atomic:
                break
            }
            guard size >= 1, size <= UInt64(maximumAccessSize) else { throw AccessError.badSize(access) }
            let (end, overflow) = access.address.addingReportingOverflow(size)
            guard !overflow || end == 0 else { throw AccessError.addressOverflow(access) }
            let last = (access.address &+ (size &- 1)) &>> lineShift
            var line = access.address &>> lineShift
            var lo = Int(access.address & UInt64(lineSize - 1))
            while true {
                let hi = line == last ? Int((access.address &+ (size &- 1)) & UInt64(lineSize - 1)) &+ 1 : lineSize
                lineAccesses[cpu] &+= 1
                if access.kind == .fetch {
                    cycles[cpu] &+= fetch(cpu: cpu, line: line)
                } else {
                    try dataAccess(cpu: cpu, line: line, bytes: ByteRange(lo: lo, hi: hi), kind: access.kind)
                }
                if line == last { break }
                line &+= 1
                lo = 0
            }
        }
    }

    // MARK: One data line access

    mutating func dataAccess(cpu c: Int, line: UInt64, bytes: ByteRange, kind: AccessKind) throws {
        kindCounts[c &* 4 &+ Int(kind.rawValue)] &+= 1
        let write = kind != .load
        let cb = UInt64(1) << UInt64(c)
        let first = c &* privateCount
        let firstSlot = slot(of: line, in: first)
        let firstState = firstSlot >= 0 ? arrays[first].states[firstSlot] & Self.stateMask : 0
        if firstState != 0 {
            // A first-level hit: the line's record is the slot's payload.
            let index = Int(arrays[first].payloads[firstSlot])
            let t = transition(firstState, write ? .store : .load)
            if t.next == firstState && !t.actions.contains(.upgrade) {
                try firstLevelHit(cpu: c, cache: first, slot: firstSlot, line: line, index: index, bytes: bytes, write: write)
                return
            }
        }
        let index = firstState != 0 ? Int(arrays[first].payloads[firstSlot]) : try lines.index(of: line, cpu: c)
        if lineCycles.count <= index { lineCycles.append(contentsOf: repeatElement(0, count: index + 1 - lineCycles.count)) }
        // A first-level copy kept for instruction fetches only is no data hit.
        if firstState == 0 {
            try withUnsafeMutablePointer(to: &counters[c]) { counter throws(OutOfMemoryError) in
                try lines.countMiss(index: index, cpu: c, bytes: bytes, counter: counter)
            }
        }

        // The protocol first: the agent's state after this access, and who supplies a miss.
        var supplier = -1
        let newState: UInt8
        let held = lines.present(index).pointee & cb != 0
        let heldState = held ? (firstState != 0 ? firstState : agentState(of: line, cpu: c)) : 0
        if held {
            let t = transition(heldState, write ? .store : .load)
            if t.actions.contains(.upgrade) {
                counters[c].upgrades &+= 1
                let peers = lines.present(index).pointee & ~cb
                if peers != 0 { snoop(peers: peers, of: index, line: line, event: .peerStore, requester: c) }
            }
            newState = t.next
        } else {
            var event: ProtocolEvent = write ? .store : .load
            let peers = coherent ? lines.present(index).pointee & ~cb : 0
            if peers != 0 {
                counters[c].transfers &+= 1
                lines.record(index).pointee.transfers &+= 1
                if !write { event = .loadShared }
                let dirty = snoop(peers: peers, of: index, line: line, event: write ? .peerStore : .peerLoad, requester: c)
                if dirty >= 0 {
                    counters[c].hitm &+= 1
                    lines.record(index).pointee.hitm &+= 1
                }
                supplier = dirty >= 0 ? dirty : peers.trailingZeroBitCount
                transferCounts[supplier &* cpus &+ c] &+= 1
            }
            newState = transition(LineState.invalid.rawValue, event).next
        }

        // Then the data, level by level.
        departed.removeAll(keepingCapacity: true)
        let cost = reference(level: 0, cpu: c, write ? .write : .read, line: line, wholeLine: bytes.hi - bytes.lo == lineSize,
                             fill: Fill(state: newState, record: UInt32(truncatingIfNeeded: index)), supplier: supplier).cost
        // Levels that filled the line gave it the new state; copies that were there before
        // (or held it for instruction fetches) take it now.
        if held ? newState != heldState : instructionBase != nil {
            setAgentState(of: line, cpu: c, to: newState, record: UInt32(truncatingIfNeeded: index))
        }
        // A store that allocates nowhere, or a line an inclusive level took back during the
        // access itself, leaves the agent without the line.
        let holds = promisesBelow[0] ? agentState(of: line, cpu: c) != 0
            : !(write && privateCount == 1 && !settings[first].writeAllocate && firstState == 0) || held
        if holds { lines.present(index).pointee |= cb }
        settleDeparted(cpu: c)
        cycles[c] &+= cost
        lineCycles[index] &+= cost
        try lines.countAccess(index: index, cpu: c, bytes: bytes, write: write)
        if configuration.checkInvariants { try checkInvariants(line: line, index: index, after: c) }
    }

    /// The most common access: a first-level hit whose protocol state does not change. Only
    /// the first level is touched (its policy, 3C shadow, counters and dirty bit).
    @inline(__always)
    private mutating func firstLevelHit(cpu c: Int, cache i: Int, slot: Int, line: UInt64, index: Int, bytes: ByteRange,
                                        write: Bool) throws {
        hooks[i].touch(&arrays[i], slot)
        // The shadow may miss where the cache hits; a store that does not allocate leaves it so.
        shadows[i].reference(line, fills: !write || settings[i].writeAllocate)
        if write {
            levelCounters[i].writes &+= 1
            if settings[i].writeBack {
                arrays[i].states[slot] |= Self.dirtyBit
            } else {
                levelCounters[i].writesBelow &+= 1
                departed.removeAll(keepingCapacity: true)
                reference(level: 1, cpu: c, .write, line: line, wholeLine: bytes.hi - bytes.lo == lineSize,
                          fill: Fill(state: arrays[i].states[slot] & Self.stateMask, record: UInt32(truncatingIfNeeded: index)),
                          supplier: -1)
                settleDeparted(cpu: c)
            }
        } else {
            levelCounters[i].reads &+= 1
        }
        let cost = UInt64(settings[i].latency)
        cycles[c] &+= cost
        if cost != 0 { lineCycles[index] &+= cost }
        try lines.countAccess(index: index, cpu: c, bytes: bytes, write: write)
        if configuration.checkInvariants { try checkInvariants(line: line, index: index, after: c) }
    }

    /// Lines that left a private level of `cpu` during this access and are in none now have
    /// left the agent: an eviction, with a writeback when the protocol state was dirty.
    private mutating func settleDeparted(cpu c: Int) {
        let cb = UInt64(1) << UInt64(c)
        for d in departed where agentState(of: d.line, cpu: c) == 0 {
            let present = lines.present(Int(d.record))
            guard present.pointee & cb != 0 else { continue }
            counters[c].evictions &+= 1
            counters[c].writebacks &+= UInt64(truncatingIfNeeded: writebackStates >> UInt64(d.state) & 1)
            present.pointee &= ~cb
        }
        departed.removeAll(keepingCapacity: true)
    }

    /// Applies `event` to every peer agent in `peers` holding line `index`; returns the peer
    /// that supplied dirty data, or -1. A protocol writeback writes the line below the
    /// private levels; an invalidation removes it from every private level of the peer.
    @discardableResult
    mutating func snoop(peers: UInt64, of index: Int, line: UInt64, event: ProtocolEvent, requester: Int) -> Int {
        var dirty = -1
        var invalidated: UInt64 = 0
        var remaining = peers
        while remaining != 0 {
            let p = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            let t = transition(agentState(of: line, cpu: p), event)
            if t.actions.contains(.supplyDirty) { dirty = p }
            if t.actions.contains(.writeback) {
                counters[p].writebacks &+= 1
                reference(level: privateCount, cpu: p, .write, line: line, wholeLine: true, fill: .none, supplier: -1)
            }
            if t.next == LineState.invalid.rawValue {
                for level in 0..<privateCount {
                    let i = p * privateCount + level
                    let s = slot(of: line, in: i)
                    if s >= 0 {
                        arrays[i].invalidate(slot: s)
                        shadows[i].loseToCoherence(line)
                    }
                }
                lines.countInvalidation(index: index, cpu: p)
                invalidated &+= 1
            } else {
                setAgentState(of: line, cpu: p, to: t.next, clean: t.actions.contains(.writeback))
            }
        }
        counters[requester].invalidations &+= invalidated
        return dirty
    }

    // MARK: References between levels

    /// One reference to data level `level` on behalf of `cpu` (beyond the last level:
    /// memory). `fill` is what a private level fills the line with; `supplier` the peer that supplies an agent's miss (-1: none). Returns the cost in
    /// cycles of the demand path (the level's latency and what a miss fetches below) and
    /// whether the line came up dirty (from an exclusive level).
    ///
    /// The order follows Dinero IV: the level updates itself (victim, then the dirty bit of
    /// a write-back store), then passes down the fetch of a missing line, a write-through,
    /// and the dirty victim. `victimFill` marks a write of a line that has left every level
    /// above and every other CPU: an exclusive level keeps it.
    @discardableResult
    mutating func reference(level: Int, cpu c: Int, _ kind: ReferenceKind, line: UInt64, wholeLine: Bool, fill: Fill,
                            supplier: Int, victimFill: Bool = false, dirtyFill: Bool = false) -> (cost: UInt64, dirty: Bool) {
        if level == dataCount {
            if kind == .write { memoryWrites &+= 1; return (0, false) }
            memoryReads &+= 1
            return (UInt64(configuration.hierarchy.memoryLatency), false)
        }
        let isPrivate = level < privateCount
        if !isPrivate && level == privateCount && supplier >= 0 && kind != .write {
            // A peer supplies the agent's miss: the shared levels are not asked.
            return (UInt64(configuration.hierarchy.transferLatency), false)
        }
        let i = cacheIndex(level: level, cpu: c)
        if !isPrivate && settings[i].inclusion == .exclusive {
            return exclusiveReference(cache: i, level: level, cpu: c, kind, line: line, wholeLine: wholeLine,
                                      victimFill: victimFill, dirtyFill: dirtyFill)
        }
        let found = slot(of: line, in: i)
        let miss = found < 0
        let isWrite = kind == .write
        let allocates = !isWrite || !miss || settings[i].writeAllocate
        var victim: (line: UInt64, state: UInt8, dirty: Bool, record: UInt32)?
        var writesBack = false
        if allocates {
            var s = found
            if miss {
                s = hooks[i].victim(&arrays[i], arrays[i].geometry.setIndex(ofLine: line))
                let old = arrays[i].states[s]
                if old != 0 {
                    victim = (arrays[i].tags[s], old & Self.stateMask, old & Self.dirtyBit != 0, arrays[i].payloads[s])
                    if old & Self.dirtyBit != 0 { levelCounters[i].writebacks &+= 1 }
                }
                // A private level keeps the protocol state (none for code); a shared one validity.
                let state = !isPrivate ? Self.valid : kind == .fetch || fill.state == 0 ? Self.instructionBit : fill.state
                hooks[i].fill(&arrays[i], s, line, state, fill.record)
                if dirtyFill { arrays[i].states[s] |= Self.dirtyBit }
            } else {
                hooks[i].touch(&arrays[i], s)
            }
            writesBack = isWrite && settings[i].writeBack
            if writesBack { arrays[i].states[s] |= Self.dirtyBit }
        }
        countReference(cache: i, kind, line: line, miss: miss, fills: !isWrite || settings[i].writeAllocate)
        // Below an inclusive or exclusive level the victim goes first, so that no line is in
        // flight while a level below may take lines back (Dinero's order, victim last, has
        // no such levels).
        if promisesBelow[level], let v = victim {
            evicted(cache: i, level: level, cpu: c, line: v.line, fill: Fill(state: v.state, record: v.record), dirty: v.dirty)
            victim = nil
        }

        var cost = UInt64(settings[i].latency)
        var cameUpDirty = false
        // A store that fills a whole line needs nothing from below, unless a level below
        // promises inclusion or exclusion, which the fetch keeps.
        if miss && (!isWrite || (allocates && (!wholeLine || promisesBelow[level]))) {
            levelCounters[i].readsBelow &+= 1
            let below = reference(level: level + 1, cpu: c, kind == .fetch ? .fetch : .read, line: line, wholeLine: true,
                                  fill: fill, supplier: supplier)
            cost &+= below.cost
            if below.dirty && allocates {
                let s = slot(of: line, in: i)
                if s >= 0 { arrays[i].states[s] |= Self.dirtyBit }
            }
            cameUpDirty = below.dirty && !allocates
        }
        if isWrite && !writesBack {
            levelCounters[i].writesBelow &+= 1
            reference(level: level + 1, cpu: c, .write, line: line, wholeLine: wholeLine, fill: fill, supplier: -1)
        }
        if let victim {
            evicted(cache: i, level: level, cpu: c, line: victim.line,
                    fill: Fill(state: victim.state, record: victim.record), dirty: victim.dirty)
        }
        return (cost, cameUpDirty)
    }

    /// Counts one reference at cache `i` and splits a miss: coherence (the line was lost to
    /// a snoop or a back-invalidation), or compulsory, capacity or conflict against the
    /// fully associative shadow as it was before this reference.
    private mutating func countReference(cache i: Int, _ kind: ReferenceKind, line: UInt64, miss: Bool, fills: Bool) {
        let shadowHit = shadows[i].reference(line, fills: fills)
        if miss && classifiesMisses {
            if shadows[i].wasLost(line) {
                levelCounters[i].coherenceMisses &+= 1
            } else if shadowHit {
                levelCounters[i].conflictMisses &+= 1
            } else if shadows[i].firstReference(line) {
                levelCounters[i].compulsoryMisses &+= 1
            } else {
                levelCounters[i].capacityMisses &+= 1
            }
        }
        switch kind {
        case .read:
            levelCounters[i].reads &+= 1
            if miss { levelCounters[i].readMisses &+= 1 }
        case .write:
            levelCounters[i].writes &+= 1
            if miss { levelCounters[i].writeMisses &+= 1 }
        case .fetch:
            levelCounters[i].instructionFetches &+= 1
            if miss { levelCounters[i].instructionFetchMisses &+= 1 }
        }
    }

    /// What happens to a line evicted from data level `level` (cache `i`): an inclusive
    /// level takes it from every cache above; a dirty line is written below; a line that
    /// left every cache above and every CPU fills an exclusive level below; a private
    /// level's line is noted, so the agent can tell whether it left.
    private mutating func evicted(cache i: Int, level: Int, cpu c: Int, line: UInt64, fill: Fill, dirty: Bool) {
        var dirty = dirty
        let isPrivate = level < privateCount
        if settings[i].inclusion == .inclusive && level > 0 {
            dirty = backInvalidate(line: line, from: i, level: level, cpu: c) || dirty
        }
        if isPrivate && fill.state != 0 { departed.append(Departure(line: line, state: fill.state, record: fill.record)) }
        let protocolDirty = LineState(rawValue: fill.state)?.isDirty == true
        if level + 1 >= privateCount && level + 1 < dataCount && configuration.hierarchy.data[level + 1].inclusion == .exclusive
            && nothingAbove(level + 1, holds: line) {
            levelCounters[i].writesBelow &+= 1
            reference(level: level + 1, cpu: c, .write, line: line, wholeLine: true, fill: .none, supplier: -1,
                      victimFill: true, dirtyFill: dirty || protocolDirty)
        } else if dirty {
            levelCounters[i].writesBelow &+= 1
            reference(level: level + 1, cpu: c, .write, line: line, wholeLine: true, fill: fill, supplier: -1)
        }
    }

    /// True when no cache above shared data level `level` holds `line`: no CPU's private
    /// levels or instruction cache, no shared level above it.
    private func nothingAbove(_ level: Int, holds line: UInt64) -> Bool {
        for p in 0..<cpus {
            for l in 0..<privateCount where slot(of: line, in: p * privateCount + l) >= 0 { return false }
            if let base = instructionBase, slot(of: line, in: base + p) >= 0 { return false }
        }
        for l in privateCount..<level where slot(of: line, in: cacheIndex(level: l, cpu: 0)) >= 0 { return false }
        return true
    }

    /// An inclusive level (cache `i`, data level `level`) evicted `line`: every copy above
    /// it goes (the CPU's, for a private level; every CPU's, for a shared one). Returns
    /// whether a copy above was dirty. A private level's copies leave through `departed`
    /// (the levels below may still hold the line); CPUs that lose it to a shared level have
    /// lost it from their agents.
    private mutating func backInvalidate(line: UInt64, from i: Int, level: Int, cpu c: Int) -> Bool {
        var dirty = false
        var removed: UInt64 = 0
        let shared = level >= privateCount
        for p in shared ? 0..<cpus : c..<c + 1 {
            var lost: Fill?
            for l in 0..<min(level, privateCount) {
                let k = p * privateCount + l
                let s = slot(of: line, in: k)
                guard s >= 0 else { continue }
                let v = arrays[k].states[s]
                if v & Self.dirtyBit != 0 { dirty = true }
                if v & Self.stateMask != 0 { lost = Fill(state: v & Self.stateMask, record: arrays[k].payloads[s]) }
                arrays[k].invalidate(slot: s)
                shadows[k].loseToCoherence(line)
                removed &+= 1
            }
            if let base = instructionBase {
                let s = slot(of: line, in: base + p)
                if s >= 0 {
                    arrays[base + p].invalidate(slot: s)
                    shadows[base + p].loseToCoherence(line)
                    removed &+= 1
                }
            }
            guard let lost else { continue }
            if LineState(rawValue: lost.state)?.isDirty == true { dirty = true }
            if !shared {
                departed.append(Departure(line: line, state: lost.state, record: lost.record))
                continue
            }
            let pb = UInt64(1) << UInt64(p)
            let present = lines.present(Int(lost.record))
            if present.pointee & pb != 0 {
                counters[p].evictions &+= 1
                counters[p].writebacks &+= UInt64(truncatingIfNeeded: writebackStates >> UInt64(lost.state) & 1)
                present.pointee &= ~pb
            }
        }
        for l in privateCount..<max(level, privateCount) {
            let k = cacheIndex(level: l, cpu: c)
            let s = slot(of: line, in: k)
            guard s >= 0 else { continue }
            if arrays[k].states[s] & Self.dirtyBit != 0 { dirty = true }
            arrays[k].invalidate(slot: s)
            shadows[k].loseToCoherence(line)
            removed &+= 1
        }
        levelCounters[i].backInvalidations &+= removed
        return dirty
    }

    /// A reference to an exclusive shared level: a read that hits moves the line up (it
    /// leaves this level); a read that misses is fetched from below without filling here; a
    /// victim fill keeps the line; any other write passes through to the level below.
    private mutating func exclusiveReference(cache i: Int, level: Int, cpu c: Int, _ kind: ReferenceKind, line: UInt64,
                                             wholeLine: Bool, victimFill: Bool, dirtyFill: Bool) -> (cost: UInt64, dirty: Bool) {
        let found = slot(of: line, in: i)
        if kind == .write && victimFill {
            levelCounters[i].victimFills &+= 1
            var s = found
            var victim: (line: UInt64, dirty: Bool)?
            if s < 0 {
                s = hooks[i].victim(&arrays[i], arrays[i].geometry.setIndex(ofLine: line))
                let old = arrays[i].states[s]
                if old != 0 { victim = (arrays[i].tags[s], old & Self.dirtyBit != 0) }
                hooks[i].fill(&arrays[i], s, line, Self.valid, Fill.none.record)
                shadows[i].reference(line, fills: true)
            } else {
                hooks[i].touch(&arrays[i], s)
            }
            if dirtyFill { arrays[i].states[s] |= Self.dirtyBit }
            if let victim {
                if victim.dirty { levelCounters[i].writebacks &+= 1 }
                evicted(cache: i, level: level, cpu: c, line: victim.line, fill: .none, dirty: victim.dirty)
            }
            return (0, false)
        }
        countReference(cache: i, kind, line: line, miss: found < 0, fills: false)
        var cost = UInt64(settings[i].latency)
        if kind == .write {
            levelCounters[i].writesBelow &+= 1
            reference(level: level + 1, cpu: c, .write, line: line, wholeLine: wholeLine, fill: .none, supplier: -1)
            return (cost, false)
        }
        if found >= 0 {
            let dirty = arrays[i].states[found] & Self.dirtyBit != 0
            arrays[i].invalidate(slot: found)
            return (cost, dirty)
        }
        levelCounters[i].readsBelow &+= 1
        let below = reference(level: level + 1, cpu: c, kind, line: line, wholeLine: true, fill: .none, supplier: -1)
        cost &+= below.cost
        return (cost, below.dirty)
    }

    // MARK: Instruction fetches

    /// One instruction fetch of `line` by `cpu`: the instruction cache, then the data levels
    /// below the first (code is read-only and not kept coherent). Returns its cost.
    mutating func fetch(cpu c: Int, line: UInt64) -> UInt64 {
        guard let base = instructionBase else { return 0 }
        let i = base + c
        let found = slot(of: line, in: i)
        let miss = found < 0
        if miss {
            let s = hooks[i].victim(&arrays[i], arrays[i].geometry.setIndex(ofLine: line))
            hooks[i].fill(&arrays[i], s, line, Self.valid, Fill.none.record)
        } else {
            hooks[i].touch(&arrays[i], found)
        }
        countReference(cache: i, .fetch, line: line, miss: miss, fills: true)
        var cost = UInt64(settings[i].latency)
        if miss {
            levelCounters[i].readsBelow &+= 1
            departed.removeAll(keepingCapacity: true)
            cost &+= reference(level: 1, cpu: c, .fetch, line: line, wholeLine: true, fill: .none, supplier: -1).cost
            settleDeparted(cpu: c)
        }
        return cost
    }

    // MARK: Copy-back and invalidate records, and the end of a run

    /// Dinero's copy-back and invalidate records on `cpu`'s data side: over the lines of the
    /// range, or every line when `size` is 0. The agent's lines take the protocol's copy-back
    /// transition (a writeback when dirty), or are dropped (a writeback when dirty, no
    /// eviction); then each level does the same with its data, down to memory.
    mutating func maintain(cpu: Int, kind: AccessKind, address: UInt64, size: UInt64) {
        let range: ClosedRange<UInt64>? = size == 0 ? nil
            : (address >> lineShift)...((address &+ (size &- 1)) >> lineShift)
        // The agent's lines in range, each once.
        var agentLines: [(line: UInt64, state: UInt8, record: UInt32)] = []
        var seen: Set<UInt64> = []
        for level in 0..<privateCount {
            let array = arrays[cpu * privateCount + level]
            for s in array.slotsHolding(range) where array.states[s] & Self.stateMask != 0 {
                guard seen.insert(array.tags[s]).inserted else { continue }
                agentLines.append((array.tags[s], array.states[s] & Self.stateMask, array.payloads[s]))
            }
        }
        let cb = UInt64(1) << UInt64(cpu)
        departed.removeAll(keepingCapacity: true)
        defer { settleDeparted(cpu: cpu) }  // a copy-back into a level below may evict lines
        for a in agentLines {
            if kind == .copyBack {
                let t = transition(a.state, .copyBack)
                if t.actions.contains(.writeback) { counters[cpu].writebacks &+= 1 }
                setAgentState(of: a.line, cpu: cpu, to: t.next)
            } else {
                if LineState(rawValue: a.state)?.isDirty == true { counters[cpu].writebacks &+= 1 }
                lines.present(Int(a.record)).pointee &= ~cb
            }
        }
        for level in 0..<dataCount {
            let i = cacheIndex(level: level, cpu: cpu)
            if kind == .copyBack {
                copyBack(cache: i, level: level, cpu: cpu, lines: range)
            } else {
                // A shared inclusive level that drops a line takes it from every CPU above.
                if level >= privateCount && settings[i].inclusion == .inclusive {
                    let array = arrays[i]
                    for s in array.slotsHolding(range) { _ = backInvalidate(line: array.tags[s], from: i, level: level, cpu: cpu) }
                }
                invalidateRecord(cache: i, lines: range)
            }
        }
    }

    /// Writes back every dirty line of every cache, CPU by CPU and level by level, as
    /// Dinero IV does when its trace ends (the level counters and memory then account for
    /// every store; the first level's counters do not change).
    mutating func finish() {
        for cpu in 0..<cpus {
            for level in 0..<privateCount { copyBack(cache: cacheIndex(level: level, cpu: cpu), level: level, cpu: cpu, lines: nil) }
        }
        for level in privateCount..<dataCount { copyBack(cache: cacheIndex(level: level, cpu: 0), level: level, cpu: 0, lines: nil) }
    }

    /// Dinero's copy-back of one cache: its dirty lines among `lines` (all when nil) are
    /// written to the level below, a whole cache from the last set, each set's lines
    /// from the oldest stamp (the order of Dinero IV's pending stack). A private line's
    /// protocol state takes the copy-back transition.
    private mutating func copyBack(cache i: Int, level: Int, cpu c: Int, lines range: ClosedRange<UInt64>?) {
        let array = arrays[i]
        let dirty = array.dirtySlotsInCopyBackOrder(range, isDirty: { array.states[$0] & Self.dirtyBit != 0 })
        for s in dirty {
            array.states[s] &= ~Self.dirtyBit
            levelCounters[i].writebacks &+= 1
            levelCounters[i].writesBelow &+= 1
            let line = array.tags[s]
            reference(level: level + 1, cpu: c, .write, line: line, wholeLine: true,
                      fill: Fill(state: array.states[s] & Self.stateMask, record: array.payloads[s]), supplier: -1)
        }
    }

    /// Dinero's invalidate of one cache: its lines among `lines` (all when nil) are dropped
    /// without a writeback, and its shadow forgets them.
    private mutating func invalidateRecord(cache i: Int, lines range: ClosedRange<UInt64>?) {
        let array = arrays[i]
        for s in array.slotsHolding(range) { array.invalidate(slot: s) }
        if let range { shadows[i].invalidate(lines: range) } else { shadows[i].invalidateAll() }
    }

    // MARK: Results

    /// The first-level counters of `cpu`, completing those the access loop leaves out.
    func counters(ofCPU cpu: Int) -> CoherenceCounters {
        var c = counters[cpu]
        c.reads = kindCounts[cpu * 4 + Int(AccessKind.load.rawValue)]
        c.atomics = kindCounts[cpu * 4 + Int(AccessKind.atomic.rawValue)]
        c.writes = kindCounts[cpu * 4 + Int(AccessKind.store.rawValue)] + c.atomics
        c.accesses = c.reads + c.writes
        c.hits = c.accesses - c.misses
        return c
    }

    /// Every data level's and the instruction caches' results.
    func levelResults() -> (data: [LevelResult], instruction: LevelResult?) {
        let h = configuration.hierarchy
        let data = h.data.enumerated().map { level, settings in
            LevelResult(settings: settings, instances: level < privateCount
                ? (0..<cpus).map { levelCounters[$0 * privateCount + level] }
                : [levelCounters[cacheIndex(level: level, cpu: 0)]])
        }
        let instruction = h.instruction.map { settings in
            LevelResult(settings: settings, instances: (0..<cpus).map { levelCounters[instructionBase! + $0] })
        }
        return (data, instruction)
    }
}
