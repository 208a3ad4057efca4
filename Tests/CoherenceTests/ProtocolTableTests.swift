import Testing
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

    @Test func protocolsDifferWhereTheSpecSaysTheyDo() {
        // Load miss with no sharer: E in MESI/MOESI, S in MSI.
        #expect(ProtocolTable.msi[.invalid, .load]?.next == .shared)
        #expect(ProtocolTable.mesi[.invalid, .load]?.next == .exclusive)
        // A peer's load of an M line: writeback and S (MSI, MESI), or O without writeback (MOESI).
        #expect(ProtocolTable.mesi[.modified, .peerLoad] == Transition(next: .shared, actions: [.writeback, .supplyDirty]))
        #expect(ProtocolTable.moesi[.modified, .peerLoad] == Transition(next: .owned, actions: .supplyDirty))
        // A store to E is silent; a store to S or O is an upgrade.
        #expect(ProtocolTable.mesi[.exclusive, .store]?.actions == .hit)
        #expect(ProtocolTable.moesi[.owned, .store]?.actions.contains(.upgrade) == true)
        // A peer's store miss takes dirty data over without a writeback.
        #expect(ProtocolTable.moesi[.owned, .peerStore] == Transition(next: .invalid, actions: .supplyDirty))
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
