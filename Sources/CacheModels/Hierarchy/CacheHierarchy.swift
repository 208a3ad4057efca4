import MTrace

/// One CPU's cache hierarchy without coherence: data levels nearest first, an optional
/// instruction cache beside the first, memory below. Each level is a set-associative cache
/// with its own policy and counters; a level's misses reach the level below as reads (or
/// instruction fetches), its write-throughs and dirty evictions as writes, exactly as
/// Dinero IV passes references between levels (docs/hierarchy.md has the rules).
///
/// Call ``deallocate()`` exactly once.
public struct CacheHierarchy {
    public let settings: HierarchySettings
    /// Data levels nearest first, then the instruction cache when there is one.
    private var levels: [Level]
    private let lineShift: UInt64
    private let lineSize: Int
    /// The level instruction fetches go to, or nil when they are not simulated.
    private let instructionLevel: Int?
    public private(set) var memoryReads: UInt64 = 0
    public private(set) var memoryWrites: UInt64 = 0
    /// Cycles of every line access (see ``reference(_:_:line:wholeLine:)`` for the cost model).
    public private(set) var cycles: UInt64 = 0
    /// Line accesses the CPU made (instruction fetches included when they are simulated).
    public private(set) var lineAccesses: UInt64 = 0

    private struct Level {
        var cache: CacheArray
        let hooks: PolicyHooks
        var shadow: FullyAssociativeShadow
        var counters = LevelCounters()
        let settings: LevelSettings
        /// The index of the level below, or -1 for memory.
        let below: Int
    }

    private static let clean: UInt8 = 1
    private static let dirty: UInt8 = 2

    /// - Parameter seed: seeds the levels' `random` and `brrip` streams (each its own).
    /// Throws ``GeometryError`` for a way count a policy cannot serve and
    /// ``CacheMemoryError`` when the system refuses the tag arrays.
    public init(_ settings: HierarchySettings, seed: UInt64) throws {
        let lineSize = settings.data[0].geometry.lineSize
        precondition((settings.data + [settings.instruction].compactMap { $0 }).allSatisfy { $0.geometry.lineSize == lineSize },
                     "every level has the first level's line size")
        self.settings = settings
        self.lineSize = lineSize
        lineShift = UInt64(settings.data[0].geometry.lineShift)
        var specs = settings.data.enumerated().map { ($0.element, $0.offset + 1 < settings.data.count ? $0.offset + 1 : -1) }
        if let i = settings.instruction {
            specs.append((i, settings.data.count > 1 ? 1 : -1))
            instructionLevel = specs.count - 1
        } else {
            instructionLevel = nil
        }
        var levels: [Level] = []
        do {
            for (index, (spec, below)) in specs.enumerated() {
                let cache = try CacheArray(geometry: spec.geometry, replacement: spec.replacement,
                                           seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                let shadow = FullyAssociativeShadow(lines: settings.classifiesMisses ? spec.geometry.sets * spec.geometry.ways : 0,
                                                    movesOnHit: spec.replacement != .fifo)
                levels.append(Level(cache: cache, hooks: PolicyHooks(spec.replacement), shadow: shadow,
                                    settings: spec, below: below))
            }
        } catch {
            for level in levels { level.cache.deallocate() }
            throw error
        }
        self.levels = levels
    }

    public func deallocate() {
        for level in levels { level.cache.deallocate() }
    }

    /// The data levels' counters, nearest first.
    public var dataCounters: [LevelCounters] { levels[..<settings.data.count].map(\.counters) }
    /// The instruction cache's counters, when there is one.
    public var instructionCounters: LevelCounters? { instructionLevel.map { levels[$0].counters } }

    /// Simulates one access: each line it touches is one reference to the first level
    /// (stores and atomics write; instruction fetches go to the instruction cache, and are
    /// skipped without one; copy-back and invalidate records are not accesses).
    public mutating func access(_ access: Access) {
        let first: Int
        let kind: ReferenceKind
        switch access.kind {
        case .load: (first, kind) = (0, .read)
        case .store, .atomic: (first, kind) = (0, .write)
        case .fetch:
            guard let i = instructionLevel else { return }
            (first, kind) = (i, .fetch)
        case .copyBack, .invalidate:
            // Dinero IV's flush and invalidate records: on the data side, passed down to memory.
            let lines = access.size == 0 ? nil : lineRange(access.address, size: UInt64(access.size))
            if access.kind == .copyBack { copyBack(0, lines: lines) } else { invalidate(0, lines: lines) }
            return
        }
        let size = UInt64(max(access.size, 1))
        let firstLine = access.address >> lineShift
        let (end, overflow) = access.address.addingReportingOverflow(size - 1)
        let lastLine = overflow ? UInt64.max >> lineShift : end >> lineShift
        var line = firstLine
        while true {
            // The bytes of this access inside this line, to tell a whole-line store.
            let lineStart = line << lineShift
            let from = max(access.address, lineStart)
            let to = min(overflow ? UInt64.max : end, lineStart &+ UInt64(lineSize) &- 1)
            let whole = to &- from &+ 1 == UInt64(lineSize)
            lineAccesses &+= 1
            cycles &+= reference(first, kind, line: line, wholeLine: whole)
            if line == lastLine { break }
            line &+= 1
        }
    }

    /// Writes every dirty line back, level by level down to memory, as Dinero IV does when
    /// its trace ends, so that the writes each level and memory saw account for every store.
    /// Call it once, after the last access.
    public mutating func finish() { copyBack(0, lines: nil) }

    /// The lines that `size` bytes from `address` touch (clipped at the end of the address space).
    private func lineRange(_ address: UInt64, size: UInt64) -> ClosedRange<UInt64> {
        let (end, overflow) = address.addingReportingOverflow(size - 1)
        return (address >> lineShift)...((overflow ? UInt64.max : end) >> lineShift)
    }

    /// Writes back the dirty lines of level `index` among `lines` (all when nil), then has the
    /// level below do the same. A whole level goes set by set from the last, each set's
    /// lines from the oldest stamp: the order Dinero IV's pending stack processes them in.
    private mutating func copyBack(_ index: Int, lines: ClosedRange<UInt64>?) {
        guard index >= 0 else { return }
        let cache = levels[index].cache
        let dirty = cache.dirtySlotsInCopyBackOrder(lines, isDirty: { cache.states[$0] == Self.dirty })
        let below = levels[index].below
        for slot in dirty {
            cache.states[slot] = Self.clean
            levels[index].counters.writebacks &+= 1
            levels[index].counters.writesBelow &+= 1
            _ = reference(below, .write, line: cache.tags[slot], wholeLine: true)
        }
        copyBack(below, lines: lines)
    }

    /// Drops the lines of level `index` among `lines` (all when nil) without writing them
    /// back, then has the level below do the same (Dinero IV's invalidate).
    private mutating func invalidate(_ index: Int, lines: ClosedRange<UInt64>?) {
        guard index >= 0 else { return }
        let cache = levels[index].cache
        for slot in cache.slotsHolding(lines) { cache.invalidate(slot: slot) }
        if let lines { levels[index].shadow.invalidate(lines: lines) } else { levels[index].shadow.invalidateAll() }
        invalidate(levels[index].below, lines: lines)
    }

    enum ReferenceKind { case read, write, fetch }

    /// One reference to level `index`; returns its cost in cycles: the level's latency, plus
    /// the cost of fetching the line from below on a miss (memory's latency at the bottom).
    /// Writes passed down (write-throughs, writebacks, stores that do not allocate) are off
    /// the critical path and cost nothing.
    ///
    /// The order follows Dinero IV: the level updates itself first (choosing the victim,
    /// then marking the line dirty for a write-back store), then passes down, in order, the
    /// fetch of a missing line, a write-through, and the dirty victim.
    private mutating func reference(_ index: Int, _ kind: ReferenceKind, line: UInt64, wholeLine: Bool) -> UInt64 {
        if index < 0 {
            if kind == .write {
                memoryWrites &+= 1
                return 0
            }
            memoryReads &+= 1
            return UInt64(settings.memoryLatency)
        }
        let set = levels[index].cache.geometry.setIndex(ofLine: line)
        let found = levels[index].cache.lookup(line: line, set: set)
        let miss = found < 0
        let isWrite = kind == .write
        let allocates = !isWrite || !miss || levels[index].settings.writeAllocate
        var victimLine: UInt64?
        var writesBack = false
        if allocates {
            var slot = found
            if miss {
                slot = levels[index].hooks.victim(&levels[index].cache, set)
                if levels[index].cache.states[slot] == Self.dirty {
                    victimLine = levels[index].cache.tags[slot]
                    levels[index].counters.writebacks &+= 1
                }
                levels[index].hooks.fill(&levels[index].cache, slot, line, Self.clean, 0)
            } else {
                levels[index].hooks.touch(&levels[index].cache, slot)
            }
            writesBack = isWrite && levels[index].settings.writeBack
            if writesBack { levels[index].cache.states[slot] = Self.dirty }
        }

        // The 3C split, against the shadow as it was before this reference.
        let shadowHit = levels[index].shadow.reference(line, fills: !isWrite || levels[index].settings.writeAllocate)
        if miss && settings.classifiesMisses {
            if shadowHit {
                levels[index].counters.conflictMisses &+= 1
            } else if levels[index].shadow.firstReference(line) {
                levels[index].counters.compulsoryMisses &+= 1
            } else {
                levels[index].counters.capacityMisses &+= 1
            }
        }
        switch kind {
        case .read:
            levels[index].counters.reads &+= 1
            if miss { levels[index].counters.readMisses &+= 1 }
        case .write:
            levels[index].counters.writes &+= 1
            if miss { levels[index].counters.writeMisses &+= 1 }
        case .fetch:
            levels[index].counters.instructionFetches &+= 1
            if miss { levels[index].counters.instructionFetchMisses &+= 1 }
        }

        let below = levels[index].below
        var cost = UInt64(levels[index].settings.latency)
        // A store that fills a whole line needs nothing from below.
        if miss && (!isWrite || (allocates && !wholeLine)) {
            levels[index].counters.readsBelow &+= 1
            cost &+= reference(below, kind == .fetch ? .fetch : .read, line: line, wholeLine: true)
        }
        if isWrite && !writesBack {
            levels[index].counters.writesBelow &+= 1
            _ = reference(below, .write, line: line, wholeLine: wholeLine)
        }
        if let victimLine {
            levels[index].counters.writesBelow &+= 1
            _ = reference(below, .write, line: victimLine, wholeLine: true)
        }
        return cost
    }
}
