#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LRU stack distances of one cache's stream of line numbers, per set, in one pass
/// (Mattson, Gecsei, Slutz and Traiger, 1970).
///
/// The stack distance of a line access is the number of distinct *other* lines of the same
/// set used since the line's previous use; a first use has infinite distance. Because LRU
/// is a stack algorithm, an LRU cache of `sets` sets and `w` ways hits exactly the accesses
/// of distance below `w`, so one pass gives the miss count of every associativity at once:
/// see ``misses(ways:)``. With `sets == 1` that is every fully associative size.
///
/// Each set keeps a Fenwick tree over its own access times with a 1 at the last use of
/// every line it holds; the distance is the number of 1s after the line's previous use.
/// When a set's times run out, its live lines are renumbered 1…n and the tree rebuilt with
/// room for 2n, so each access costs O(log n) amortised, n being the set's distinct lines.
///
/// A profile allocates ``bytesPerSet`` for every set when it is made (up to 32 GiB for 2^30
/// sets), so ``checkMemory(sets:profiles:available:keys:)`` first and the throwing init make
/// a size beyond the machine an error rather than a crash; the rest grows with the lines used.
///
/// A class: a profile is one object that changes as accesses arrive, and copying its sets
/// (megabytes, possibly more than the system would give) is never wanted.
public final class StackDistanceProfile {
    public let sets: Int
    let setMask: UInt64
    /// `histogram[d]`: accesses of finite distance d.
    public private(set) var histogram: [UInt64] = []
    /// Accesses of infinite distance: first uses (and first uses after ``forgetAll()``).
    public private(set) var infiniteDistance: UInt64 = 0
    public private(set) var accesses: UInt64 = 0
    /// The time of each line's last use, on its set's clock.
    var lastUse: [UInt64: Int] = [:]
    /// One stack per set, in memory from `malloc`, so that a size the system refuses is an
    /// error (a Swift array would trap).
    let stacks: UnsafeMutablePointer<SetStack>

    /// Bytes a profile allocates per set when it is made.
    public static let bytesPerSet = MemoryLayout<SetStack>.stride

    /// Bytes that `profiles` profiles of `sets` sets allocate when they are made (Int.max
    /// when that overflows).
    public static func bytesNeeded(sets: Int, profiles: Int) -> Int {
        let (perProfile, o1) = max(sets, 0).multipliedReportingOverflow(by: bytesPerSet)
        let (bytes, o2) = perProfile.multipliedReportingOverflow(by: max(profiles, 0))
        return o1 || o2 ? Int.max : bytes
    }

    /// Throws ``StackDistanceMemoryError`` when `profiles` profiles of `sets` sets need more
    /// than `available` bytes, by default the machine's physical memory (the rule of
    /// ``CacheMemory``). `keys` names the settings at fault in the message.
    public static func checkMemory(sets: Int, profiles: Int, available: Int = CacheMemory.physicalBytes,
                                   keys: String? = nil) throws(StackDistanceMemoryError) {
        let needed = bytesNeeded(sets: sets, profiles: profiles)
        guard needed <= available else {
            throw StackDistanceMemoryError(sets: sets, profiles: profiles, needed: needed, available: available, keys: keys)
        }
    }

    /// - Parameter sets: a power of two ≥ 1 (set index = line mod sets).
    /// Throws ``StackDistanceMemoryError`` when the system refuses the memory of the sets.
    public init(sets: Int) throws(StackDistanceMemoryError) {
        precondition(sets >= 1 && sets & (sets - 1) == 0, "sets must be a power of two")
        let (bytes, overflow) = sets.multipliedReportingOverflow(by: MemoryLayout<SetStack>.stride)
        guard !overflow, let raw = malloc(max(bytes, 1)) else {
            throw StackDistanceMemoryError(sets: sets, profiles: 1, needed: Self.bytesNeeded(sets: sets, profiles: 1),
                                           available: nil)
        }
        self.sets = sets
        setMask = UInt64(sets - 1)
        stacks = raw.bindMemory(to: SetStack.self, capacity: sets)
        // Empty sets hold only the shared empty-array storage: nothing is allocated per set.
        stacks.initialize(repeating: SetStack(), count: sets)
    }

    deinit {
        stacks.deinitialize(count: sets)
        free(stacks)
    }

    /// Records one use of `line`.
    @inline(__always)
    public func access(line: UInt64) {
        accesses &+= 1
        let stack = stacks + Int(truncatingIfNeeded: line & setMask)
        if stack.pointee.isFull { stack.pointee.compact(lastUse: &lastUse) }
        let now = stack.pointee.clock
        if let previous = lastUse.updateValue(now, forKey: line) {
            let distance = stack.pointee.remove(at: previous)
            if distance >= histogram.count {
                histogram.append(contentsOf: repeatElement(0, count: distance - histogram.count + 1))
            }
            histogram[distance] &+= 1
        } else {
            infiniteDistance &+= 1
        }
        stack.pointee.push(line, at: now)
    }

    /// Forgets every line, as when the cache is emptied: each line's next use has infinite
    /// distance again. Empties the sets in place, allocating nothing.
    public func forgetAll() {
        lastUse.removeAll()
        for set in 0..<sets { stacks[set] = SetStack() }
    }

    /// Misses of an LRU cache with `sets` sets and `ways` ways (≥ 1): accesses of distance
    /// `ways` or more, and every infinite one.
    public func misses(ways: Int) -> UInt64 {
        precondition(ways >= 1, "ways must be at least 1")
        var m = infiniteDistance
        if ways < histogram.count {
            for d in ways..<histogram.count { m &+= histogram[d] }
        }
        return m
    }

    /// The fewest ways that hit every access of finite distance: from there on the miss
    /// count no longer falls. At least 1.
    public var saturatingWays: Int { max(1, histogram.count) }

    /// Distinct lines in the fullest set: the ways that hold everything ever used.
    public var workingSetWays: Int { (0..<sets).reduce(0) { max($0, stacks[$1].live) } }

    /// Misses for every ways value 1…`maximumWays`, by suffix sums: O(maximumWays + histogram).
    public func missCurve(maximumWays: Int) -> [UInt64] {
        var curve = [UInt64](repeating: infiniteDistance, count: maximumWays)
        var tail = infiniteDistance
        var d = histogram.count - 1
        // misses(w) = infinite + Σ_{d ≥ w} histogram[d]; walk w downwards accumulating.
        for w in stride(from: max(maximumWays, histogram.count), through: 1, by: -1) {
            while d >= w {
                tail &+= histogram[d]
                d -= 1
            }
            if w <= maximumWays { curve[w - 1] = tail }
        }
        return curve
    }
}

/// One set's recency order: a Fenwick tree with a 1 at the time of each live line's last
/// use, and the line at each time, for renumbering. Empty (no storage) until first used.
struct SetStack {
    /// 1-based Fenwick tree over times 1…capacity.
    var tree: [Int] = []
    /// The line last used at each time (index 0 unused); `UInt64.max` once it moved on.
    var owners: [UInt64] = []
    /// The next time to hand out (1-based).
    var clock = 1
    /// Lines currently held: the 1s in the tree.
    var live = 0

    static let dead = UInt64.max

    var capacity: Int { max(tree.count - 1, 0) }
    var isFull: Bool { clock > capacity }

    /// Removes the mark at `time` and returns the number of marks after it: the distance.
    @inline(__always)
    mutating func remove(at time: Int) -> Int {
        var before = 0
        var i = time
        while i > 0 {
            before &+= tree[i]
            i &= i &- 1
        }
        i = time
        let n = capacity
        while i <= n {
            tree[i] &-= 1
            i &+= i & -i
        }
        owners[time] = Self.dead
        live &-= 1
        return live &+ 1 &- before
    }

    /// Marks `line` as used at `time` (the current clock).
    @inline(__always)
    mutating func push(_ line: UInt64, at time: Int) {
        var i = time
        let n = capacity
        while i <= n {
            tree[i] &+= 1
            i &+= i & -i
        }
        owners[time] = line
        live &+= 1
        clock = time &+ 1
    }

    /// Renumbers the live lines 1…live in recency order and rebuilds the tree with room for
    /// as many again (at least 8), updating `lastUse`.
    mutating func compact(lastUse: inout [UInt64: Int]) {
        var kept: [UInt64] = [Self.dead]
        kept.reserveCapacity(live + 1)
        for t in owners.indices.dropFirst() where owners[t] != Self.dead { kept.append(owners[t]) }
        let capacity = max(8, 2 * live)
        for (t, line) in kept.enumerated() where t > 0 { lastUse[line] = t }
        kept.append(contentsOf: repeatElement(Self.dead, count: capacity + 1 - kept.count))
        owners = kept
        // A Fenwick tree of 1s at 1…live, built in linear time.
        tree = [Int](repeating: 0, count: capacity + 1)
        for i in 1...capacity {
            if i <= live { tree[i] &+= 1 }
            let parent = i + (i & -i)
            if parent <= capacity { tree[parent] &+= tree[i] }
        }
        clock = live + 1
    }
}

/// Stack-distance profiles the machine cannot hold: more than its physical memory (the
/// check made before allocating), or an allocation the system refused.
public struct StackDistanceMemoryError: Error, CustomStringConvertible, Equatable, Sendable {
    public var sets: Int
    /// How many profiles of `sets` sets (one per CPU).
    public var profiles: Int
    /// Bytes they need.
    public var needed: Int
    /// The machine's physical memory; nil when the system refused an allocation.
    public var available: Int?
    /// The settings at fault, as the message names them; by default the sizes themselves.
    public var keys: String?

    public init(sets: Int, profiles: Int, needed: Int, available: Int?, keys: String? = nil) {
        self.sets = sets
        self.profiles = profiles
        self.needed = needed
        self.available = available
        self.keys = keys
    }

    public var description: String {
        let keys = keys ?? "\(sets) sets × \(profiles) CPU\(profiles == 1 ? "" : "s")"
        let need = CacheMemory.format(needed, roundingUp: true)
        guard let available else { return "\(keys): the system refused the \(need) the miss-ratio profiler needs" }
        return "\(keys): the miss-ratio profiler needs \(need); this machine has \(CacheMemory.format(available, roundingUp: false))"
    }
}
