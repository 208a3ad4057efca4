import Testing
import CacheModels
import MTrace
@testable import Coherence

/// Exhaustive checks of the protocol tables on their own: every global state of three caches
/// reachable from "all invalid" through any sequence of loads, stores, evictions and
/// copy-backs, with the snooping-bus rules the engine applies.
@Suite struct ProtocolTableTests {
    typealias Global = [LineState]

    /// The next global state after `cpu` performs `op`, or nil if the table has no cell for
    /// some step (a hole the engine would trip over).
    static func step(_ table: ProtocolTable, _ g: Global, cpu: Int, op: ProtocolEvent) -> Global? {
        var g = g
        let mine = g[cpu]
        switch op {
        case .load, .store:
            // Protocol none has no bus: a miss never sees the peers.
            let peers = table.coherence == .none ? [] : g.indices.filter { $0 != cpu && g[$0] != .invalid }
            let hit = mine != .invalid
            let event: ProtocolEvent = op == .store ? .store : (!hit && !peers.isEmpty ? .loadShared : .load)
            guard let t = table[mine, event] else { return nil }
            // A miss snoops every peer; an upgrade invalidates them. Protocol none never snoops.
            if !hit || t.actions.contains(.upgrade) {
                for p in peers {
                    guard let pt = table[g[p], op == .store ? .peerStore : .peerLoad] else { return nil }
                    g[p] = pt.next
                }
            }
            g[cpu] = t.next
        case .replacement, .copyBack:
            guard mine != .invalid else { return g }
            guard let t = table[mine, op] else { return nil }
            g[cpu] = t.next
        default:
            return nil
        }
        return g
    }

    static func reachable(_ table: ProtocolTable, cpus: Int = 3) -> (states: Set<Global>, holes: [String]) {
        var seen: Set<Global> = [Array(repeating: .invalid, count: cpus)]
        var work = Array(seen)
        var holes: [String] = []
        while let g = work.popLast() {
            for cpu in 0..<cpus {
                for op in [ProtocolEvent.load, .store, .replacement, .copyBack] {
                    guard let next = step(table, g, cpu: cpu, op: op) else {
                        holes.append("\(g) cpu \(cpu) \(op)")
                        continue
                    }
                    if seen.insert(next).inserted { work.append(next) }
                }
            }
        }
        return (seen, holes)
    }

    @Test(arguments: [CoherenceProtocol.msi, .mesi, .moesi])
    func singleWriterMultipleReaders(coherence: CoherenceProtocol) {
        let (states, holes) = Self.reachable(.of(coherence))
        #expect(holes.isEmpty, "table holes: \(holes.prefix(5))")
        for g in states {
            let writers = g.filter { $0 == .modified || $0 == .exclusive }.count
            let owners = g.filter { $0 == .owned }.count
            let valid = g.filter { $0 != .invalid }.count
            #expect(writers <= 1 && (writers == 0 || valid == 1), "\(coherence): \(g)")
            #expect(owners <= 1, "\(coherence): \(g)")
        }
        // Every state the table declares is reachable, so no row is dead.
        let used = Set(states.flatMap { $0 })
        #expect(used == Set(ProtocolTable.of(coherence).states), "\(coherence) reaches \(used)")
    }

    @Test func shareNothingKeepsIndependentCopies() {
        let (states, holes) = Self.reachable(.none)
        #expect(holes.isEmpty)
        // Every CPU may hold its own dirty copy at once: there is no coherence.
        #expect(states.contains([.modified, .modified, .modified]))
    }

    /// The counters of `steps` (cpu, kind) on one line under `coherence`, through the engine.
    private static func run(_ coherence: CoherenceProtocol, _ steps: [(Int, AccessKind)]) throws -> CoherenceCounters {
        let sim = try CoherenceSimulator(SimulatorConfiguration(
            cpus: 2, geometry: CacheGeometry(sets: 4, ways: 2, lineSize: 64), coherence: coherence))
        let accesses = steps.map { Access(cpu: $0.0, kind: $0.1, address: 0x40, size: 8) }
        try accesses.withUnsafeBufferPointer { try sim.consume($0) }
        return try sim.result().totals
    }

    /// Where the protocols differ, the engine's counters differ as the spec says: a lone
    /// load miss then a store is an upgrade in MSI (S) but silent in MESI and MOESI (E); a
    /// peer's load of a modified line writes it back in MSI and MESI but not in MOESI (O).
    @Test func protocolsDifferWhereTheSpecSaysTheyDo() throws {
        let loadThenStore: [(Int, AccessKind)] = [(0, .load), (0, .store)]
        #expect(try Self.run(.msi, loadThenStore).upgrades == 1)
        #expect(try Self.run(.mesi, loadThenStore).upgrades == 0)
        #expect(try Self.run(.moesi, loadThenStore).upgrades == 0)

        let storeThenPeerLoad: [(Int, AccessKind)] = [(0, .store), (1, .load)]
        for coherence in [CoherenceProtocol.msi, .mesi, .moesi] {
            let c = try Self.run(coherence, storeThenPeerLoad)
            #expect(c.hitm == 1 && c.transfers == 1, "\(coherence): the dirty copy supplies the peer")
            #expect(c.writebacks == (coherence == .moesi ? 0 : 1), "\(coherence)")
        }
        // MOESI's owner stays dirty: a store by the owner after the peer's load is an upgrade
        // that invalidates the peer, and the line is never written back.
        let owned = try Self.run(.moesi, storeThenPeerLoad + [(0, .store)])
        #expect(owned.upgrades == 1 && owned.invalidations == 1 && owned.writebacks == 0)
        // Share-nothing keeps both copies and moves nothing.
        let none = try Self.run(.none, storeThenPeerLoad + [(0, .store)])
        #expect(none.transfers == 0 && none.invalidations == 0 && none.upgrades == 0)
    }

    @Test func rendersAsATable() {
        let text = ProtocolTable.mesi.rendered
        let rows = text.split(separator: "\n")
        #expect(rows.count == 5)
        #expect(rows[0].hasPrefix("state"))
        #expect(text.contains("hit+upgrade →M"))
        #expect(text.contains("writeback+supply dirty →S"))
    }
}
