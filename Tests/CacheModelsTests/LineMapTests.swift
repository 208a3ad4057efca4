@testable import CacheModels
import MTrace
import Testing

@Suite struct LineMapTests {
    /// Random sets and removals on few keys (long probe runs, deletions inside them) agree
    /// with a Dictionary.
    @Test(arguments: [4, 64, 5000]) func agreesWithDictionary(keys: Int) {
        var random = SplitMix64(seed: UInt64(keys))
        var map = LineMap(capacity: 8)
        var reference: [UInt64: Int32] = [:]
        for _ in 0..<20_000 {
            // Keys that collide in the home slot: multiples of a large power of two.
            let line = (random.next() % UInt64(keys)) << 40
            switch random.next() % 3 {
            case 0:
                let v = Int32(random.next() % 1000)
                #expect(map.set(line, to: v) == (reference.updateValue(v, forKey: line) == nil))
            case 1:
                #expect(map.remove(line) == reference.removeValue(forKey: line))
            default:
                #expect(map.value(of: line) == reference[line])
            }
            #expect(map.count == reference.count)
        }
        #expect(Set(map.lines) == Set(reference.keys))
    }
}
