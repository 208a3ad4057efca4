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
public struct StackDistanceProfile {
    public let sets: Int
    let setMask: UInt64
    /// `histogram[d]`: accesses of finite distance d.
    public private(set) var histogram: [UInt64] = []
    /// Accesses of infinite distance: first uses (and first uses after ``forgetAll()``).
    public private(set) var infiniteDistance: UInt64 = 0
    public private(set) var accesses: UInt64 = 0
    /// The time of each line's last use, on its set's clock.
    var lastUse: [UInt64: Int] = [:]
    var stacks: [SetStack]

    /// - Parameter sets: a power of two ≥ 1 (set index = line mod sets).
    public init(sets: Int) {
        precondition(sets >= 1 && sets & (sets - 1) == 0, "sets must be a power of two")
        self.sets = sets
        setMask = UInt64(sets - 1)
        stacks = [SetStack](repeating: SetStack(), count: sets)
    }

    /// Records one use of `line`.
    @inline(__always)
    public mutating func access(line: UInt64) {
        accesses &+= 1
        let set = Int(truncatingIfNeeded: line & setMask)
        if stacks[set].isFull { stacks[set].compact(lastUse: &lastUse) }
        let now = stacks[set].clock
        if let previous = lastUse.updateValue(now, forKey: line) {
            let distance = stacks[set].remove(at: previous)
            if distance >= histogram.count {
                histogram.append(contentsOf: repeatElement(0, count: distance - histogram.count + 1))
            }
            histogram[distance] &+= 1
        } else {
            infiniteDistance &+= 1
        }
        stacks[set].push(line, at: now)
    }

    /// Forgets every line, as when the cache is emptied: each line's next use has infinite
    /// distance again.
    public mutating func forgetAll() {
        lastUse.removeAll()
        stacks = [SetStack](repeating: SetStack(), count: sets)
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
    public var workingSetWays: Int { stacks.reduce(0) { max($0, $1.live) } }

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
/// use, and the line at each time, for renumbering.
struct SetStack {
    /// 1-based Fenwick tree over times 1…capacity.
    var tree: [Int] = [0]
    /// The line last used at each time (index 0 unused); `UInt64.max` once it moved on.
    var owners: [UInt64] = [.max]
    /// The next time to hand out (1-based).
    var clock = 1
    /// Lines currently held: the 1s in the tree.
    var live = 0

    static let dead = UInt64.max

    var capacity: Int { tree.count - 1 }
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
        for t in 1..<owners.count where owners[t] != Self.dead { kept.append(owners[t]) }
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
