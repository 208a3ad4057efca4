import MTrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tag store of one set-associative cache: per way a tag, a one-byte state, a 32-bit
/// word for the owner (the coherence engine keeps its line-record index there, so a hit
/// needs no hash lookup), and the replacement policy's state.
///
/// A value with flat, manually managed storage: the hot loop reaches it through an
/// `UnsafeMutablePointer<CacheArray>` with no reference counting or exclusivity checks.
/// Call ``deallocate()`` exactly once. Slots are numbered `set * ways + way`.
public struct CacheArray {
    public let geometry: CacheGeometry
    public let replacement: ReplacementKind
    public let ways: Int
    /// Line number per slot, ``noLine`` where the way is invalid.
    public let tags: UnsafeMutablePointer<UInt64>
    /// 0 = invalid; any other value is the owner's (a coherence state).
    public let states: UnsafeMutablePointer<UInt8>
    /// The owner's word per slot.
    public let payloads: UnsafeMutablePointer<UInt32>
    /// LRU: tick of last use; FIFO: tick of fill; 0 for an invalid way. Unused by random and plru.
    @usableFromInline let stamps: UnsafeMutablePointer<UInt64>
    /// PLRU: one word of tree bits per set (ways ≤ 64).
    @usableFromInline let treeBits: UnsafeMutablePointer<UInt64>
    @usableFromInline var tick: UInt64 = 0
    @usableFromInline var random: SplitMix64

    /// Largest ways for `plru` (its tree bits fit one word).
    public static let maximumPLRUWays = 64

    /// Bytes per slot: a tag (8), a state (1), an owner word (4) and a stamp (8).
    public static let bytesPerSlot = 8 + 1 + 4 + 8
    /// Bytes per set: a word of PLRU tree bits.
    public static let bytesPerSet = 8

    /// The bytes one cache of `geometry` allocates (and touches) when it is made, whatever
    /// its replacement policy: at most 2^30 slots, so this fits an Int.
    public static func bytesNeeded(for geometry: CacheGeometry) -> Int {
        geometry.sets * geometry.ways * bytesPerSlot + geometry.sets * bytesPerSet
    }

    /// - Parameter seed: the state of this cache's SplitMix64 stream for `random`.
    /// Throws ``GeometryError`` for a way count `plru` cannot serve and ``CacheMemoryError``
    /// when the system refuses the memory.
    public init(geometry: CacheGeometry, replacement: ReplacementKind, seed: UInt64) throws {
        if replacement == .plru, geometry.ways & (geometry.ways - 1) != 0 || geometry.ways > Self.maximumPLRUWays {
            throw GeometryError(key: "ways", message: "must be a power of two ≤ \(Self.maximumPLRUWays) for plru replacement, got \(geometry.ways)")
        }
        self.geometry = geometry
        self.replacement = replacement
        self.ways = geometry.ways
        let slots = geometry.sets * geometry.ways
        // calloc: memory the system cannot give is an error, not a trap, and zeroed pages
        // cost nothing until touched.
        let tags = calloc(slots, 8), states = calloc(slots, 1), payloads = calloc(slots, 4)
        let stamps = calloc(slots, 8), treeBits = calloc(geometry.sets, 8)
        guard let tags, let states, let payloads, let stamps, let treeBits else {
            for p in [tags, states, payloads, stamps, treeBits] { free(p) }
            throw CacheMemoryError(geometry: geometry, caches: 1, needed: Self.bytesNeeded(for: geometry), available: nil,
                                   keys: "cache.sets × cache.ways")
        }
        self.tags = tags.bindMemory(to: UInt64.self, capacity: slots)
        self.tags.update(repeating: Self.noLine, count: slots)
        self.states = states.bindMemory(to: UInt8.self, capacity: slots)
        self.payloads = payloads.bindMemory(to: UInt32.self, capacity: slots)
        self.stamps = stamps.bindMemory(to: UInt64.self, capacity: slots)
        self.treeBits = treeBits.bindMemory(to: UInt64.self, capacity: geometry.sets)
        random = SplitMix64(seed: seed)
    }

    public func deallocate() {
        free(tags); free(states); free(payloads)
        free(stamps); free(treeBits)
    }

    @inlinable public var slotCount: Int { geometry.sets * ways }

    /// The tag of a way that holds no line. One line number has it too (the last byte of
    /// the address space, with 1-byte lines); ``lookup(line:set:)`` checks states for it.
    public static let noLine = UInt64.max

    /// Up to this many ways a set is scanned whole, without an early exit: the hit's way is
    /// random, so an early exit mispredicts the loop branch on most lookups.
    @usableFromInline static let branchlessScanLimit = 64

    /// The slot holding `line` in `set`, or -1.
    @inlinable @inline(__always)
    public func lookup(line: UInt64, set: Int) -> Int {
        let base = set &* ways
        if ways <= Self.branchlessScanLimit && line != Self.noLine {
            // Only valid ways carry a line's tag, so a tag match is a hit. The matches are
            // gathered as bits, with no chain of dependent selects from way to way.
            var matches: UInt64 = 0
            var way = 0
            while way < ways {
                matches |= UInt64(tags[base &+ way] == line ? 1 : 0) &<< UInt64(truncatingIfNeeded: way)
                way &+= 1
            }
            return matches == 0 ? -1 : base &+ matches.trailingZeroBitCount
        }
        var slot = base
        while slot < base &+ ways {
            if tags[slot] == line && states[slot] != 0 { return slot }
            slot &+= 1
        }
        return -1
    }

    /// Records a hit on `slot` (LRU and PLRU update; FIFO and random do nothing).
    @inlinable @inline(__always)
    public mutating func touch(slot: Int) {
        switch replacement {
        case .lru:
            tick &+= 1
            stamps[slot] = tick
        case .plru:
            touchTree(slot: slot)
        case .fifo, .random:
            break
        }
    }

    /// The slot to fill in `set`: the lowest-numbered invalid way, else the policy's victim.
    @inlinable @inline(__always)
    public mutating func victim(set: Int) -> Int {
        let base = set &* ways
        switch replacement {
        case .lru, .fifo:
            // The oldest stamp: last use for LRU, fill for FIFO. Invalid ways have stamp 0
            // and the first minimum wins, so this is also the lowest-numbered invalid way.
            var best = base
            var oldest = stamps[base]
            for slot in (base &+ 1)..<(base &+ ways) where stamps[slot] < oldest {
                oldest = stamps[slot]
                best = slot
            }
            return best
        case .random:
            for slot in base..<(base &+ ways) where states[slot] == 0 { return slot }
            return base &+ Int(truncatingIfNeeded: random.next() % UInt64(ways))
        case .plru:
            for slot in base..<(base &+ ways) where states[slot] == 0 { return slot }
            // Follow the tree bits from the root: 0 goes left, 1 goes right.
            let bits = treeBits[set]
            var node = 1
            while node < ways { node = node &* 2 &+ Int(truncatingIfNeeded: bits >> UInt64(node) & 1) }
            return base &+ (node &- ways)
        }
    }

    /// Puts `line` into `slot` with `state` (non-zero) and `payload`; a fill counts as a use.
    @inlinable @inline(__always)
    public mutating func fill(slot: Int, line: UInt64, state: UInt8, payload: UInt32) {
        tags[slot] = line
        states[slot] = state
        payloads[slot] = payload
        switch replacement {
        case .lru, .fifo:
            tick &+= 1
            stamps[slot] = tick
        case .plru:
            touchTree(slot: slot)
        case .random:
            break
        }
    }

    /// Leaves `slot` invalid (free for the next fill in its set).
    @inlinable @inline(__always)
    public func invalidate(slot: Int) {
        tags[slot] = Self.noLine
        states[slot] = 0
        stamps[slot] = 0  // so that LRU and FIFO pick it first (see victim(set:))
    }

    /// Sets every node on the way's path to point away from it (1 = the way is in the left half).
    @inlinable @inline(__always)
    mutating func touchTree(slot: Int) {
        let set = slot / ways
        let way = slot &- set &* ways
        var bits = treeBits[set]
        var node = way &+ ways
        while node > 1 {
            let parent = node >> 1
            let bit = UInt64(1) << UInt64(parent)
            if node & 1 == 0 { bits |= bit } else { bits &= ~bit }
            node = parent
        }
        treeBits[set] = bits
    }
}
