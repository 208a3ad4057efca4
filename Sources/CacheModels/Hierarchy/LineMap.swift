/// An open-addressing hash map from line numbers to non-negative 32-bit values, in flat
/// arrays with linear probing and backward-shift deletion: the 3C shadows look a line up on
/// every reference, where `Dictionary`'s seeded hashing would cost more than the cache.
package struct LineMap {
    package private(set) var count = 0
    private var keys: [UInt64]
    /// -1 where the slot is empty.
    private var values: [Int32]
    private var shift: UInt64

    /// A map for about `capacity` lines (it grows past that).
    package init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: -1, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    @inline(__always)
    private func home(_ line: UInt64) -> Int { Int(truncatingIfNeeded: (line &* 0x9E37_79B9_7F4A_7C15) &>> shift) }

    /// The slot holding `line`, or the empty slot where it would go.
    @inline(__always)
    private func probe(_ line: UInt64) -> Int {
        let mask = keys.count &- 1
        var i = home(line)
        while values[i] >= 0 && keys[i] != line { i = (i &+ 1) & mask }
        return i
    }

    @inline(__always)
    package func value(of line: UInt64) -> Int32? {
        let i = probe(line)
        return values[i] >= 0 ? values[i] : nil
    }

    @inline(__always)
    package func contains(_ line: UInt64) -> Bool { values[probe(line)] >= 0 }

    /// Sets `line`'s value; returns false when the line was there already (its value is replaced).
    @discardableResult
    package mutating func set(_ line: UInt64, to value: Int32) -> Bool {
        precondition(value >= 0, "values are non-negative")
        var i = probe(line)
        if values[i] >= 0 {
            values[i] = value
            return false
        }
        if 2 * (count + 1) > keys.count {
            grow()
            i = probe(line)
        }
        keys[i] = line
        values[i] = value
        count += 1
        return true
    }

    /// Removes `line`; returns its value, or nil when it was not there.
    @discardableResult
    package mutating func remove(_ line: UInt64) -> Int32? {
        let mask = keys.count &- 1
        var i = probe(line)
        guard values[i] >= 0 else { return nil }
        let removed = values[i]
        values[i] = -1
        count -= 1
        // Backward shift: move later entries of the run into the hole when their home allows.
        var j = i
        while true {
            j = (j &+ 1) & mask
            guard values[j] >= 0 else { break }
            let h = home(keys[j])
            // j's entry may fill hole i unless its home lies cyclically in (i, j].
            let between = i <= j ? (h > i && h <= j) : (h > i || h <= j)
            if !between {
                keys[i] = keys[j]
                values[i] = values[j]
                values[j] = -1
                i = j
            }
        }
        return removed
    }

    /// Every line in the map (in no particular order).
    package var lines: [UInt64] { keys.indices.filter { values[$0] >= 0 }.map { keys[$0] } }

    private mutating func grow() {
        let old = zip(keys, values).filter { $0.1 >= 0 }
        self = LineMap(capacity: keys.count)
        for (k, v) in old { set(k, to: v) }
    }
}
