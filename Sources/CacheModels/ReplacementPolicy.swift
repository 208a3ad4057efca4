import MTrace

/// A replacement policy: which way of a full set a cache evicts, as a few static hooks
/// over the state the cache keeps for it (``ReplacementState``).
///
/// A policy is a type, not a value, so that the cache and the coherence engine are
/// specialised for it at compile time: the hot loop calls the hooks directly, with no
/// dynamic dispatch. The run picks the specialisation once, by name, through
/// ``ReplacementPolicies``.
///
/// The cache decides the common rule itself: a miss fills the lowest-numbered invalid way
/// of its set, and ``victim(_:set:base:)`` is asked only when every way is valid.
/// Invalidating a way (a snoop, Dinero's `v`) and copying one back (`c`) call no hook, so
/// neither changes replacement state.
///
/// Adding a policy: one file in `Sources/CacheModels/Replacement/` with a type conforming
/// to this protocol, and one line in ``ReplacementPolicies/visitAll(_:)`` (see
/// docs/replacement.md).
public protocol ReplacementPolicy {
    /// The value of `cache.replacement` that selects it.
    static var name: String { get }
    /// One line for the README table, `mtlab` docs and reports.
    static var summary: String { get }
    /// Whether the policy draws from the cache's seeded SplitMix64 stream (so that
    /// `system.seed` changes its runs).
    static var drawsRandomNumbers: Bool { get }
    /// What the way count must be, as "a power of two ≤ 64", or nil for any way count.
    static var waysRequirement: String? { get }
    /// Whether the policy can serve `ways` ways per set (1…``CacheGeometry/maximumWays``).
    static func supports(ways: Int) -> Bool

    /// A hit on `slot` (`set × ways + way`).
    static func hit(_ state: inout ReplacementState, slot: Int)
    /// `slot` was just filled with a new line.
    static func fill(_ state: inout ReplacementState, slot: Int)
    /// The slot to evict from `set`, whose ways are all valid; `base` is `set × ways`.
    static func victim(_ state: inout ReplacementState, set: Int, base: Int) -> Int
}

extension ReplacementPolicy {
    public static var drawsRandomNumbers: Bool { false }
    public static var waysRequirement: String? { nil }
    public static func supports(ways: Int) -> Bool { true }
}

/// The state a cache keeps for its policy, the same layout for every policy (so a
/// cache's memory does not depend on it): one 64-bit word per way and one per set, both
/// zero when the cache is made, a counter, and a SplitMix64 stream.
@frozen
public struct ReplacementState {
    public let ways: Int
    /// One word per slot (`set × ways + way`).
    public let wayWords: UnsafeMutablePointer<UInt64>
    /// One word per set.
    public let setWords: UnsafeMutablePointer<UInt64>
    /// A per-cache counter (LRU and FIFO stamp ways with it); 0 at start.
    public var tick: UInt64 = 0
    /// The cache's random stream, seeded with the `seed` the cache was made with.
    public var random: SplitMix64

    @inlinable
    init(ways: Int, wayWords: UnsafeMutablePointer<UInt64>, setWords: UnsafeMutablePointer<UInt64>, seed: UInt64) {
        self.ways = ways
        self.wayWords = wayWords
        self.setWords = setWords
        random = SplitMix64(seed: seed)
    }

    /// The next tick (1, 2, …): stamps of valid ways are never 0.
    @inlinable @inline(__always)
    public mutating func nextTick() -> UInt64 {
        tick &+= 1
        return tick
    }

    /// Stamps `slot` with the next tick (the recency or fill order of `lru`, `mru`, `fifo`).
    @inlinable @inline(__always)
    public mutating func stamp(_ slot: Int) { wayWords[slot] = nextTick() }

    /// The first slot from `base` over the set's ways whose word is smallest.
    @inlinable @inline(__always)
    public func slotOfSmallestWord(base: Int) -> Int { firstSlot(base: base, by: <) }

    /// The first slot from `base` over the set's ways whose word is largest.
    @inlinable @inline(__always)
    public func slotOfLargestWord(base: Int) -> Int { firstSlot(base: base, by: >) }

    /// The first slot whose word beats every earlier one under `better`.
    @inlinable @inline(__always)
    func firstSlot(base: Int, by better: (UInt64, UInt64) -> Bool) -> Int {
        var best = base
        var bestWord = wayWords[base]
        var slot = base &+ 1
        while slot < base &+ ways {
            if better(wayWords[slot], bestWord) {
                bestWord = wayWords[slot]
                best = slot
            }
            slot &+= 1
        }
        return best
    }
}

/// Something done with a registered policy type, such as picking the engine's
/// specialisation for a name. ``ReplacementPolicies/visitAll(_:)`` calls it with each.
public protocol ReplacementPolicyVisitor {
    mutating func visit<P: ReplacementPolicy>(_ policy: P.Type)
}

/// The registry: the one list of replacement policies. Config validation, error messages,
/// documentation and the engine's dispatch all come from it.
public enum ReplacementPolicies {
    /// Calls `visitor` with every policy, in the order the docs list them.
    /// Inlinable, so that a caller's visitor sees each policy's concrete type and its
    /// code is specialised for it.
    @inlinable
    public static func visitAll<V: ReplacementPolicyVisitor>(_ visitor: inout V) {
        visitor.visit(LRUReplacement.self)
        visitor.visit(FIFOReplacement.self)
        visitor.visit(RandomReplacement.self)
        visitor.visit(PLRUReplacement.self)
        visitor.visit(SRRIPReplacement.self)
        visitor.visit(BRRIPReplacement.self)
        visitor.visit(LFUReplacement.self)
        visitor.visit(MRUReplacement.self)
    }

    /// The policies as a Markdown table (name, ways, what it evicts), for docs.
    public static func markdownTable() -> String {
        var out = "| policy | ways | evicts |\n|---|---|---|\n"
        for k in ReplacementKind.allCases {
            out += "| `\(k.rawValue)` | \(k.waysRequirement ?? "any") | \(k.summary) |\n"
        }
        return out
    }
}

/// The name of a registered replacement policy, with what the run needs to know about it.
/// `allCases` is the registry's list, in its order.
public struct ReplacementKind: RawRepresentable, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    /// One line: what the policy evicts.
    public let summary: String
    public let drawsRandomNumbers: Bool
    public let waysRequirement: String?
    /// Position in the registry.
    public let index: Int

    public init<P: ReplacementPolicy>(_ policy: P.Type) {
        guard let i = Self.allCases.firstIndex(where: { $0.rawValue == P.name }) else {
            preconditionFailure("replacement policy \(P.name) is not in ReplacementPolicies.visitAll")
        }
        self = Self.allCases[i]
    }

    fileprivate init(rawValue: String, summary: String, drawsRandomNumbers: Bool, waysRequirement: String?, index: Int) {
        self.rawValue = rawValue
        self.summary = summary
        self.drawsRandomNumbers = drawsRandomNumbers
        self.waysRequirement = waysRequirement
        self.index = index
    }

    /// The registered policy of that name, or nil.
    public init?(rawValue: String) {
        guard let k = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = k
    }

    public static let allCases: [ReplacementKind] = {
        struct Collect: ReplacementPolicyVisitor {
            var kinds: [ReplacementKind] = []
            mutating func visit<P: ReplacementPolicy>(_: P.Type) {
                precondition(!kinds.contains { $0.rawValue == P.name }, "replacement policy \(P.name) registered twice")
                kinds.append(ReplacementKind(rawValue: P.name, summary: P.summary, drawsRandomNumbers: P.drawsRandomNumbers,
                                             waysRequirement: P.waysRequirement, index: kinds.count))
            }
        }
        var c = Collect()
        ReplacementPolicies.visitAll(&c)
        return c.kinds
    }()

    /// The names, comma-separated, for messages.
    public static var namesList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the policy can serve `ways` ways per set.
    public func supports(ways: Int) -> Bool {
        struct Check: ReplacementPolicyVisitor {
            let name: String, ways: Int
            var result = true
            mutating func visit<P: ReplacementPolicy>(_: P.Type) { if P.name == name { result = P.supports(ways: ways) } }
        }
        var check = Check(name: rawValue, ways: ways)
        ReplacementPolicies.visitAll(&check)
        return check.result
    }

    public var description: String { rawValue }

    public static func == (a: Self, b: Self) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
