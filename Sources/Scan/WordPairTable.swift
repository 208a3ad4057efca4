/// A hash table from a pair of 64-bit words to a 64-bit word: open addressing, linear
/// probing, no deletion, one flat buffer. The scan's per-access counters (by address, by
/// line and CPU, by pc) live in these, at a fraction of the cost of `Dictionary`, whose
/// per-lookup hashing and per-value reference counting dominated a scan.
final class WordPairTable {
    private struct Slot {
        var a: UInt64
        var b: UInt64
        var value: UInt64
        var used: Bool
    }

    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Slot>
    @exclusivity(unchecked) private var mask: Int
    /// Keys held.
    @exclusivity(unchecked) private(set) var count = 0

    init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n *= 2 }
        mask = n - 1
        slots = .allocate(capacity: n)
        slots.initialize(repeating: Slot(a: 0, b: 0, value: 0, used: false), count: n)
    }

    deinit {
        slots.deallocate()
    }

    @inline(__always)
    private func home(_ a: UInt64, _ b: UInt64) -> Int {
        var h = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019)
        h ^= h >> 31
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The slot of (a, b), inserted with `value` when absent; `inserted` says which.
    @inline(__always)
    func slot(_ a: UInt64, _ b: UInt64, inserting value: UInt64 = 0) -> (slot: Int, inserted: Bool) {
        var i = home(a, b)
        while slots[i].used {
            if slots[i].a == a && slots[i].b == b { return (i, false) }
            i = (i + 1) & mask
        }
        // At most half full: linear probing stays near two probes per look-up.
        if (count + 1) * 2 > mask + 1 {
            grow()
            return slot(a, b, inserting: value)
        }
        slots[i] = Slot(a: a, b: b, value: value, used: true)
        count += 1
        return (i, true)
    }

    /// Adds `n` to the value of (a, b) (absent counts as 0).
    @inline(__always)
    func add(_ a: UInt64, _ b: UInt64, _ n: UInt64 = 1) {
        let s = slot(a, b).slot
        slots[s].value &+= n
    }

    /// The value in a slot returned by ``slot(_:_:inserting:)`` (valid until the next insertion).
    @inline(__always)
    subscript(slot s: Int) -> UInt64 {
        get { slots[s].value }
        set { slots[s].value = newValue }
    }

    /// The value of (a, b), or nil.
    func value(_ a: UInt64, _ b: UInt64) -> UInt64? {
        var i = home(a, b)
        while slots[i].used {
            if slots[i].a == a && slots[i].b == b { return slots[i].value }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Every (a, b, value), in no particular order.
    func forEach(_ body: (UInt64, UInt64, UInt64) throws -> Void) rethrows {
        for i in 0...mask where slots[i].used { try body(slots[i].a, slots[i].b, slots[i].value) }
    }

    private func grow() {
        let old = slots
        let oldCount = mask + 1
        mask = oldCount * 2 - 1
        slots = .allocate(capacity: oldCount * 2)
        slots.initialize(repeating: Slot(a: 0, b: 0, value: 0, used: false), count: oldCount * 2)
        for i in 0..<oldCount where old[i].used {
            var j = home(old[i].a, old[i].b)
            while slots[j].used { j = (j + 1) & mask }
            slots[j] = old[i]
        }
        old.deallocate()
    }
}
