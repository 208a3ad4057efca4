import CacheModels
import Coherence
import MTrace

/// The hierarchy cases of the simulator benchmark: (h) one CPU with two levels, beside (a),
/// the same first level alone; (m) eight CPUs with private L1 and L2 and a shared inclusive
/// LLC under MESI, beside `base8h`, the bare loop of that hierarchy.
extension SimulatorBenchmark {
    static let l1Size = 32768, l2Size = 262144, llcSize = 2 << 20

    /// Case (h): L1 32 KiB 8-way, L2 256 KiB 16-way, both LRU, protocol none.
    func twoLevels(_ trace: [Access]) throws -> Case {
        let hierarchy = HierarchySettings(data: [
            LevelSettings(name: "L1", geometry: try CacheGeometry(size: Self.l1Size, ways: 8, lineSize: 64)),
            LevelSettings(name: "L2", geometry: try CacheGeometry(size: Self.l2Size, ways: 16, lineSize: 64)),
        ])
        return try simulateHierarchy(trace, HierarchyConfiguration(cpus: 1, hierarchy: hierarchy, coherence: .none),
                                     "h", "as (a) with a 256 KiB 16-way L2 below (general engine)")
    }

    /// Case (m): eight CPUs, private L1 32 KiB 8-way and L2 256 KiB 16-way, a shared
    /// inclusive 2 MiB 16-way LLC, MESI.
    func threeLevels(_ shared: [Access]) throws -> Case {
        let hierarchy = HierarchySettings(data: [
            LevelSettings(name: "L1", geometry: try CacheGeometry(size: Self.l1Size, ways: 8, lineSize: 64)),
            LevelSettings(name: "L2", geometry: try CacheGeometry(size: Self.l2Size, ways: 16, lineSize: 64)),
            LevelSettings(name: "LLC", geometry: try CacheGeometry(size: Self.llcSize, ways: 16, lineSize: 64),
                          sharing: .shared, inclusion: .inclusive),
        ])
        return try simulateHierarchy(shared, HierarchyConfiguration(cpus: 8, hierarchy: hierarchy, coherence: .mesi),
                                     "m", "8 CPUs, MESI, private L1 + L2, shared inclusive 2 MiB LLC")
    }

    private func simulateHierarchy(_ accesses: [Access], _ config: HierarchyConfiguration, _ name: String,
                                   _ description: String) throws -> Case {
        let best = try fastest {
            let sim = try HierarchySimulator(config)
            let seconds = try timed { try feed(accesses, to: sim) }.seconds
            return (seconds, sim.finish().simulation.totals.misses)
        }
        return Case(name: name, description: description, rate: Double(accesses.count) / best.seconds, target: nil,
                    misses: best.count)
    }

    /// The least any simulator of (m) does per access: per CPU an L1 and an L2 tag array with
    /// MESI states in L1, a shared LLC; an L1 miss looks in L2, then snoops every peer's L1
    /// and L2, then the LLC; an LLC eviction takes the line from every L1 and L2. No
    /// counters, statistics, writebacks or 3C: without writebacks, which move lines into the
    /// L2 and the LLC, its L1 misses come close to (m)'s but not exactly.
    func bareThreeLevels(_ accesses: [Access]) throws -> Case {
        let cpus = 8
        let shared: UInt8 = 1, exclusive: UInt8 = 2, modified: UInt8 = 3
        let g1 = try CacheGeometry(size: Self.l1Size, ways: 8, lineSize: 64)
        let g2 = try CacheGeometry(size: Self.l2Size, ways: 16, lineSize: 64)
        let g3 = try CacheGeometry(size: Self.llcSize, ways: 16, lineSize: 64)
        let best = try fastest {
            let l1 = UnsafeMutablePointer<CacheArray>.allocate(capacity: cpus)
            let l2 = UnsafeMutablePointer<CacheArray>.allocate(capacity: cpus)
            for c in 0..<cpus {
                (l1 + c).initialize(to: try CacheArray(geometry: g1, replacement: .lru, seed: 1))
                (l2 + c).initialize(to: try CacheArray(geometry: g2, replacement: .lru, seed: 1))
            }
            var l3 = try CacheArray(geometry: g3, replacement: .lru, seed: 1)
            defer {
                for c in 0..<cpus { l1[c].deallocate(); l2[c].deallocate() }
                l1.deinitialize(count: cpus); l1.deallocate()
                l2.deinitialize(count: cpus); l2.deallocate()
                l3.deallocate()
            }
            /// The line's state in CPU p (L1's, else L2's), and removes or downgrades it.
            func snoop(_ cache: UnsafeMutablePointer<CacheArray>, _ line: UInt64, write: Bool) -> Bool {
                let s = cache.pointee.lookup(line: line, set: cache.pointee.geometry.setIndex(ofLine: line))
                guard s >= 0 else { return false }
                if write { cache.pointee.invalidate(slot: s) } else { cache.pointee.states[s] = shared }
                return true
            }
            func snoop(_ p: Int, _ line: UInt64, write: Bool) -> Bool {
                let inL1 = snoop(l1 + p, line, write: write)
                return snoop(l2 + p, line, write: write) || inL1
            }
            func fill(_ cache: UnsafeMutablePointer<CacheArray>, _ line: UInt64, _ state: UInt8) -> UInt64? {
                let set = cache.pointee.geometry.setIndex(ofLine: line)
                let v = cache.pointee.victim(set: set, LRUReplacement.self)
                let old = cache.pointee.states[v] != 0 ? cache.pointee.tags[v] : nil
                cache.pointee.fill(slot: v, line: line, state: state, payload: 0, LRUReplacement.self)
                return old
            }
            return timed { accesses.withUnsafeBufferPointer { all -> UInt64 in
                var misses: UInt64 = 0
                for a in all {
                    let c = Int(a.cpu)
                    let line = a.address &>> 6
                    let write = a.kind != .load
                    let s1 = l1[c].lookup(line: line, set: g1.setIndex(ofLine: line))
                    if s1 >= 0 {
                        l1[c].touch(slot: s1, LRUReplacement.self)
                        if write && l1[c].states[s1] == shared {
                            for p in 0..<cpus where p != c { _ = snoop(p, line, write: true) }
                        }
                        if write { l1[c].states[s1] = modified }
                        continue
                    }
                    misses &+= 1
                    let s2 = l2[c].lookup(line: line, set: g2.setIndex(ofLine: line))
                    var state = write ? modified : exclusive
                    if s2 >= 0 {
                        l2[c].touch(slot: s2, LRUReplacement.self)
                        if l2[c].states[s2] == shared && !write { state = shared }
                    } else {
                        var held = false
                        for p in 0..<cpus where p != c { held = snoop(p, line, write: write) || held }
                        if held && !write { state = shared }
                        _ = fill(l2 + c, line, state)
                        if !held {
                            let s3 = l3.lookup(line: line, set: g3.setIndex(ofLine: line))
                            if s3 >= 0 {
                                l3.touch(slot: s3, LRUReplacement.self)
                            } else if let gone = withUnsafeMutablePointer(to: &l3, { fill($0, line, 1) }) {
                                for p in 0..<cpus { _ = snoop(p, gone, write: true) }
                            }
                        }
                    }
                    _ = fill(l1 + c, line, state)
                }
                return misses
            } }
        }
        return Case(name: "base8h", description: "bare tag arrays of (m): L1, L2 per CPU, shared LLC, MESI snoops, no statistics",
                    rate: Double(accesses.count) / best.seconds, target: nil, misses: best.count)
    }
}
