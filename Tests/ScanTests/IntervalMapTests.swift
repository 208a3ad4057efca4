import MTrace
import Testing
@testable import Scan

/// The treap of labeled intervals against the obvious rule, a list searched in full, over
/// random inserts (some replacing), removals and queries: its rotations and removals run
/// in both directions many times over.
@Suite struct IntervalMapTests {
    struct Interval: Equatable {
        var start: UInt64
        var end: UInt64
        var id: Int
    }

    @Test(arguments: [1, 2, 3, 4])
    func agreesWithAListSearchedInFull(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var map = IntervalMap<Interval>()
        var list: [Interval] = []
        // A small space, so that starts repeat and intervals nest and overlap.
        func draw(_ bound: UInt64) -> UInt64 { random.next() % bound }
        for id in 0..<3000 {
            let start = draw(400)
            switch draw(10) {
            case 0..<6:
                let interval = Interval(start: start, end: start + 1 + draw(60), id: id)
                let old = list.firstIndex { $0.start == start }.map { list.remove(at: $0) }
                list.append(interval)
                #expect(map.insert(start: interval.start, end: interval.end, interval) == old)
            case 6..<9:
                let old = list.firstIndex { $0.start == start }.map { list.remove(at: $0) }
                #expect(map.remove(start: start) == old)
            default:
                break
            }
            #expect(map.count == list.count)
            let address = draw(480)
            let holding = list.filter { $0.start <= address && address < $0.end }
            #expect(map.innermost(containing: address) == holding.max { $0.start < $1.start })
            #expect(map.value(startingAt: address) == list.first { $0.start == address })
            let hi = address + draw(40)
            let overlapping = list.filter { $0.start < hi && $0.end > address }.sorted { $0.start < $1.start }
            #expect(map.overlapping(address, hi) == overlapping)
            #expect(map.overlaps(address, hi) == !overlapping.isEmpty)
        }
    }
}
