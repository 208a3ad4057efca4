import CPUModel
import MTrace
import Testing

@Suite struct SymbolIndexTests {
    let index = SymbolIndex([
        ELFSymbol(name: "_start", address: 0x100, size: 0),   // an assembly label
        ELFSymbol(name: "outer", address: 0x200, size: 0x100),
        ELFSymbol(name: "inner", address: 0x240, size: 0x20),  // nested in outer
        ELFSymbol(name: "alias", address: 0x200, size: 0x100),
        ELFSymbol(name: "local", address: 0x280, size: 0),    // a label inside outer
        ELFSymbol(name: "sized", address: 0x400, size: 0x10),
    ])

    @Test func namesByTheContainingSymbol() {
        #expect(index.describe(0xff) == nil)
        #expect(index.describe(0x100) == "_start")
        #expect(index.describe(0x1fc) == "_start+0xfc")     // a label spans to the next symbol
        #expect(index.describe(0x204) == "alias+0x4")       // two of one size: the first name
        #expect(index.describe(0x250) == "inner+0x10")      // the innermost wins
        #expect(index.describe(0x260) == "alias+0x60")      // past inner, back in the outer pair
        #expect(index.describe(0x290) == "local+0x10")      // the nearest start wins
        #expect(index.describe(0x300) == "local+0x80")      // past outer: the label still spans
        #expect(index.describe(0x40f) == "sized+0xf")
        #expect(index.describe(0x410) == nil)               // past a sized symbol: nothing
    }

    /// The obvious rule, checked against every symbol.
    func slowContaining(_ symbols: [ELFSymbol], _ address: UInt64) -> ELFSymbol? {
        let candidates = symbols.filter { s in
            guard s.address <= address else { return false }
            if s.size > 0 { return address - s.address < s.size }
            return !symbols.contains { $0.address > s.address && $0.address <= address }
        }
        return candidates.min {
            ($0.address != $1.address) ? $0.address > $1.address
                : ($0.size == 0 ? 1 : 0, $0.size, $0.name) < ($1.size == 0 ? 1 : 0, $1.size, $1.name)
        }
    }

    @Test func agreesWithTheObviousRuleOnRandomTables() {
        var random = MTrace.SplitMix64(seed: 11)
        for _ in 0..<2_000 {
            // At most 9 symbols, so the fast lookup's look-back never cuts the search short.
            let symbols = (0..<Int(random.next() % 10)).map { i in
                ELFSymbol(name: "s\(i)", address: random.next() % 64, size: random.next() % 3 == 0 ? 0 : random.next() % 24)
            }
            let index = SymbolIndex(symbols)
            for address in UInt64(0)..<96 {
                let fast = index.containing(address)
                let slow = slowContaining(symbols, address)
                #expect(fast?.symbol == slow && fast.map { $0.offset } == slow.map { address - $0.address },
                        "\(symbols) at \(address)")
            }
        }
    }
}
