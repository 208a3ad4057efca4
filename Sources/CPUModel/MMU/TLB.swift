// The per-hart TLB: three direct-mapped tables (fetch, load, store) of 4 KiB virtual
// pages that lie in RAM, each entry mapping a virtual page number to the RAM offset of its
// frame. An entry is filled only when every byte of the page is allowed (page table,
// PMP, no armed trigger), so a hit needs no further check.

/// One TLB entry: `tag` is the virtual page number (`invalidTag` when empty); the RAM
/// offset of a virtual address `va` on the page is `va &+ delta`.
@usableFromInline
struct TLBEntry {
    @usableFromInline var tag: UInt64
    @usableFromInline var delta: UInt64
}

enum TLB {
    /// Entries per table (a power of two).
    static let entries = 256
    static let mask: UInt64 = UInt64(entries - 1)
    /// Entries per hart: fetch, load, store tables one after another.
    static let perHart = 3 * entries
    static let invalidTag = UInt64.max
    static let empty = TLBEntry(tag: invalidTag, delta: 0)

    @inline(__always)
    static func slot(_ virtual: UInt64) -> Int { Int(truncatingIfNeeded: (virtual >> 12) & mask) }

    /// The table of `type` inside a hart's block.
    @inline(__always)
    static func table(_ block: UnsafeMutablePointer<TLBEntry>, _ type: AccessType) -> UnsafeMutablePointer<TLBEntry> {
        block + Int(type.rawValue) * entries
    }

    /// Looks `virtual` up: its RAM offset, or nil on a miss.
    @inline(__always)
    static func lookup(_ table: UnsafeMutablePointer<TLBEntry>, _ virtual: UInt64) -> UInt64? {
        let e = table[slot(virtual)]
        return e.tag == virtual >> 12 ? virtual &+ e.delta : nil
    }

    static func insert(_ table: UnsafeMutablePointer<TLBEntry>, virtual: UInt64, ramOffset: UInt64) {
        table[slot(virtual)] = TLBEntry(tag: virtual >> 12, delta: (ramOffset & ~0xfff) &- (virtual & ~0xfff))
    }

    static func flush(_ block: UnsafeMutablePointer<TLBEntry>) {
        block.update(repeating: empty, count: perHart)
    }

    /// Drops the entries for the page of `virtual` in all three tables.
    static func flush(_ block: UnsafeMutablePointer<TLBEntry>, page virtual: UInt64) {
        for type in [AccessType.fetch, .load, .store] {
            let t = table(block, type)
            if t[slot(virtual)].tag == virtual >> 12 { t[slot(virtual)] = empty }
        }
    }
}
