import MTrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tag store of one set-associative cache: per way a tag, a one-byte state, a 32-bit
/// word for the owner (the coherence engine keeps its line-record index there, so a hit
/// needs no hash lookup), and the replacement policy's state (``ReplacementState``).
///
/// A value with flat, manually managed storage: the hot loop reaches it through an
/// `UnsafeMutablePointer<CacheArray>` with no reference counting or exclusivity checks.
/// Call ``deallocate()`` exactly once. Slots are numbered `set * ways + way`.
///
/// The replacement hooks (``touch(slot:_:)``, ``victim(set:_:)``, ``fill(slot:line:state:payload:_:)``)
/// take the policy as a type, so that each caller is specialised for it; the caller
/// passes the type of the cache's ``replacement`` (``ReplacementPolicies`` picks it once).
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
    /// The policy's words and stream.
    public var policyState: ReplacementState

    /// Bytes per slot: a tag (8), a state (1), an owner word (4) and a policy word (8).
    public static let bytesPerSlot = 8 + 1 + 4 + 8
    /// Bytes per set: a policy word.
    public static let bytesPerSet = 8

    /// The bytes one cache of `geometry` allocates (and touches) when it is made, whatever
    /// its replacement policy: at most 2^30 slots, so this fits an Int.
    public static func bytesNeeded(for geometry: CacheGeometry) -> Int {
        geometry.sets * geometry.ways * bytesPerSlot + geometry.sets * bytesPerSet
    }

    /// - Parameter seed: the state of this cache's SplitMix64 stream (for `random`, `brrip`).
    /// Throws ``GeometryError`` for a way count the policy cannot serve and
    /// ``CacheMemoryError`` when the system refuses the memory.
    public init(geometry: CacheGeometry, replacement: ReplacementKind, seed: UInt64) throws {
        try replacement.check(ways: geometry.ways)
        self.geometry = geometry
        self.replacement = replacement
        self.ways = geometry.ways
        let slots = geometry.sets * geometry.ways
        // calloc: memory the system cannot give is an error, not a trap, and zeroed pages
        // cost nothing until touched.
        let tags = calloc(slots, 8), states = calloc(slots, 1), payloads = calloc(slots, 4)
        let wayWords = calloc(slots, 8), setWords = calloc(geometry.sets, 8)
        guard let tags, let states, let payloads, let wayWords, let setWords else {
            for p in [tags, states, payloads, wayWords, setWords] { free(p) }
            throw CacheMemoryError(geometry: geometry, caches: 1, needed: Self.bytesNeeded(for: geometry), available: nil,
                                   keys: "cache.sets × cache.ways")
        }
        self.tags = tags.bindMemory(to: UInt64.self, capacity: slots)
        self.tags.update(repeating: Self.noLine, count: slots)
        self.states = states.bindMemory(to: UInt8.self, capacity: slots)
        self.payloads = payloads.bindMemory(to: UInt32.self, capacity: slots)
        policyState = ReplacementState(ways: geometry.ways, wayWords: wayWords.bindMemory(to: UInt64.self, capacity: slots),
                                       setWords: setWords.bindMemory(to: UInt64.self, capacity: geometry.sets), seed: seed)
    }

    public func deallocate() {
        free(tags); free(states); free(payloads)
        free(policyState.wayWords); free(policyState.setWords)
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

    /// Records a hit on `slot`.
    @inlinable @inline(__always)
    public mutating func touch<P: ReplacementPolicy>(slot: Int, _ policy: P.Type) {
        P.hit(&policyState, slot: slot)
    }

    /// The slot to fill in `set`: the lowest-numbered invalid way, else the policy's victim.
    /// The rule for invalid ways is the cache's, the same for every policy.
    @inlinable @inline(__always)
    public mutating func victim<P: ReplacementPolicy>(set: Int, _ policy: P.Type) -> Int {
        let base = set &* ways
        var slot = base
        while slot < base &+ ways {
            if states[slot] == 0 { return slot }
            slot &+= 1
        }
        return P.victim(&policyState, set: set, base: base)
    }

    /// Puts `line` into `slot` with `state` (non-zero) and `payload`, and tells the policy.
    @inlinable @inline(__always)
    public mutating func fill<P: ReplacementPolicy>(slot: Int, line: UInt64, state: UInt8, payload: UInt32, _ policy: P.Type) {
        tags[slot] = line
        states[slot] = state
        payloads[slot] = payload
        P.fill(&policyState, slot: slot)
    }

    /// Leaves `slot` invalid (free for the next fill in its set). The policy is not told:
    /// an invalidation changes no replacement state, and the cache fills invalid ways first.
    @inlinable @inline(__always)
    public func invalidate(slot: Int) {
        tags[slot] = Self.noLine
        states[slot] = 0
    }
}
