/// A fully associative cache of a level's capacity, kept beside the level to split its
/// misses into capacity and conflict misses (Dinero IV's `-ccc`), and the set of lines the
/// level has ever been asked for, for compulsory misses.
///
/// It replaces in LRU order, or in fill order when the level is `fifo`, as Dinero's shadow
/// follows its cache's policy; for the other policies it is LRU, the textbook definition.
/// Lines sit in a doubly linked list over flat arrays, most recent first, found through a
/// ``LineMap``: each reference costs O(1).
package struct FullyAssociativeShadow {
    let capacity: Int
    /// Hits move a line to the front (LRU); false keeps fill order (FIFO).
    let movesOnHit: Bool
    private var slotOfLine: LineMap
    private var lines: [UInt64]
    private var newer: [Int32]
    private var older: [Int32]
    private var newest: Int32 = -1
    private var oldest: Int32 = -1
    private var used = 0
    /// Invalidated slots, kept at the old end of the list.
    private var freeSlots = 0
    private var seen: LineMap
    /// Lines the level lost to coherence (a snoop or a back-invalidation) and has not been
    /// asked for since: their next miss is a coherence miss, not one of the 3Cs.
    private var lost: Set<UInt64> = []

    /// A shadow of `capacity` lines; a disabled one (capacity 0) holds and sees nothing.
    package init(lines capacity: Int, movesOnHit: Bool) {
        self.capacity = capacity
        self.movesOnHit = movesOnHit
        lines = []
        newer = []
        older = []
        lines.reserveCapacity(min(capacity, 1 << 16))
        slotOfLine = LineMap(capacity: capacity)
        seen = LineMap(capacity: capacity)
    }

    /// Records a reference to `line`: a hit refreshes it (LRU), a miss fills it, evicting
    /// the oldest line when full. `fills` false leaves a miss unfilled (a store that does not
    /// allocate), as the level does. Returns whether the shadow held the line before.
    @discardableResult
    package mutating func reference(_ line: UInt64, fills: Bool) -> Bool {
        guard capacity > 0 else { return false }
        if let slot = slotOfLine.value(of: line) {
            if movesOnHit { moveToFront(slot) }
            return true
        }
        guard fills else { return false }
        let slot: Int32
        if used < capacity {
            slot = Int32(used)
            lines.append(line)
            newer.append(-1)
            older.append(-1)
            used += 1
        } else {
            slot = oldest
            if freeSlots > 0 { freeSlots -= 1 } else { slotOfLine.remove(lines[Int(slot)]) }
            unlink(slot)
            lines[Int(slot)] = line
        }
        slotOfLine.set(line, to: slot)
        pushFront(slot)
        return false
    }

    /// True the first time a line is asked for at this level (a compulsory miss).
    package mutating func firstReference(_ line: UInt64) -> Bool { seen.set(line, to: 0) }

    /// Drops `line`, as an invalidation drops it from the level: from the shadow, and from
    /// the lines seen, so that its next reference is compulsory again (as in Dinero IV).
    package mutating func invalidate(_ line: UInt64) {
        seen.remove(line)
        guard let slot = slotOfLine.remove(line) else { return }
        unlink(slot)
        // The freed slot goes to the old end, to be reused by the next fill.
        newer[Int(slot)] = oldest
        older[Int(slot)] = -1
        if oldest >= 0 { older[Int(oldest)] = slot } else { newest = slot }
        oldest = slot
        lines[Int(slot)] = UInt64.max
        freeSlots += 1
    }

    /// Drops the lines of `range` (Dinero IV's invalidate record), walking whichever is
    /// smaller: the range or the lines known.
    package mutating func invalidate(lines range: ClosedRange<UInt64>) {
        // The shadow holds at most `capacity` lines, but `seen` grows with the trace.
        if range.upperBound - range.lowerBound < UInt64(seen.count + capacity) {
            for line in range { invalidate(line) }
        } else {
            for line in Set(seen.lines.filter { range.contains($0) }).union(slotOfLine.lines.filter { range.contains($0) }) {
                invalidate(line)
            }
        }
    }

    /// Drops `line` because coherence took it from the level (not a record of the trace).
    package mutating func loseToCoherence(_ line: UInt64) {
        guard capacity > 0 else { return }
        let wasSeen = seen.contains(line)
        invalidate(line)
        if wasSeen { seen.set(line, to: 0) }
        lost.insert(line)
    }

    /// True, once, when `line` was lost to coherence since it was last asked for.
    package mutating func wasLost(_ line: UInt64) -> Bool { !lost.isEmpty && lost.remove(line) != nil }

    /// Drops every line.
    package mutating func invalidateAll() {
        self = FullyAssociativeShadow(lines: capacity, movesOnHit: movesOnHit)
    }

    private mutating func moveToFront(_ slot: Int32) {
        guard slot != newest else { return }
        unlink(slot)
        pushFront(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let n = newer[Int(slot)], o = older[Int(slot)]
        if n >= 0 { older[Int(n)] = o } else { newest = o }
        if o >= 0 { newer[Int(o)] = n } else { oldest = n }
    }

    private mutating func pushFront(_ slot: Int32) {
        newer[Int(slot)] = -1
        older[Int(slot)] = newest
        if newest >= 0 { newer[Int(newest)] = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
