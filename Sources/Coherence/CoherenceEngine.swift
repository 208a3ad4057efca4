import CacheModels
import MTrace

/// What a protocol's load (or store) hits do, as flat bits the hot loop can index by state:
/// the next state of each state (a byte each), the states whose hit is an upgrade, and the
/// states whose hit is silent (keeps the state, does nothing else).
struct HitTransitions {
    var states: UInt64 = 0
    var upgrades: UInt64 = 0
    var silent: UInt64 = 0

    init(_ table: ProtocolTable, _ event: ProtocolEvent) {
        for state in table.states where state != .invalid {
            guard let t = table[state, event] else { continue }
            // An own hit only counts an upgrade (whose snoop the engine does); a table with
            // more would need the fast path to change.
            precondition(t.actions.isSubset(of: [.hit, .upgrade]), "hit in \(state) on \(event) has actions \(t.actions)")
            let bit = UInt64(1) << UInt64(state.rawValue)
            states |= UInt64(t.next.rawValue) << (UInt64(state.rawValue) * 8)
            if t.actions.contains(.upgrade) { upgrades |= bit }
            if t == Transition(next: state, actions: .hit) { silent |= bit }
        }
    }
}

/// The hot loop: per-CPU caches joined by a protocol table, with the counters of spec §5
/// and the line table of spec §6.
///
/// A struct of flat buffers, mutated in place by ``CoherenceSimulator`` one batch at a
/// time, so the per-access path has no reference counting, exclusivity checks or dynamic
/// dispatch. Call ``deallocate()`` once.
struct CoherenceEngine {
    let configuration: SimulatorConfiguration
    let cpus: Int
    let lineShift: UInt64
    let lineSize: Int
    let setMask: UInt64
    let maskWords: Int
    /// Protocol other than `none`: peers are snooped.
    let coherent: Bool
    /// Keep the snoop filter (`LineTable.present`) exact (coherent protocols, or checking mode).
    let tracksPresence: Bool
    let checkInvariants: Bool
    /// What load (store) hits do: ``privateHit`` applies them directly; the general path
    /// skips the protocol cell of a silent hit.
    let loadHits: HitTransitions
    let storeHits: HitTransitions
    /// The fast paths (``privateHit``, ``privateMiss``) apply: one-word byte masks, no checker.
    let fastPaths: Bool
    /// The states a load (store) miss fills when no peer holds the line.
    let privateLoadFill: UInt8
    let privateStoreFill: UInt8
    /// Bit s set: evicting a line in state s writes it back.
    let writebackStates: UInt8
    /// Packed protocol cells (``ProtocolTable/packed()``).
    let cells: UnsafeMutablePointer<UInt16>
    let caches: UnsafeMutablePointer<CacheArray>
    let counters: UnsafeMutablePointer<CoherenceCounters>
    /// Line accesses per CPU and data kind (load, store, atomic), at `cpu * kindsPerCPU + kind`.
    let kindCounts: UnsafeMutablePointer<UInt64>
    /// The three data kinds, padded to four so a CPU's counts share a cache line.
    static let kindsPerCPU = 4
    /// Transfers from CPU i to CPU j at `i * cpus + j` (see ``transferMatrix()``).
    let transferCounts: UnsafeMutablePointer<UInt64>
    var lines: LineTable

    static let eventCount = ProtocolEvent.allCases.count

    init(_ configuration: SimulatorConfiguration) throws {
        guard configuration.cpus >= 1, configuration.cpus <= CPUSet.capacity else {
            throw ConfigurationError(key: "system.cpus", message: "must be 1...\(CPUSet.capacity), got \(configuration.cpus)")
        }
        // Refused before anything is allocated: the arrays are filled when made.
        try configuration.checkMemory()
        self.configuration = configuration
        cpus = configuration.cpus
        let g = configuration.geometry
        lineShift = UInt64(g.lineShift)
        lineSize = g.lineSize
        setMask = g.setMask
        maskWords = (g.lineSize + 63) / 64
        coherent = configuration.coherence != .none
        tracksPresence = coherent || configuration.checkInvariants
        checkInvariants = configuration.checkInvariants
        let table = ProtocolTable.of(configuration.coherence)
        loadHits = HitTransitions(table, .load)
        storeHits = HitTransitions(table, .store)
        fastPaths = maskWords == 1 && !configuration.checkInvariants
        privateLoadFill = table[.invalid, .load]!.next.rawValue
        privateStoreFill = table[.invalid, .store]!.next.rawValue
        writebackStates = UInt8(truncatingIfNeeded: table.writebackStates)
        // The line table first: it is the one allocation here that can fail without trapping.
        lines = try LineTable(cpus: cpus, lineSize: lineSize)
        let packed = table.packed()
        cells = .allocate(capacity: packed.count)
        cells.initialize(from: packed, count: packed.count)
        caches = .allocate(capacity: cpus)
        for cpu in 0..<cpus {
            // Each CPU's random stream starts at its own point: seed + cpu·γ (γ = SplitMix64's increment).
            let seed = configuration.seed &+ UInt64(cpu) &* 0x9E37_79B9_7F4A_7C15
            do {
                (caches + cpu).initialize(to: try CacheArray(geometry: g, replacement: configuration.replacement, seed: seed))
            } catch {
                for c in 0..<cpu { caches[c].deallocate() }
                caches.deinitialize(count: cpu)
                caches.deallocate()
                cells.deallocate()
                lines.deallocate()
                throw error
            }
        }
        counters = .allocate(capacity: cpus)  // accesses, reads, writes, atomics, hits stay 0: see counters(ofCPU:)
        counters.initialize(repeating: CoherenceCounters(), count: cpus)
        kindCounts = .allocate(capacity: cpus * Self.kindsPerCPU)
        kindCounts.initialize(repeating: 0, count: cpus * Self.kindsPerCPU)
        transferCounts = .allocate(capacity: cpus * cpus)
        transferCounts.initialize(repeating: 0, count: cpus * cpus)
    }

    /// Cache-to-cache transfers as a flat `cpus × cpus` array, row = supplier, column = requester.
    func transferMatrix() -> [UInt64] { Array(UnsafeBufferPointer(start: transferCounts, count: cpus * cpus)) }

    /// The spec counters of `cpu`, completing the two the hot loop leaves out.
    func counters(ofCPU cpu: Int) -> CoherenceCounters {
        var c = counters[cpu]
        let kinds = kindCounts + cpu * Self.kindsPerCPU
        c.reads = kinds[Int(AccessKind.load.rawValue)]
        c.atomics = kinds[Int(AccessKind.atomic.rawValue)]
        c.writes = kinds[Int(AccessKind.store.rawValue)] + c.atomics
        c.accesses = c.reads + c.writes
        c.hits = c.accesses - c.misses
        return c
    }

    /// Frees everything, except the line table's records and masks after ``LineTable/handOver()``.
    func deallocate(linesHandedOver: Bool = false) {
        for c in 0..<cpus { caches[c].deallocate() }
        caches.deinitialize(count: cpus)
        caches.deallocate()
        counters.deallocate()
        kindCounts.deallocate()
        transferCounts.deallocate()
        cells.deallocate()
        if !linesHandedOver { lines.deallocate() }
    }

    @inline(__always)
    func transition(_ state: UInt8, _ event: ProtocolEvent) -> (next: UInt8, actions: ProtocolActions) {
        ProtocolTable.unpack(cells[Int(state) &* Self.eventCount &+ event.rawValue], configuration.coherence, state: state, event: event)
    }

    // MARK: Batches

    /// Simulates one batch with the hooks of `P`, the type of `configuration.replacement`
    /// (``CoherenceSimulator`` picks the specialisation once, through ``batchFunction(for:)``).
    mutating func apply<P: ReplacementPolicy>(_ batch: UnsafeBufferPointer<Access>, _ policy: P.Type) throws {
        let lineMask = UInt64(lineSize - 1)
        let count = batch.count
        for i in 0..<count {
            // Lines that miss live in DRAM-sized tables, reached by a chain of dependent
            // loads: hash slot, record, detail block. Each link is started a few accesses
            // before the next needs it (16, 8, 4 ahead), so the misses of many accesses
            // overlap. The detail stage serves only runs with more than one CPU.
            if i &+ 16 < count { lines.prefetchSlot(of: batch[i &+ 16].address &>> lineShift) }
            if i &+ 8 < count { lines.prefetchRecord(of: batch[i &+ 8].address &>> lineShift, presence: coherent) }
            if cpus > 1 && i &+ 4 < count {
                lines.prefetchDetail(of: batch[i &+ 4].address &>> lineShift, cpu: Int(batch[i &+ 4].cpu))
            }
            let access = batch[i]
            let cpu = Int(access.cpu)
            guard cpu < cpus else { throw AccessError.cpuOutOfRange(access, cpus: cpus) }
            let size = UInt64(access.size)
            guard access.kind.isDataAccess else {
                if access.kind != .fetch { maintain(cpu: cpu, kind: access.kind, address: access.address, size: size) }
                continue
            }
            guard size >= 1, size <= UInt64(maximumAccessSize) else { throw AccessError.badSize(access) }
            let (end, overflow) = access.address.addingReportingOverflow(size)
            guard !overflow || end == 0 else { throw AccessError.addressOverflow(access) }
            let last = (access.address &+ (size &- 1)) &>> lineShift
            var line = access.address &>> lineShift
            var lo = Int(access.address & lineMask)
            var found = (caches + cpu).pointee.lookup(line: line, set: Int(truncatingIfNeeded: line & setMask))
            var known = -1
            if line == last && fastPaths {
                if found >= 0 {
                    if privateHit(cpu: cpu, slot: found, lo: lo, size: Int(size), kind: access.kind, P.self) { continue }
                } else {
                    known = try lines.index(of: line, cpu: cpu)
                    if privateMiss(cpu: cpu, line: line, index: known, lo: lo, size: Int(size), kind: access.kind, P.self) { continue }
                }
            }
            // One line access per touched line, in ascending order (spec §2).
            while true {
                let hi = line == last ? Int((access.address &+ (size &- 1)) & lineMask) &+ 1 : lineSize
                let index = try lineAccess(cpu: cpu, line: line, found: found, known: known, lo: lo, hi: hi, kind: access.kind, P.self)
                if checkInvariants { try checkInvariant(line: line, index: index, after: cpu) }
                if line == last { break }
                line &+= 1
                lo = 0
                known = -1
                found = (caches + cpu).pointee.lookup(line: line, set: Int(truncatingIfNeeded: line & setMask))
            }
        }
    }

    /// A batch applier: ``apply(_:_:)`` specialised for one policy.
    typealias BatchFunction = (inout CoherenceEngine, UnsafeBufferPointer<Access>) throws -> Void

    /// The specialisation of ``apply(_:_:)`` for `kind`, looked up once per run: the closure
    /// is made where the policy's type is concrete, so its loop calls the hooks directly.
    static func batchFunction(for kind: ReplacementKind) -> BatchFunction {
        struct Pick: ReplacementPolicyVisitor {
            let name: String
            var picked: BatchFunction?
            mutating func visit<P: ReplacementPolicy>(_: P.Type) {
                if picked == nil && P.name == name { picked = { engine, batch in try engine.apply(batch, P.self) } }
            }
        }
        var pick = Pick(name: kind.rawValue)
        ReplacementPolicies.visitAll(&pick)
        // A ReplacementKind is made only from the registry, so its policy is there.
        guard let picked = pick.picked else { preconditionFailure("replacement policy \(kind) is not registered") }
        return picked
    }

    // MARK: One line access

    /// The most common line access, done with the least work: a hit on a line only this CPU
    /// has touched (so no peer holds it and no transition needs a snoop), with one-word
    /// byte masks. Returns false, having changed nothing, when the access is not of that kind.
    // (`@_transparent` because `@inline(__always)` left these calls out of line in `apply`.)
    @_transparent
    mutating func privateHit<P: ReplacementPolicy>(cpu c: Int, slot: Int, lo: Int, size: Int, kind: AccessKind, _: P.Type) -> Bool {
        let cache = caches + c
        let write = kind != .load
        let record = lines.record(Int(cache.pointee.payloads[slot]))
        // No detail block: no other CPU ever touched the line (and this one holds it), so
        // no peer holds it either and the hit's transition needs no snoop.
        guard record.pointee.detail < 0 else { return false }
        cache.pointee.touch(slot: slot, P.self)
        let state = UInt64(cache.pointee.states[slot])
        let next = write ? storeHits : loadHits
        cache.pointee.states[slot] = UInt8(truncatingIfNeeded: next.states >> (state &* 8))
        if next.upgrades != 0 { counters[c].upgrades &+= next.upgrades >> state & 1 }
        countPrivateAccess(record, cpu: c, lo: lo, size: size, kind: kind)
        return true
    }

    /// The common miss, done with the least work: a line no other CPU ever touched (so no
    /// peer holds it, it was never invalidated and it has no detail block), with one-word
    /// byte masks. Returns false, having changed nothing, when the access is not of that kind.
    @_transparent
    mutating func privateMiss<P: ReplacementPolicy>(cpu c: Int, line: UInt64, index: Int, lo: Int, size: Int, kind: AccessKind,
                                                    _: P.Type) -> Bool {
        let record = lines.record(index)
        guard record.pointee.detail < 0 && Int(record.pointee.soleCPU) == c else { return false }
        let cache = caches + c
        let counter = counters + c
        let cb = UInt64(1) << UInt64(c)
        let write = kind != .load
        counter.pointee.misses &+= 1
        counter.pointee.coldMisses &+= (record.pointee.readers | record.pointee.writers) & cb == 0 ? 1 : 0
        record.pointee.misses &+= 1
        countPrivateAccess(record, cpu: c, lo: lo, size: size, kind: kind)
        let set = Int(truncatingIfNeeded: line & setMask)
        let victim = cache.pointee.victim(set: set, P.self)
        let victimState = cache.pointee.states[victim]
        if victimState != 0 {
            counter.pointee.evictions &+= 1
            counter.pointee.writebacks &+= UInt64(truncatingIfNeeded: writebackStates >> victimState & 1)
            if tracksPresence { lines.present(Int(cache.pointee.payloads[victim])).pointee &= ~cb }
        }
        cache.pointee.fill(slot: victim, line: line, state: write ? privateStoreFill : privateLoadFill,
                           payload: UInt32(truncatingIfNeeded: index), P.self)
        if tracksPresence { lines.present(index).pointee |= cb }
        return true
    }

    /// What every private line access adds: the CPU's access count, and the record's count,
    /// reader or writer and sole-CPU byte mask.
    @inline(__always)
    func countPrivateAccess(_ record: UnsafeMutablePointer<LineRecord>, cpu c: Int, lo: Int, size: Int, kind: AccessKind) {
        countAccess(cpu: c, kind: kind)
        record.pointee.accesses &+= 1
        LineRecord.markSole(record, cpuBit: UInt64(1) << UInt64(c), bits: ByteRange(lo: lo, hi: lo &+ size).bits,
                            write: kind != .load)
    }

    /// Counts a line access of `kind`: one increment, with no branch on the kind
    /// (``counters(ofCPU:)`` derives `accesses`, `reads`, `writes` and `atomics`).
    @inline(__always)
    func countAccess(cpu: Int, kind: AccessKind) {
        kindCounts[cpu &* Self.kindsPerCPU &+ Int(kind.rawValue)] &+= 1
    }

    /// Simulates one line access and returns the line's record index.
    /// `found` is the line's slot in this CPU's cache, or -1; `known` the line's record
    /// index if the caller looked it up, or -1.
    ///
    /// Out of line on purpose: inlined beside the fast paths it costs them registers
    /// (docs/performance.md has the measurement).
    @inline(never)
    mutating func lineAccess<P: ReplacementPolicy>(cpu c: Int, line: UInt64, found: Int, known: Int, lo: Int, hi: Int,
                                                   kind: AccessKind, _: P.Type) throws(OutOfMemoryError) -> Int {
        let cb = UInt64(1) << UInt64(c)
        let write = kind != .load
        let bytes = ByteRange(lo: lo, hi: hi)
        let set = Int(truncatingIfNeeded: line & setMask)
        let cache = caches + c
        let counter = counters + c
        countAccess(cpu: c, kind: kind)

        let index: Int
        if found >= 0 {
            let state = cache.pointee.states[found]
            index = Int(cache.pointee.payloads[found])
            cache.pointee.touch(slot: found, P.self)
            // Most hits change nothing (the table says so): skip the cell.
            if (write ? storeHits : loadHits).silent >> state & 1 == 0 {
                let t = transition(state, write ? .store : .load)
                if t.actions.contains(.upgrade) {
                    counter.pointee.upgrades &+= 1
                    let peers = lines.present(index).pointee & ~cb
                    if peers != 0 {
                        snoop(peers: peers, of: index, set: set, event: .peerStore, requester: c)
                    }
                }
                cache.pointee.states[found] = t.next
            }
        } else {
            index = known >= 0 ? known : try lines.index(of: line, cpu: c)
            try lines.countMiss(index: index, cpu: c, bytes: bytes, counter: counter)
            let record = lines.record(index)
            var event: ProtocolEvent = write ? .store : .load
            let peers = coherent ? lines.present(index).pointee & ~cb : 0
            if peers != 0 {
                counter.pointee.transfers &+= 1
                record.pointee.transfers &+= 1
                if !write { event = .loadShared }
                let dirtySupplier = snoop(peers: peers, of: index, set: set, event: write ? .peerStore : .peerLoad, requester: c)
                if dirtySupplier >= 0 {
                    counter.pointee.hitm &+= 1
                    record.pointee.hitm &+= 1
                }
                // The dirty owner supplies the data; with none, the lowest-numbered holder.
                let supplier = dirtySupplier >= 0 ? dirtySupplier : peers.trailingZeroBitCount
                transferCounts[supplier &* cpus &+ c] &+= 1
            }
            let t = transition(LineState.invalid.rawValue, event)
            let victim = cache.pointee.victim(set: set, P.self)
            let victimState = cache.pointee.states[victim]
            if victimState != 0 {
                counter.pointee.evictions &+= 1
                counter.pointee.writebacks &+= UInt64(truncatingIfNeeded: writebackStates >> victimState & 1)
                // The snoop filter only matters to coherent protocols (and to the checker).
                if tracksPresence {
                    lines.present(Int(cache.pointee.payloads[victim])).pointee &= ~cb
                }
            }
            cache.pointee.fill(slot: victim, line: line, state: t.next, payload: UInt32(truncatingIfNeeded: index), P.self)
            if tracksPresence { lines.present(index).pointee |= cb }
        }

        try lines.countAccess(index: index, cpu: c, bytes: bytes, write: write)
        return index
    }

    /// Applies `event` to every peer in `peers` holding line `index`; returns the peer that
    /// supplied dirty data (the requester's miss is then a hitm), or -1 when none did.
    @inline(__always)
    @discardableResult
    mutating func snoop(peers: UInt64, of index: Int, set: Int, event: ProtocolEvent, requester: Int) -> Int {
        let record = lines.record(index)
        let line = record.pointee.line
        var dirty = -1
        var invalidated = 0
        var remaining = peers
        while remaining != 0 {
            let p = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            let peer = caches + p
            let slot = peer.pointee.lookup(line: line, set: set)
            let t = transition(peer.pointee.states[slot], event)
            if t.actions.contains(.supplyDirty) { dirty = p }
            if t.actions.contains(.writeback) { counters[p].writebacks &+= 1 }
            if t.next == LineState.invalid.rawValue {
                peer.pointee.invalidate(slot: slot)
                lines.countInvalidation(index: index, cpu: p)
                invalidated &+= 1
            } else {
                peer.pointee.states[slot] = t.next
            }
        }
        counters[requester].invalidations &+= UInt64(invalidated)
        return dirty
    }

    // MARK: Copy-back and invalidate records

    /// Dinero's `c` and `v` records on `cpu`'s cache: over the lines of the range, or the
    /// whole cache when `size` is 0. Neither is an access.
    mutating func maintain(cpu: Int, kind: AccessKind, address: UInt64, size: UInt64) {
        let cache = caches + cpu
        let apply = { (engine: inout CoherenceEngine, slot: Int) in
            let state = cache.pointee.states[slot]
            guard state != 0 else { return }
            if kind == .copyBack {
                let t = engine.transition(state, .copyBack)
                if t.actions.contains(.writeback) { engine.counters[cpu].writebacks &+= 1 }
                cache.pointee.states[slot] = t.next
            } else {
                if LineState(rawValue: state)!.isDirty { engine.counters[cpu].writebacks &+= 1 }
                cache.pointee.invalidate(slot: slot)
                engine.lines.present(Int(cache.pointee.payloads[slot])).pointee &= ~(UInt64(1) << UInt64(cpu))
            }
        }
        if size == 0 {
            for slot in 0..<cache.pointee.slotCount { apply(&self, slot) }
            return
        }
        let first = address &>> lineShift
        let last = (address &+ (size &- 1)) &>> lineShift
        var line = first
        while true {
            let slot = cache.pointee.lookup(line: line, set: Int(truncatingIfNeeded: line & setMask))
            if slot >= 0 { apply(&self, slot) }
            if line == last { break }
            line &+= 1
        }
    }
}
