/// Bytes [lo, hi) of one line, with the one-word mask precomputed for lines ≤ 64 bytes.
struct ByteRange {
    let lo: Int
    let hi: Int
    /// The bytes as a mask, for lines ≤ 64 bytes (one-word masks; meaningless otherwise).
    let bits: UInt64

    @inline(__always)
    init(lo: Int, hi: Int) {
        self.lo = lo
        self.hi = hi
        // 1...64 ones from bit lo (with one word, lo + count ≤ 64); no branch.
        bits = ((~0 as UInt64) &>> UInt64(truncatingIfNeeded: 64 &- (hi &- lo))) &<< UInt64(truncatingIfNeeded: lo)
    }
}

/// The per-line bookkeeping every engine shares (docs/semantics.md §5 and §6): how a miss
/// is classified, what an access and an invalidation leave in the line's record.
extension LineTable {
    /// Counts a miss of `cpu` on record `index` in `counter` and the record: cold (the
    /// CPU's first touch), coherence (its copy was invalidated; true sharing when it now
    /// touches bytes written since, else false sharing), or neither (a replacement miss).
    @inline(__always)
    mutating func countMiss(index: Int, cpu c: Int, bytes: ByteRange,
                            counter: UnsafeMutablePointer<CoherenceCounters>) throws(OutOfMemoryError) {
        let cb = UInt64(1) << UInt64(c)
        _ = try masks(of: index, cpu: c)  // gives the line a detail block on a second CPU's first touch
        let record = self.record(index)
        counter.pointee.misses &+= 1
        record.pointee.misses &+= 1
        if (record.pointee.readers | record.pointee.writers) & cb == 0 {
            counter.pointee.coldMisses &+= 1
        } else if record.pointee.invalidated & cb != 0 {
            counter.pointee.coherenceMisses &+= 1
            if intersects(pendingMasks(of: index) + c &* maskWords, bytes) {
                counter.pointee.trueSharingMisses &+= 1
                record.pointee.trueSharing &+= 1
            } else {
                counter.pointee.falseSharingMisses &+= 1
                record.pointee.falseSharing &+= 1
            }
            record.pointee.invalidated &= ~cb
        }
    }

    /// Records an access of `cpu` to `bytes` of record `index`: the access count, reader or
    /// writer, the byte masks, and for a store the bytes that CPUs whose copies are invalid
    /// will find written (which decides their next miss's class).
    @inline(__always)
    mutating func countAccess(index: Int, cpu c: Int, bytes: ByteRange, write: Bool) throws(OutOfMemoryError) {
        let cb = UInt64(1) << UInt64(c)
        let record = self.record(index)
        record.pointee.accesses &+= 1
        let masks = try masks(of: index, cpu: c)
        let writing: UInt64 = write ? ~0 : 0
        record.pointee.readers |= cb & ~writing
        record.pointee.writers |= cb & writing
        mark(write ? masks.write : masks.read, bytes)
        if write {
            var waiting = record.pointee.invalidated & ~cb
            if waiting != 0 {
                let pending = pendingMasks(of: index)
                repeat {
                    let d = waiting.trailingZeroBitCount
                    waiting &= waiting &- 1
                    mark(pending + d &* maskWords, bytes)
                } while waiting != 0
            }
        }
    }

    /// Records that `cpu`'s copy of record `index` was invalidated by a peer's store: it
    /// leaves the snoop filter, and its next miss will be a coherence miss.
    @inline(__always)
    func countInvalidation(index: Int, cpu p: Int) {
        let pb = UInt64(1) << UInt64(p)
        present(index).pointee &= ~pb
        record(index).pointee.invalidated |= pb
        record(index).pointee.invalidations &+= 1
        (pendingMasks(of: index) + p &* maskWords).update(repeating: 0, count: maskWords)
    }

    @inline(__always)
    func mark(_ mask: UnsafeMutablePointer<UInt64>, _ bytes: ByteRange) {
        if maskWords == 1 {
            mask.pointee |= bytes.bits
            return
        }
        var b = bytes.lo
        while b < bytes.hi {
            let start = b & 63
            let n = min(bytes.hi &- b, 64 &- start)
            mask[b >> 6] |= n == 64 ? ~0 : ((1 << UInt64(n)) &- 1) << UInt64(start)
            b &+= n
        }
    }

    @inline(__always)
    func intersects(_ mask: UnsafeMutablePointer<UInt64>, _ bytes: ByteRange) -> Bool {
        if maskWords == 1 { return mask.pointee & bytes.bits != 0 }
        var b = bytes.lo
        while b < bytes.hi {
            let start = b & 63
            let n = min(bytes.hi &- b, 64 &- start)
            if mask[b >> 6] & (n == 64 ? ~0 : ((1 << UInt64(n)) &- 1) << UInt64(start)) != 0 { return true }
            b &+= n
        }
        return false
    }
}
