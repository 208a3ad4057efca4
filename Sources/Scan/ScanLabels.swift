import CPUModel
import MTrace
import Reports

/// A labeled object: a named range of guest memory, from a label record, a per-CPU
/// segment or the ELF symbol table.
public struct ScanObject: Equatable, Sendable {
    /// Unique per label (a freed and reallocated address gets a new id); 0 is never used.
    public var id: UInt64
    public var name: String
    public var base: UInt64
    public var size: UInt64
    public var type: MTraceLabelType
    /// The allocation site, for heap objects.
    public var allocPC: UInt64

    /// One past the last byte (saturated at 2^64 − 1).
    public var end: UInt64 {
        let (e, overflow) = base.addingReportingOverflow(size)
        return overflow ? .max : e
    }

    /// `name+0x10`, or `name` at offset 0.
    public func label(_ address: UInt64) -> String {
        address == base ? name : "\(name)+\(hex(address &- base))"
    }
}

/// Intervals [start, end) keyed by start, in a treap whose nodes also keep the largest end
/// below them, so that the innermost interval holding an address and every interval
/// overlapping a range are found without scanning. Flat arrays, no node objects.
struct IntervalMap<Value> {
    private var starts: [UInt64] = []
    private var ends: [UInt64] = []
    private var maxEnds: [UInt64] = []
    /// Node `n`'s children: `children[2n]` on the left (smaller starts), `children[2n + 1]`
    /// on the right, -1 for none. One array indexed by side, so that each operation on the
    /// tree is written once for both mirror images.
    private var children: [Int] = []
    private var priorities: [UInt64] = []
    private var values: [Value?] = []
    private var free: [Int] = []
    private var root = -1
    private var random = SplitMix64(seed: 0x5CA7)
    private(set) var count = 0

    /// Inserts [start, end), replacing (and returning) the value of an interval with the same start.
    @discardableResult
    mutating func insert(start: UInt64, end: UInt64, _ value: Value) -> Value? {
        let old = remove(start: start)
        let node: Int
        if let reused = free.popLast() {
            node = reused
            starts[node] = start; ends[node] = end; maxEnds[node] = end
            children[2 * node] = -1; children[2 * node + 1] = -1; priorities[node] = random.next(); values[node] = value
        } else {
            node = starts.count
            starts.append(start); ends.append(end); maxEnds.append(end)
            children.append(-1); children.append(-1); priorities.append(random.next()); values.append(value)
        }
        root = insert(node, into: root)
        count += 1
        return old
    }

    /// Removes the interval starting at `start`; returns its value.
    @discardableResult
    mutating func remove(start: UInt64) -> Value? {
        var removed: Value?
        root = remove(start, from: root, removed: &removed)
        if removed != nil { count -= 1 }
        return removed
    }

    /// The value of the interval starting exactly at `start`.
    func value(startingAt start: UInt64) -> Value? {
        var n = root
        while n >= 0 {
            if start == starts[n] { return values[n] }
            n = child(n, start < starts[n] ? 0 : 1)
        }
        return nil
    }

    /// The interval with the largest start that holds `address`: the innermost of nested ones.
    func innermost(containing address: UInt64) -> Value? {
        let n = innermost(address, root)
        return n >= 0 ? values[n] : nil
    }

    /// Every interval overlapping [lo, hi), in order of start.
    func overlapping(_ lo: UInt64, _ hi: UInt64) -> [Value] {
        var out: [Value] = []
        collect(lo, hi, root, &out)
        return out
    }

    /// True when some interval overlaps [lo, hi).
    func overlaps(_ lo: UInt64, _ hi: UInt64) -> Bool { any(lo, hi, root) }

    // MARK: Treap internals

    /// `n`'s child on `side`: 0 the left, 1 the right.
    private func child(_ n: Int, _ side: Int) -> Int { children[2 * n + side] }
    private func left(_ n: Int) -> Int { children[2 * n] }
    private func right(_ n: Int) -> Int { children[2 * n + 1] }

    private mutating func update(_ n: Int) {
        var m = ends[n]
        if left(n) >= 0 { m = max(m, maxEnds[left(n)]) }
        if right(n) >= 0 { m = max(m, maxEnds[right(n)]) }
        maxEnds[n] = m
    }

    /// Lifts `n`'s child on `side` into `n`'s place, `n` becoming its child on the other
    /// side (a right rotation for the left child, a left one for the right); returns the
    /// subtree's new root.
    private mutating func rotate(_ n: Int, lifting side: Int) -> Int {
        let top = child(n, side)
        children[2 * n + side] = child(top, 1 - side)
        children[2 * top + 1 - side] = n
        update(n)
        update(top)
        return top
    }

    private mutating func insert(_ node: Int, into n: Int) -> Int {
        guard n >= 0 else { return node }
        let side = starts[node] < starts[n] ? 0 : 1
        let below = insert(node, into: child(n, side))
        children[2 * n + side] = below
        update(n)
        return priorities[below] > priorities[n] ? rotate(n, lifting: side) : n
    }

    private mutating func remove(_ start: UInt64, from n: Int, removed: inout Value?) -> Int {
        guard n >= 0 else { return -1 }
        if start != starts[n] {
            let side = start < starts[n] ? 0 : 1
            children[2 * n + side] = remove(start, from: child(n, side), removed: &removed)
            update(n)
            return n
        }
        if left(n) < 0 || right(n) < 0 {
            removed = values[n]
            values[n] = nil
            free.append(n)
            return left(n) >= 0 ? left(n) : right(n)
        }
        // Rotate the node down below its higher-priority child, then remove it there.
        let side = priorities[left(n)] > priorities[right(n)] ? 0 : 1
        let top = rotate(n, lifting: side)
        children[2 * top + 1 - side] = remove(start, from: child(top, 1 - side), removed: &removed)
        update(top)
        return top
    }

    private func innermost(_ address: UInt64, _ n: Int) -> Int {
        guard n >= 0, maxEnds[n] > address else { return -1 }
        if starts[n] > address { return innermost(address, left(n)) }
        let r = innermost(address, right(n))
        if r >= 0 { return r }
        if ends[n] > address { return n }
        return innermost(address, left(n))
    }

    private func collect(_ lo: UInt64, _ hi: UInt64, _ n: Int, _ out: inout [Value]) {
        guard n >= 0, maxEnds[n] > lo else { return }
        collect(lo, hi, left(n), &out)
        guard starts[n] < hi else { return }
        if ends[n] > lo, let v = values[n] { out.append(v) }
        collect(lo, hi, right(n), &out)
    }

    private func any(_ lo: UInt64, _ hi: UInt64, _ n: Int) -> Bool {
        guard n >= 0, maxEnds[n] > lo else { return false }
        if starts[n] < hi && ends[n] > lo { return true }
        if any(lo, hi, left(n)) { return true }
        return starts[n] < hi && any(lo, hi, right(n))
    }
}

/// The labeled objects at each moment of a log, as mscan kept them: label records add and
/// remove objects (block labels in a map of their own, consulted last), ELF statics are
/// there from the start, and a per-CPU segment record instantiates the program's per-CPU
/// symbols in that CPU's segment (or, without symbols, labels the segment itself).
///
/// A class: it is consulted on every access, and a struct of this many arrays would be
/// copied (and every array retained) by each look-up through a property.
public final class LabelMap {
    @exclusivity(unchecked) private var objects = IntervalMap<ScanObject>()
    @exclusivity(unchecked) private var blocks = IntervalMap<ScanObject>()
    @exclusivity(unchecked) private var segments = IntervalMap<ScanObject>()
    private var perCPUTemplates: [ELFSymbol] = []
    private var perCPUBase: UInt64 = 0
    private var nextID: UInt64 = 1
    /// Label records whose start was already labeled (the old label is replaced).
    public private(set) var relabeled: UInt64 = 0
    /// Unlabel records (bytes 0) with no label at their address.
    public private(set) var unmatchedUnlabels: UInt64 = 0

    public init(symbols: ScanSymbols? = nil) {
        guard let symbols else { return }
        for s in symbols.objects {
            if let range = symbols.perCPURange, range.contains(s.address) {
                perCPUTemplates.append(s)
            } else {
                add(name: s.name, base: s.address, size: s.size, type: .static, allocPC: 0)
            }
        }
        perCPUBase = symbols.perCPURange?.lowerBound ?? 0
    }

    /// Live objects (blocks and segments not included).
    public var count: Int { objects.count }

    /// Applies a label record: `bytes > 0` labels, `bytes == 0` unlabels.
    public func apply(_ label: MTraceLabel) {
        if label.bytes == 0 {
            let removed = label.labelType == .block
                ? blocks.remove(start: label.guestAddress) : objects.remove(start: label.guestAddress)
            if removed == nil { unmatchedUnlabels += 1 }
            return
        }
        add(name: label.name.string, base: label.guestAddress, size: label.bytes, type: label.labelType, allocPC: label.pc)
    }

    /// Applies a segment record.
    public func apply(_ segment: MTraceSegment) {
        guard segment.objectType == .percpu, segment.endAddress > segment.baseAddress else { return }
        if perCPUTemplates.isEmpty {
            let object = ScanObject(id: nextID, name: "percpu@cpu\(segment.cpu)", base: segment.baseAddress,
                                    size: segment.endAddress - segment.baseAddress, type: .percpu, allocPC: 0)
            nextID += 1
            segments.insert(start: object.base, end: object.end, object)
            return
        }
        for t in perCPUTemplates {
            let base = segment.baseAddress &+ (t.address &- perCPUBase)
            guard base >= segment.baseAddress, base &+ t.size <= segment.endAddress else { continue }
            add(name: "\(t.name)@cpu\(segment.cpu)", base: base, size: t.size, type: .percpu, allocPC: 0)
        }
    }

    private func add(name: String, base: UInt64, size: UInt64, type: MTraceLabelType, allocPC: UInt64) {
        let object = ScanObject(id: nextID, name: name, base: base, size: size, type: type, allocPC: allocPC)
        nextID += 1
        let replaced = type == .block
            ? blocks.insert(start: base, end: object.end, object) : objects.insert(start: base, end: object.end, object)
        if replaced != nil { relabeled += 1 }
    }

    /// The innermost object holding `address`: labeled objects first, then blocks, then
    /// per-CPU segments.
    public func object(at address: UInt64) -> ScanObject? {
        objects.innermost(containing: address) ?? blocks.innermost(containing: address)
            ?? segments.innermost(containing: address)
    }

    /// Every labeled object (not blocks or segments) overlapping [lo, hi), by address.
    public func objects(overlapping lo: UInt64, _ hi: UInt64) -> [ScanObject] {
        objects.overlapping(lo, hi)
    }

    /// `name+0x10` for `address`, or nil when no object holds it.
    public func label(_ address: UInt64) -> String? { object(at: address)?.label(address) }
}
