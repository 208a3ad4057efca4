// Hand-worked traces for the reference model (and, later, the engine).
//
// Every expected number below was worked out by hand from
// docs/semantics.md, step by step in the comments — not by
// running any simulator. Counters not listed for a CPU are expected to be 0
// (`replacement_misses` is listed whenever it is not 0).
//
// Notation in comments: "c0 R 0x0" = CPU 0 loads address 0x0; Lk = line k;
// states M/O/E/S, I = not present. Default geometry: 4 sets × 2 ways × 64 B, LRU.

import CacheModels
import Coherence
import MTrace
import Testing

extension Access {
    static func r(_ cpu: Int, _ address: UInt64, _ size: Int = 1) -> Access { Access(cpu: cpu, kind: .load, address: address, size: size) }
    static func w(_ cpu: Int, _ address: UInt64, _ size: Int = 1) -> Access { Access(cpu: cpu, kind: .store, address: address, size: size) }
    static func a(_ cpu: Int, _ address: UInt64, _ size: Int = 1) -> Access { Access(cpu: cpu, kind: .atomic, address: address, size: size) }
    static func f(_ cpu: Int, _ address: UInt64, _ size: Int = 1) -> Access { Access(cpu: cpu, kind: .fetch, address: address, size: size) }
    static func cb(_ cpu: Int, _ address: UInt64, _ size: Int) -> Access { Access(cpu: cpu, kind: .copyBack, address: address, size: size) }
    static func inv(_ cpu: Int, _ address: UInt64, _ size: Int) -> Access { Access(cpu: cpu, kind: .invalidate, address: address, size: size) }
}

/// The final state of one line in one CPU's cache (nil: not present).
struct ExpectedState: Sendable {
    var cpu: Int
    var address: UInt64
    var state: ReferenceState?
}

struct HandCase: Sendable, CustomTestStringConvertible {
    var name: String
    var coherence: CoherenceProtocol
    var cpus: Int
    var sets = 4
    var ways = 2
    var lineSize = 64
    var replacement: ReplacementKind = .lru
    var seed: UInt64 = 1
    var trace: [Access]
    /// Per CPU (index = CPU): spec counter name → value; absent names are 0.
    var counters: [[String: UInt64]]
    /// Reference-only checks of final cache contents.
    var states: [ExpectedState] = []
    /// Every line record, ascending; nil when the case does not check lines.
    var lines: [ReferenceLine]? = nil

    var testDescription: String { "\(name) [\(coherence.rawValue), \(replacement.rawValue)]" }

    var configuration: SimulatorConfiguration {
        SimulatorConfiguration(cpus: cpus,
                               geometry: try! CacheGeometry(sets: sets, ways: ways, lineSize: lineSize),
                               replacement: replacement, coherence: coherence, seed: seed)
    }

    /// The expected counters as `CoherenceCounters` values (replacement_misses is derived
    /// there, so it is checked separately by `expectedReplacementMisses`).
    func expectedCounters() -> [CoherenceCounters] {
        counters.map { dict in
            var c = CoherenceCounters()
            for (name, v) in dict {
                switch name {
                case "accesses": c.accesses = v
                case "reads": c.reads = v
                case "writes": c.writes = v
                case "atomics": c.atomics = v
                case "hits": c.hits = v
                case "misses": c.misses = v
                case "cold_misses": c.coldMisses = v
                case "coherence_misses": c.coherenceMisses = v
                case "replacement_misses": break
                case "true_sharing_misses": c.trueSharingMisses = v
                case "false_sharing_misses": c.falseSharingMisses = v
                case "upgrades": c.upgrades = v
                case "invalidations": c.invalidations = v
                case "transfers": c.transfers = v
                case "hitm": c.hitm = v
                case "writebacks": c.writebacks = v
                case "evictions": c.evictions = v
                default: preconditionFailure("unknown counter name \(name) in case \(self.name)")
                }
            }
            return c
        }
    }

    func expectedReplacementMisses(cpu: Int) -> UInt64 { counters[cpu]["replacement_misses"] ?? 0 }
}

// MARK: - builders

func off(_ offset: Int, r: [Int] = [], w: [Int] = []) -> ByteOffsetUse {
    ByteOffsetUse(offset: offset, readers: CPUSet(r), writers: CPUSet(w))
}

func offs(_ range: ClosedRange<Int>, r: [Int] = [], w: [Int] = []) -> [ByteOffsetUse] {
    range.map { off($0, r: r, w: w) }
}

func line(_ address: UInt64, readers: [Int], writers: [Int], accesses: UInt64, misses: UInt64,
          transfers: UInt64 = 0, invalidations: UInt64 = 0, hitm: UInt64 = 0,
          trueSharing: UInt64 = 0, falseSharing: UInt64 = 0,
          _ sharing: SharingClass, _ offsets: [ByteOffsetUse]) -> ReferenceLine {
    ReferenceLine(address: address, readers: CPUSet(readers), writers: CPUSet(writers),
                  accesses: accesses, misses: misses, transfers: transfers,
                  invalidations: invalidations, hitm: hitm,
                  trueSharingMisses: trueSharing, falseSharingMisses: falseSharing,
                  sharing: sharing, offsets: offsets)
}

let coherentProtocols: [CoherenceProtocol] = [.msi, .mesi, .moesi]

// MARK: - the cases

enum ProtocolTableCases {
    static let all: [HandCase] =
        loadHit + loadMissPeerE + loadMissPeerM + storeHitE + storeHitM + upgradeFromS
        + ownedPeer + storeMissPeersShared + storeMissPeerM + dirtyEviction + ownedEviction
        + missKinds + sharingMisses + lineCrossing + replacementPolicies + randomPolicy
        + protocolNone + copyBackAndInvalidate + copyBackOwned + sharingClasses + sixtyFourCPUs

    // Table row "load hit", and "load miss, no peer": E (MESI, MOESI) or S (MSI).
    //  c0 R 0x0   cold miss, no peer holds L0 → E / S(MSI)
    //  c0 F 0x0   instruction fetch: skipped entirely
    //  c0 R 0x8   load hit, no bus action
    // c0: accesses 2, reads 2, hits 1, misses 1, cold 1.
    static let loadHit: [HandCase] = coherentProtocols.map { p in
        HandCase(name: "load hit; load miss with no peer", coherence: p, cpus: 1,
                 trace: [.r(0, 0x0), .f(0, 0x0), .r(0, 0x8)],
                 counters: [["accesses": 2, "reads": 2, "hits": 1, "misses": 1, "cold_misses": 1]],
                 states: [ExpectedState(cpu: 0, address: 0x0, state: p == .msi ? .shared : .exclusive)],
                 lines: [line(0x0, readers: [0], writers: [], accesses: 2, misses: 1, .private,
                              [off(0, r: [0]), off(8, r: [0])])])
    }

    // Table row "load miss, some peer holds L": a peer in E goes to S.
    //  c0 R 0x0   cold miss, no peer → E (MSI: S)
    //  c1 R 0x0   cold miss, peer c0 holds L0 (E, or S in MSI) → transfer, no hitm;
    //             c0 E→S; c1 gets S
    static let loadMissPeerE: [HandCase] = coherentProtocols.map { p in
        HandCase(name: "load miss with a peer in E (MSI: S)", coherence: p, cpus: 2,
                 trace: [.r(0, 0x0), .r(1, 0x0)],
                 counters: [["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1],
                            ["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1, "transfers": 1]],
                 states: [ExpectedState(cpu: 0, address: 0, state: .shared),
                          ExpectedState(cpu: 1, address: 0, state: .shared)],
                 lines: [line(0x0, readers: [0, 1], writers: [], accesses: 2, misses: 2, transfers: 1,
                              .readShared, [off(0, r: [0, 1])])])
    }

    // Table row "load miss, some peer holds L": a peer in M goes to S with one writeback
    // (MSI, MESI, attributed to the peer) or to O without one (MOESI); then a load hit in S/O.
    //  c0 W 0x0   cold store miss, no peer → M
    //  c1 R 0x0   cold miss; peer c0 in M → transfer, hitm; c0 M→S + writeback(c0) / M→O; c1 S
    //  c0 R 0x0   load hit (in S, or O for MOESI)
    static let loadMissPeerM: [HandCase] = coherentProtocols.map { p in
        let wb: UInt64 = p == .moesi ? 0 : 1
        return HandCase(name: "load miss with a peer in M; load hit in S/O", coherence: p, cpus: 2,
                        trace: [.w(0, 0x0), .r(1, 0x0), .r(0, 0x0)],
                        counters: [["accesses": 2, "reads": 1, "writes": 1, "hits": 1, "misses": 1,
                                    "cold_misses": 1, "writebacks": wb],
                                   ["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1,
                                    "transfers": 1, "hitm": 1]],
                        states: [ExpectedState(cpu: 0, address: 0, state: p == .moesi ? .owned : .shared),
                                 ExpectedState(cpu: 1, address: 0, state: .shared)],
                        lines: [line(0x0, readers: [0, 1], writers: [0], accesses: 3, misses: 2,
                                     transfers: 1, hitm: 1, .trulyShared, [off(0, r: [0, 1], w: [0])])])
    }

    // Table row "store hit, r holds E": silently E→M (MESI, MOESI). In MSI the line is S
    // after a lone load miss, so the store is an upgrade that invalidates nobody.
    //  c0 R 0x0   cold miss → E (MSI: S)
    //  c0 W 0x0   store hit: E→M silently (MSI: upgrade, 0 invalidations)
    //  c0 W 0x1   store hit in M
    static let storeHitE: [HandCase] = coherentProtocols.map { p in
        var c0: [String: UInt64] = ["accesses": 3, "reads": 1, "writes": 2, "hits": 2, "misses": 1, "cold_misses": 1]
        if p == .msi { c0["upgrades"] = 1 }
        return HandCase(name: "store hit in E is silent (MSI: upgrade)", coherence: p, cpus: 1,
                        trace: [.r(0, 0x0), .w(0, 0x0), .w(0, 0x1)],
                        counters: [c0],
                        states: [ExpectedState(cpu: 0, address: 0, state: .modified)],
                        lines: [line(0x0, readers: [0], writers: [0], accesses: 3, misses: 1, .private,
                                     [off(0, r: [0], w: [0]), off(1, w: [0])])])
    }

    // Table row "store hit, r holds M"; an atomic counts as a write and in atomics.
    //  c0 W 0x10 (4 B)  cold store miss → M
    //  c0 A 0x10 (4 B)  atomic = store: hit in M
    static let storeHitM: [HandCase] = coherentProtocols.map { p in
        HandCase(name: "store hit in M; atomic is a store", coherence: p, cpus: 1,
                 trace: [.w(0, 0x10, 4), .a(0, 0x10, 4)],
                 counters: [["accesses": 2, "writes": 2, "atomics": 1, "hits": 1, "misses": 1, "cold_misses": 1]],
                 states: [ExpectedState(cpu: 0, address: 0, state: .modified)],
                 lines: [line(0x0, readers: [], writers: [0], accesses: 2, misses: 1, .private,
                              offs(16...19, w: [0]))])
    }

    // Table row "store hit, r holds S": upgrade invalidating the peer; then the peer's
    // coherence miss is true sharing (it reads the very byte whose store invalidated it).
    //  c0 R 0x0   cold → E (MSI: S)
    //  c1 R 0x0   cold, peer c0 valid → transfer; c0 → S, c1 S
    //  c0 W 0x0   store hit in S → upgrade, invalidates c1 (1); c0 M. c1's written set {0}
    //  c1 R 0x0   coherence miss, {0} ∩ {0} ≠ ∅ → true sharing; peer c0 in M → transfer, hitm;
    //             c0 M→S + writeback(c0) (MSI, MESI) / M→O (MOESI); c1 S
    static let upgradeFromS: [HandCase] = coherentProtocols.map { p in
        let wb: UInt64 = p == .moesi ? 0 : 1
        return HandCase(name: "store hit in S: upgrade; true sharing miss", coherence: p, cpus: 2,
                        trace: [.r(0, 0x0), .r(1, 0x0), .w(0, 0x0), .r(1, 0x0)],
                        counters: [["accesses": 2, "reads": 1, "writes": 1, "hits": 1, "misses": 1,
                                    "cold_misses": 1, "upgrades": 1, "invalidations": 1, "writebacks": wb],
                                   ["accesses": 2, "reads": 2, "misses": 2, "cold_misses": 1,
                                    "coherence_misses": 1, "true_sharing_misses": 1, "transfers": 2, "hitm": 1]],
                        states: [ExpectedState(cpu: 0, address: 0, state: p == .moesi ? .owned : .shared),
                                 ExpectedState(cpu: 1, address: 0, state: .shared)],
                        lines: [line(0x0, readers: [0, 1], writers: [0], accesses: 4, misses: 3,
                                     transfers: 2, invalidations: 1, hitm: 1, trueSharing: 1,
                                     .trulyShared, [off(0, r: [0, 1], w: [0])])])
    }

    // Table rows "load miss with a peer in O" (MOESI), "store hit in O: upgrade",
    // "store miss: a peer in M hands its data over, no writeback".
    //  c0 W 0x0   cold store miss → M
    //  c1 R 0x0   cold; peer c0 M → transfer, hitm; c0 M→S + wb(c0) (MSI/MESI) / M→O (MOESI); c1 S
    //  c2 R 0x0   cold; peers c0, c1 valid → transfer; hitm only in MOESI (c0 in O); c2 S
    //  c0 W 0x0   store hit in S (MSI/MESI) / O (MOESI) → upgrade, invalidates c1, c2 (2);
    //             c0 M; written sets: c1 {0}, c2 {0}
    //  c1 W 0x2   coherence miss; {0} ∩ {2} = ∅ → false sharing; peer c0 M → transfer, hitm;
    //             store miss invalidates c0 (1), no writeback; c1 M; c2's set becomes {0,2}
    //  c2 R 0x0   coherence miss; {0,2} ∩ {0} ≠ ∅ → true sharing; peer c1 M → transfer, hitm;
    //             c1 M→S + wb(c1) (MSI/MESI) / M→O (MOESI); c2 S
    static let ownedPeer: [HandCase] = coherentProtocols.map { p in
        let moesi = p == .moesi
        return HandCase(name: "owned peer; upgrade from O; store miss takes M without writeback", coherence: p, cpus: 3,
                        trace: [.w(0, 0x0), .r(1, 0x0), .r(2, 0x0), .w(0, 0x0), .w(1, 0x2), .r(2, 0x0)],
                        counters: [["accesses": 2, "writes": 2, "hits": 1, "misses": 1, "cold_misses": 1,
                                    "upgrades": 1, "invalidations": 2, "writebacks": moesi ? 0 : 1],
                                   ["accesses": 2, "reads": 1, "writes": 1, "misses": 2, "cold_misses": 1,
                                    "coherence_misses": 1, "false_sharing_misses": 1, "transfers": 2, "hitm": 2,
                                    "invalidations": 1, "writebacks": moesi ? 0 : 1],
                                   ["accesses": 2, "reads": 2, "misses": 2, "cold_misses": 1,
                                    "coherence_misses": 1, "true_sharing_misses": 1, "transfers": 2,
                                    "hitm": moesi ? 2 : 1]],
                        states: [ExpectedState(cpu: 0, address: 0, state: nil),
                                 ExpectedState(cpu: 1, address: 0, state: moesi ? .owned : .shared),
                                 ExpectedState(cpu: 2, address: 0, state: .shared)],
                        lines: [line(0x0, readers: [1, 2], writers: [0, 1], accesses: 6, misses: 5,
                                     transfers: 4, invalidations: 3, hitm: moesi ? 4 : 3,
                                     trueSharing: 1, falseSharing: 1, .trulyShared,
                                     [off(0, r: [1, 2], w: [0]), off(2, w: [1])])])
    }

    // Table row "store miss": every peer copy invalidated (one each), r gets M.
    //  c0 R 0x0   cold → E (MSI: S)
    //  c1 R 0x0   cold, peer → transfer; S
    //  c2 R 0x0   cold, peers (S, S) → transfer; S   (load miss with peers in S)
    //  c3 W 0x0   cold store miss, peers → transfer, no hitm; invalidates c0, c1, c2 (3); M
    static let storeMissPeersShared: [HandCase] = coherentProtocols.map { p in
        HandCase(name: "store miss invalidates every shared peer", coherence: p, cpus: 4,
                 trace: [.r(0, 0x0), .r(1, 0x0), .r(2, 0x0), .w(3, 0x0)],
                 counters: [["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1],
                            ["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1, "transfers": 1],
                            ["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1, "transfers": 1],
                            ["accesses": 1, "writes": 1, "misses": 1, "cold_misses": 1, "transfers": 1,
                             "invalidations": 3]],
                 states: [ExpectedState(cpu: 0, address: 0, state: nil),
                          ExpectedState(cpu: 1, address: 0, state: nil),
                          ExpectedState(cpu: 2, address: 0, state: nil),
                          ExpectedState(cpu: 3, address: 0, state: .modified)],
                 lines: [line(0x0, readers: [0, 1, 2], writers: [3], accesses: 4, misses: 4, transfers: 3,
                              invalidations: 3, .trulyShared, [off(0, r: [0, 1, 2], w: [3])])])
    }

    // Table row "store miss, a peer in M hands its data over: no writeback"; false sharing.
    //  c0 W 0x0   cold store miss → M
    //  c1 W 0x1   cold store miss; peer c0 M → transfer, hitm; invalidates c0 (1), no writeback;
    //             c1 M; c0's written set {1}
    //  c0 R 0x0   coherence miss; {1} ∩ {0} = ∅ → false sharing; peer c1 M → transfer, hitm;
    //             c1 M→S + wb(c1) (MSI/MESI) / M→O (MOESI); c0 S
    static let storeMissPeerM: [HandCase] = coherentProtocols.map { p in
        let moesi = p == .moesi
        return HandCase(name: "store miss with a peer in M; false sharing miss", coherence: p, cpus: 2,
                        trace: [.w(0, 0x0), .w(1, 0x1), .r(0, 0x0)],
                        counters: [["accesses": 2, "reads": 1, "writes": 1, "misses": 2, "cold_misses": 1,
                                    "coherence_misses": 1, "false_sharing_misses": 1, "transfers": 1, "hitm": 1],
                                   ["accesses": 1, "writes": 1, "misses": 1, "cold_misses": 1,
                                    "invalidations": 1, "transfers": 1, "hitm": 1, "writebacks": moesi ? 0 : 1]],
                        states: [ExpectedState(cpu: 0, address: 0, state: .shared),
                                 ExpectedState(cpu: 1, address: 0, state: moesi ? .owned : .shared)],
                        lines: [line(0x0, readers: [0], writers: [0, 1], accesses: 3, misses: 3, transfers: 2,
                                     invalidations: 1, hitm: 2, falseSharing: 1, .falselyShared,
                                     [off(0, r: [0], w: [0]), off(1, w: [1])])])
    }

    // Table row "eviction": a victim in M is written back, a clean one leaves silently.
    // 1 set × 2 ways, LRU.
    //  c0 W 0x0   L0 cold → M, way 0
    //  c0 R 0x40  L1 cold → E/S, way 1
    //  c0 R 0x80  L2 cold; set full; LRU victim L0 (M) → eviction, writeback
    //  c0 R 0xC0  L3 cold; LRU victim L1 (clean) → eviction
    //  c0 R 0x0   L0 again: replacement miss; victim L2 → eviction
    static let dirtyEviction: [HandCase] = (coherentProtocols + [.none]).map { p in
        HandCase(name: "dirty eviction writes back, clean one does not", coherence: p, cpus: 1, sets: 1, ways: 2,
                 trace: [.w(0, 0x0), .r(0, 0x40), .r(0, 0x80), .r(0, 0xC0), .r(0, 0x0)],
                 counters: [["accesses": 5, "reads": 4, "writes": 1, "misses": 5, "cold_misses": 4,
                             "replacement_misses": 1, "evictions": 3, "writebacks": 1]],
                 states: [ExpectedState(cpu: 0, address: 0x0, state: p == .msi ? .shared : .exclusive),
                          ExpectedState(cpu: 0, address: 0x40, state: nil),
                          ExpectedState(cpu: 0, address: 0x80, state: nil),
                          ExpectedState(cpu: 0, address: 0xC0, state: p == .msi ? .shared : .exclusive)])
    }

    // Eviction of an O line (MOESI) writes back; in MSI/MESI the same trace writes back at
    // the downgrade instead and the S eviction is silent — the same counters either way.
    // 1 set × 1 way.
    //  c0 W 0x0   cold → M
    //  c1 R 0x0   cold; peer M → transfer, hitm; c0 → O (MOESI) / S + wb(c0)
    //  c0 R 0x40  cold; victim L0 (O: writeback; S: silent) → eviction; L1 → E / S(MSI)
    static let ownedEviction: [HandCase] = coherentProtocols.map { p in
        HandCase(name: "eviction of O writes back", coherence: p, cpus: 2, sets: 1, ways: 1,
                 trace: [.w(0, 0x0), .r(1, 0x0), .r(0, 0x40)],
                 counters: [["accesses": 2, "reads": 1, "writes": 1, "misses": 2, "cold_misses": 2,
                             "evictions": 1, "writebacks": 1],
                            ["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1, "transfers": 1, "hitm": 1]],
                 states: [ExpectedState(cpu: 0, address: 0x0, state: nil),
                          ExpectedState(cpu: 0, address: 0x40, state: p == .msi ? .shared : .exclusive),
                          ExpectedState(cpu: 1, address: 0x0, state: .shared)])
    }

    // Cold / coherence / replacement split. 1 set × 1 way.
    //  c0 R 0x0   L0 cold → E (MSI: S)
    //  c1 W 0x0   L0 cold store miss; peer c0 → transfer (no hitm: E/S); invalidates c0 (1); M.
    //             c0's written set {0}
    //  c0 R 0x40  L1 cold; the way is free (invalidated) → no eviction
    //  c0 R 0x0   L0: last copy removed by a peer → coherence miss, true sharing ({0});
    //             peer c1 M → transfer, hitm; c1 M→S + wb(c1) / M→O (MOESI); evicts L1 (clean)
    //  c0 R 0x40  L1: last copy replaced → replacement miss; no peer; evicts L0 (S)
    //  c0 R 0x0   L0: last copy replaced → replacement miss (not coherence); peer c1 S → transfer
    //             (MOESI: c1 in O → also hitm); evicts L1
    // c0: 5 accesses, all misses: cold 2 (L0, L1), coherence 1, replacement 2; evictions 3.
    static let missKinds: [HandCase] = coherentProtocols.map { p in
        let moesi = p == .moesi
        return HandCase(name: "cold, coherence and replacement misses", coherence: p, cpus: 2, sets: 1, ways: 1,
                        trace: [.r(0, 0x0), .w(1, 0x0), .r(0, 0x40), .r(0, 0x0), .r(0, 0x40), .r(0, 0x0)],
                        counters: [["accesses": 5, "reads": 5, "misses": 5, "cold_misses": 2, "coherence_misses": 1,
                                    "true_sharing_misses": 1, "replacement_misses": 2, "transfers": 2,
                                    "hitm": moesi ? 2 : 1, "evictions": 3],
                                   ["accesses": 1, "writes": 1, "misses": 1, "cold_misses": 1, "transfers": 1,
                                    "invalidations": 1, "writebacks": moesi ? 0 : 1]],
                        lines: [line(0x0, readers: [0], writers: [1], accesses: 4, misses: 4, transfers: 3,
                                     invalidations: 1, hitm: moesi ? 2 : 1, trueSharing: 1,
                                     .trulyShared, [off(0, r: [0], w: [1])]),
                                line(0x40, readers: [0], writers: [], accesses: 2, misses: 2, .private,
                                     [off(0, r: [0])])])
    }

    // True vs false sharing: the written set accumulates every other CPU's store after the
    // invalidation, including the store that caused it, and is tested against the bytes of
    // the missing line access only.
    //  c0 R 0x0 (4 B)  cold → E (MSI: S)
    //  c1 W 0x8        cold store miss; peer c0 → transfer; invalidates c0 (1); c1 M; c0 set {8}
    //  c2 W 0x0        cold store miss; peer c1 M → transfer, hitm; invalidates c1 (1); c2 M;
    //                  c1 set {0}; c0 set {0, 8}
    //  c0 R 0x2 (2 B)  coherence miss; {0,8} ∩ {2,3} = ∅ → false sharing; peer c2 M → transfer,
    //                  hitm; c2 M→S + wb(c2) / M→O (MOESI); c0 S
    //  c1 R 0x0 (8 B)  coherence miss; {0} ∩ {0..7} ≠ ∅ → true sharing; peers c0 S, c2 S/O →
    //                  transfer; hitm only in MOESI (c2 in O)
    static let sharingMisses: [HandCase] = coherentProtocols.map { p in
        let moesi = p == .moesi
        return HandCase(name: "true vs false sharing misses", coherence: p, cpus: 3,
                        trace: [.r(0, 0x0, 4), .w(1, 0x8), .w(2, 0x0), .r(0, 0x2, 2), .r(1, 0x0, 8)],
                        counters: [["accesses": 2, "reads": 2, "misses": 2, "cold_misses": 1, "coherence_misses": 1,
                                    "false_sharing_misses": 1, "transfers": 1, "hitm": 1],
                                   ["accesses": 2, "reads": 1, "writes": 1, "misses": 2, "cold_misses": 1,
                                    "coherence_misses": 1, "true_sharing_misses": 1, "transfers": 2,
                                    "invalidations": 1, "hitm": moesi ? 1 : 0],
                                   ["accesses": 1, "writes": 1, "misses": 1, "cold_misses": 1, "transfers": 1,
                                    "hitm": 1, "invalidations": 1, "writebacks": moesi ? 0 : 1]],
                        lines: [line(0x0, readers: [0, 1], writers: [1, 2], accesses: 5, misses: 5, transfers: 4,
                                     invalidations: 2, hitm: moesi ? 3 : 2, trueSharing: 1, falseSharing: 1,
                                     .trulyShared,
                                     [off(0, r: [0, 1], w: [2])] + offs(1...3, r: [0, 1]) + offs(4...7, r: [1])
                                        + [off(8, w: [1])])])
    }

    // Line-crossing accesses: one line access per line, ascending. 16-byte lines, 4 sets × 1 way.
    //  c0 W 0x0E (4 B)  bytes 14..17: L0 offsets 14,15 (cold store miss → M);
    //                   L1 offsets 0,1 (cold store miss → M)
    //  c1 R 0x0C (8 B)  bytes 12..19: L0 offsets 12..15: cold; peer c0 M → transfer, hitm,
    //                   c0 M→S + wb / M→O; L1 offsets 0..3: the same
    //  c1 A 0x1F (2 B)  bytes 31,32: L1 offset 15: hit in S → upgrade, invalidates c0 (1),
    //                   c0's L1 set {15}; L2 offset 0: cold store miss, no peer → M.
    //                   Two line accesses → atomics 2.
    //  c0 R 0x10        L1 offset 0: coherence miss, {15} ∩ {0} = ∅ → false sharing;
    //                   peer c1 M → transfer, hitm; c1 M→S + wb(c1) / M→O
    static let lineCrossing: [HandCase] = coherentProtocols.map { p in
        let moesi = p == .moesi
        return HandCase(name: "line-crossing accesses", coherence: p, cpus: 2, sets: 4, ways: 1, lineSize: 16,
                        trace: [.w(0, 0x0E, 4), .r(1, 0x0C, 8), .a(1, 0x1F, 2), .r(0, 0x10)],
                        counters: [["accesses": 3, "reads": 1, "writes": 2, "misses": 3, "cold_misses": 2,
                                    "coherence_misses": 1, "false_sharing_misses": 1, "transfers": 1, "hitm": 1,
                                    "writebacks": moesi ? 0 : 2],
                                   ["accesses": 4, "reads": 2, "writes": 2, "atomics": 2, "hits": 1, "misses": 3,
                                    "cold_misses": 3, "upgrades": 1, "invalidations": 1, "transfers": 2, "hitm": 2,
                                    "writebacks": moesi ? 0 : 1]],
                        lines: [line(0x00, readers: [1], writers: [0], accesses: 2, misses: 2, transfers: 1, hitm: 1,
                                     .trulyShared, offs(12...13, r: [1]) + offs(14...15, r: [1], w: [0])),
                                line(0x10, readers: [0, 1], writers: [0, 1], accesses: 4, misses: 3, transfers: 2,
                                     invalidations: 1, hitm: 2, falseSharing: 1, .trulyShared,
                                     [off(0, r: [0, 1], w: [0]), off(1, r: [1], w: [0])] + offs(2...3, r: [1])
                                        + [off(15, w: [1])]),
                                line(0x20, readers: [], writers: [1], accesses: 1, misses: 1, .private,
                                     [off(0, w: [1])])])
    }

    // LRU vs FIFO vs PLRU in one 4-way set (MESI, one CPU). Lines A..E = 0x0, 0x40, 0x80, 0xC0, 0x100.
    // Trace: A B C D (fill ways 0..3), hits B A D, then E, A, B, C.
    //  LRU: E evicts C (used longest ago); A, B hit; C misses, evicts D (last used before A, B, E).
    //       hits 5 (B A D A B), misses 6 (5 cold + C), evictions 2.
    //  FIFO: E evicts A (filled first); A misses, evicts B; B misses, evicts C; C misses, evicts D.
    //       hits 3, misses 8 (5 cold + 3), evictions 4.
    //  PLRU (bits n1; n2 over ways 0,1; n3 over ways 2,3; 1 = go right):
    //       fills A,B,C,D → n1 0, n2 0, n3 0; hit B → n1 1, n2 0; hit A → n1 1, n2 1;
    //       hit D → n1 0, n3 0. E: n1 0 → left, n2 1 → right → way 1 (B); then n1 1, n2 0.
    //       A hit (way 0) → n1 1, n2 1. B: n1 1 → right, n3 0 → left → way 2 (C); then n1 0, n3 1.
    //       C: n1 0 → left, n2 1 → right → way 1 (E). hits 4, misses 7 (5 cold + 2), evictions 3.
    // 8-way PLRU vs LRU: lines 0..7 fill ways 0..7 (all bits end 0), hit line 4 (n1 0, n3 1, n6 1),
    //  hit line 1 (n1 1, n2 1, n4 0). Line 8: n1 1 → right, n3 1 → right, n7 0 → left → way 6
    //  (line 6); then n1 0, n3 0, n7 1. Line 6: n1 0 → left, n2 1 → right, n5 0 → left → way 2
    //  (line 2). PLRU: hits 2, misses 10 (9 cold + 1), evictions 2.
    //  LRU: line 8 evicts line 0; line 6 hits: hits 3, misses 9, evictions 1.
    static let replacementPolicies: [HandCase] = {
        let trace4: [Access] = [0x0, 0x40, 0x80, 0xC0, 0x40, 0x0, 0xC0, 0x100, 0x0, 0x40, 0x80].map { .r(0, $0) }
        let trace8: [Access] = ([0, 1, 2, 3, 4, 5, 6, 7, 4, 1, 8, 6] as [UInt64]).map { .r(0, $0 * 0x40) }
        func c(hits: UInt64, misses: UInt64, cold: UInt64, evictions: UInt64, n: UInt64) -> [[String: UInt64]] {
            [["accesses": n, "reads": n, "hits": hits, "misses": misses, "cold_misses": cold,
              "replacement_misses": misses - cold, "evictions": evictions]]
        }
        func st(_ a: UInt64, _ present: Bool) -> ExpectedState {
            ExpectedState(cpu: 0, address: a, state: present ? .exclusive : nil)
        }
        return [
            HandCase(name: "4-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 4, replacement: .lru,
                     trace: trace4, counters: c(hits: 5, misses: 6, cold: 5, evictions: 2, n: 11),
                     states: [st(0x0, true), st(0x40, true), st(0x80, true), st(0xC0, false), st(0x100, true)]),
            HandCase(name: "4-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 4, replacement: .fifo,
                     trace: trace4, counters: c(hits: 3, misses: 8, cold: 5, evictions: 4, n: 11),
                     states: [st(0x0, true), st(0x40, true), st(0x80, true), st(0xC0, false), st(0x100, true)]),
            HandCase(name: "4-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 4, replacement: .plru,
                     trace: trace4, counters: c(hits: 4, misses: 7, cold: 5, evictions: 3, n: 11),
                     states: [st(0x0, true), st(0x40, true), st(0x80, true), st(0xC0, true), st(0x100, false)]),
            HandCase(name: "8-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 8, replacement: .plru,
                     trace: trace8, counters: c(hits: 2, misses: 10, cold: 9, evictions: 2, n: 12),
                     states: [st(0x0, true), st(0x80, false), st(0x180, true), st(0x200, true)]),
            HandCase(name: "8-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 8, replacement: .lru,
                     trace: trace8, counters: c(hits: 3, misses: 9, cold: 9, evictions: 1, n: 12),
                     states: [st(0x0, false), st(0x80, true), st(0x180, true), st(0x200, true)]),
            // MRU on trace4: A..D fill ways 0..3; B, A, D hit (D most recent). E evicts D (way 3)
            // and becomes most recent; A, B, C hit. hits 6, misses 5 (all cold), evictions 1.
            HandCase(name: "4-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 4, replacement: .mru,
                     trace: trace4, counters: c(hits: 6, misses: 5, cold: 5, evictions: 1, n: 11),
                     states: [st(0x0, true), st(0x40, true), st(0x80, true), st(0xC0, false), st(0x100, true)]),
            // LFU on trace4: fills count 1; B, A, D hit → A2 B2 C1 D2. E evicts C (way 2, count 1);
            // A, B hit → A3 B3 E1 D2. C evicts E (lowest count). hits 5, misses 6, evictions 2.
            HandCase(name: "4-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 4, replacement: .lfu,
                     trace: trace4, counters: c(hits: 5, misses: 6, cold: 5, evictions: 2, n: 11),
                     states: [st(0x0, true), st(0x40, true), st(0x80, true), st(0xC0, true), st(0x100, false)]),
            // SRRIP on trace4: fills at 2, hits set 0: A0 B0 C2 D0 before E; no way at 3, so all
            // age by 1 → C3, E replaces C (E2, others 1); A, B hit → 0. C: no 3, age → E3 → C
            // replaces E. hits 5, misses 6, evictions 2.
            HandCase(name: "4-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 4, replacement: .srrip,
                     trace: trace4, counters: c(hits: 5, misses: 6, cold: 5, evictions: 2, n: 11),
                     states: [st(0x0, true), st(0x40, true), st(0x80, true), st(0xC0, true), st(0x100, false)]),
            // SRRIP, 2 ways, A B A B C D A: A0 B0; C ages both by 3 and evicts A (way 0): C2 B3;
            // D evicts B (at 3): C2 D2; A ages both by 1 and evicts C. hits 2, misses 5 (4 cold).
            HandCase(name: "2-way set, ageing by more than one", coherence: .mesi, cpus: 1, sets: 1, ways: 2,
                     replacement: .srrip, trace: ([0, 1, 0, 1, 2, 3, 0] as [UInt64]).map { .r(0, $0 * 0x40) },
                     counters: c(hits: 2, misses: 5, cold: 4, evictions: 3, n: 7),
                     states: [st(0x0, true), st(0x40, false), st(0x80, false), st(0xC0, true)]),
            // BRRIP, seed 1 (CPU 0's stream starts at 1), 2 ways, A B C D E F G F. Draws, one per
            // fill, next() % 32 (computed with a few lines of Python): 1, 7, 30, 11, 25, 0, 5, …
            // Fills A..E insert at 3 and each of C, D, E evicts way 0 (the first at 3); F's draw
            // is 0, so F inserts at 2 (F2 B3) and G evicts B (way 1), not F; F hits.
            // hits 1, misses 7 (all cold), evictions 5. (With every fill at 3, G would evict F.)
            HandCase(name: "2-way set, one long insertion in 32", coherence: .mesi, cpus: 1, sets: 1, ways: 2,
                     replacement: .brrip, seed: 1,
                     trace: ([0, 1, 2, 3, 4, 5, 6, 5] as [UInt64]).map { .r(0, $0 * 0x40) },
                     counters: c(hits: 1, misses: 7, cold: 7, evictions: 5, n: 8),
                     states: [st(0x40, false), st(0x100, false), st(0x140, true), st(0x180, true)]),
            // ways == 1: PLRU has no bits and always picks way 0.
            HandCase(name: "1-way set", coherence: .mesi, cpus: 1, sets: 1, ways: 1, replacement: .plru,
                     trace: [.r(0, 0x0), .r(0, 0x40), .r(0, 0x0)],
                     counters: c(hits: 0, misses: 3, cold: 2, evictions: 2, n: 3),
                     states: [st(0x0, true), st(0x40, false)]),
        ]
    }()

    // Random replacement, seed 7, 1 set × 4 ways, MESI, two CPUs on disjoint lines, interleaved.
    // Streams (computed with a 5-line Python SplitMix64, not with this model):
    //   c0 state 7:            next() % 4 = 3, 0, 2, 3, 2, 1
    //   c1 state 7 + golden:   next() % 4 = 0, 2, 3, 2
    // c0: A B C D E F D A B, invalidate B, C E A C   (A..F = 0x0 .. 0x140)
    //   A..D fill ways 0..3 (no draw). E: draw 3 → evict D (way 3). F: draw 0 → evict A (way 0).
    //   D: miss, draw 2 → evict C (way 2). A: miss, draw 3 → evict E (way 3). B: hit (way 1).
    //   invalidate B → way 1 free. C: fills way 1, NO draw. E: draw 2 → evict D (way 2).
    //   A: hit (way 3). C: hit (way 1).  Final: F, C, E, A; B and D absent.
    //   (Had the C fill drawn, E would take draw 1 → evict C, and the last C would miss.)
    //   accesses 13, hits 3 (B, A, C), misses 10 = cold 6 + replacement 4 (D, A, C, E),
    //   evictions 5.
    // c1: P Q R S T P Q R   (P..T = 0x1000 .. 0x1100)
    //   P..S fill ways 0..3. T: draw 0 → evict P (way 0). P: draw 2 → evict R (way 2).
    //   Q: hit. R: draw 3 → evict S (way 3). Final: T, Q, P, R; S absent.
    //   accesses 8, hits 1, misses 7 = cold 5 + replacement 2, evictions 3.
    static let randomPolicy: [HandCase] = {
        let c0: [Access] = [0x0, 0x40, 0x80, 0xC0, 0x100, 0x140, 0xC0, 0x0, 0x40].map { .r(0, $0) }
            + [.inv(0, 0x40, 1)] + [0x80, 0x100, 0x0, 0x80].map { .r(0, $0) }
        let c1: [Access] = [0x1000, 0x1040, 0x1080, 0x10C0, 0x1100, 0x1000, 0x1040, 0x1080].map { .r(1, $0) }
        var trace: [Access] = []
        for i in 0..<max(c0.count, c1.count) {
            if i < c0.count { trace.append(c0[i]) }
            if i < c1.count { trace.append(c1[i]) }
        }
        func st(_ cpu: Int, _ a: UInt64, _ present: Bool) -> ExpectedState {
            ExpectedState(cpu: cpu, address: a, state: present ? .exclusive : nil)
        }
        return [HandCase(name: "random victims from per-CPU SplitMix64 streams", coherence: .mesi, cpus: 2,
                         sets: 1, ways: 4, replacement: .random, seed: 7, trace: trace,
                         counters: [["accesses": 13, "reads": 13, "hits": 3, "misses": 10, "cold_misses": 6,
                                     "replacement_misses": 4, "evictions": 5],
                                    ["accesses": 8, "reads": 8, "hits": 1, "misses": 7, "cold_misses": 5,
                                     "replacement_misses": 2, "evictions": 3]],
                         states: [st(0, 0x0, true), st(0, 0x40, false), st(0, 0x80, true), st(0, 0xC0, false),
                                  st(0, 0x100, true), st(0, 0x140, true),
                                  st(1, 0x1000, true), st(1, 0x1040, true), st(1, 0x1080, true),
                                  st(1, 0x10C0, false), st(1, 0x1100, true)])]
    }()

    // Protocol none: independent caches, no coherence action; writebacks = dirty evictions.
    // 1 set × 1 way, 2 CPUs.
    //  c0 W 0x0          L0 cold → dirty
    //  c1 W 0x0          L0 cold in c1's own cache: no transfer, no invalidation
    //  c0 R 0x0          hit (c0's copy untouched by c1's store)
    //  c0 R 0x40         L1 cold; evicts dirty L0 → eviction, writeback
    //  c1 R 0x30 (32 B)  bytes 0x30..0x4F: L0 offsets 0x30..0x3F hit (dirty);
    //                    L1 offsets 0..0xF cold miss, evicts dirty L0 → eviction, writeback
    //  c0 R 0x0          L0 replacement miss; evicts clean L1 → eviction
    static let protocolNone: [HandCase] = [
        HandCase(name: "protocol none", coherence: .none, cpus: 2, sets: 1, ways: 1,
                 trace: [.w(0, 0x0), .w(1, 0x0), .r(0, 0x0), .r(0, 0x40), .r(1, 0x30, 0x20), .r(0, 0x0)],
                 counters: [["accesses": 4, "reads": 3, "writes": 1, "hits": 1, "misses": 3, "cold_misses": 2,
                             "replacement_misses": 1, "evictions": 2, "writebacks": 1],
                            ["accesses": 3, "reads": 2, "writes": 1, "hits": 1, "misses": 2, "cold_misses": 2,
                             "evictions": 1, "writebacks": 1]],
                 states: [ExpectedState(cpu: 0, address: 0x0, state: .exclusive),
                          ExpectedState(cpu: 1, address: 0x40, state: .exclusive)],
                 lines: [line(0x0, readers: [0, 1], writers: [0, 1], accesses: 5, misses: 3, .trulyShared,
                              [off(0, r: [0], w: [0, 1])] + offs(0x30...0x3F, r: [1])),
                         line(0x40, readers: [0, 1], writers: [], accesses: 2, misses: 2, .readShared,
                              [off(0, r: [0, 1])] + offs(1...0xF, r: [1]))]),
    ]

    // Copy-back and invalidate records (not accesses). 1 set × 2 ways, one CPU.
    //  1  c0 W 0x0        L0 cold → M (way 0)
    //  2  c0 W 0x40       L1 cold → M (way 1)
    //  -  c0 F 0x80       fetch: skipped (would otherwise evict)
    //  3  c0 CB 0x0 (1)   L0 dirty → writeback 1; M→E (MSI: M→S; none: clean)
    //  4  c0 R 0x0        hit
    //  5  c0 W 0x0        hit: E→M silently (MSI: S → upgrade, 0 invalidations)
    //  6  c0 CB size 0    whole cache: L0 M → wb 2, L1 M → wb 3; both clean
    //  7  c0 INV 0x7F (1) L1 (clean) dropped, no writeback
    //  8  c0 R 0x40       L1: replacement miss (not cold, not coherence); free way → no eviction
    //  9  c0 W 0x40       hit: E→M (MSI: upgrade)
    //  10 c0 INV 0x3F (2) bytes 0x3F, 0x40 → L0 (clean) dropped; L1 (M) → wb 4, dropped
    //  11 c0 R 0x0        L0: replacement miss, free way → no eviction
    //  accesses 7, reads 3, writes 4, hits 3, misses 4 = cold 2 + replacement 2, writebacks 4,
    //  evictions 0; MSI upgrades 2.
    static let copyBackAndInvalidate: [HandCase] = (coherentProtocols + [.none]).map { p in
        var c0: [String: UInt64] = ["accesses": 7, "reads": 3, "writes": 4, "hits": 3, "misses": 4, "cold_misses": 2,
                                    "replacement_misses": 2, "writebacks": 4]
        if p == .msi { c0["upgrades"] = 2 }
        return HandCase(name: "copy-back and invalidate records", coherence: p, cpus: 1, sets: 1, ways: 2,
                        trace: [.w(0, 0x0), .w(0, 0x40), .f(0, 0x80), .cb(0, 0x0, 1), .r(0, 0x0), .w(0, 0x0),
                                .cb(0, 0x0, 0), .inv(0, 0x7F, 1), .r(0, 0x40), .w(0, 0x40), .inv(0, 0x3F, 2),
                                .r(0, 0x0)],
                        counters: [c0],
                        states: [ExpectedState(cpu: 0, address: 0x0, state: p == .msi ? .shared : .exclusive),
                                 ExpectedState(cpu: 0, address: 0x40, state: nil),
                                 ExpectedState(cpu: 0, address: 0x80, state: nil)],
                        lines: [line(0x0, readers: [0], writers: [0], accesses: 4, misses: 2, .private,
                                     [off(0, r: [0], w: [0])]),
                                line(0x40, readers: [0], writers: [0], accesses: 3, misses: 2, .private,
                                     [off(0, r: [0], w: [0])])])
    }

    // Copy-back of an O line (MOESI): writeback, O→S, so a later load miss sees no owner.
    // MESI on the same trace writes back at the downgrade instead: the same counters.
    //  c0 W 0x0        cold → M
    //  c1 R 0x0        cold; peer M → transfer, hitm; c0 → O (MOESI) / S + wb(c0) (MESI)
    //  c0 CB size 0    MOESI: O dirty → wb(c0), O→S. MESI: S is clean → nothing
    //  c2 R 0x0        cold; peers c0 S, c1 S → transfer, no hitm
    static let copyBackOwned: [HandCase] = [CoherenceProtocol.mesi, .moesi].map { p in
        HandCase(name: "copy-back of O", coherence: p, cpus: 3,
                 trace: [.w(0, 0x0), .r(1, 0x0), .cb(0, 0x0, 0), .r(2, 0x0)],
                 counters: [["accesses": 1, "writes": 1, "misses": 1, "cold_misses": 1, "writebacks": 1],
                            ["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1, "transfers": 1, "hitm": 1],
                            ["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1, "transfers": 1]],
                 states: [ExpectedState(cpu: 0, address: 0, state: .shared),
                          ExpectedState(cpu: 1, address: 0, state: .shared),
                          ExpectedState(cpu: 2, address: 0, state: .shared)])
    }

    // The four sharing classes and per-offset readers/writers. MESI, 3 CPUs, 8 sets × 2 ways
    // (each line its own set, nothing evicted).
    //  1  c0 R 0x00    L0 cold → E
    //  2  c0 W 0x01    L0 hit E→M
    //  3  c0 R 0x40    L1 cold → E
    //  4  c1 R 0x40    L1 cold; peer E → transfer; both S
    //  5  c0 W 0x80    L2 cold store miss → M
    //  6  c1 R 0x81    L2 cold; peer M → transfer, hitm, wb(c0); both S
    //  7  c1 W 0x82    L2 hit in S → upgrade, invalidates c0 (1)
    //  8  c0 R 0xC0 4  L3 cold → E
    //  9  c1 W 0xC3    L3 cold store miss; peer E → transfer; invalidates c0 (1)
    //  10 c0 R 0x100   L4 cold → E
    //  11 c1 R 0x100   L4 cold; transfer; both S
    //  12 c2 W 0x108   L4 cold store miss; peers S,S → transfer; invalidations 2
    //  13 c0 R 0x140   L5 cold → E
    //  14 c0 W 0x140   L5 hit E→M
    //  15 c1 W 0x141   L5 cold store miss; peer M → transfer, hitm; invalidates c0 (1), no wb
    // L0 private (one CPU). L1 read-shared. L2: bytes 0 (w c0), 1 (r c1), 2 (w c1) → falsely
    // shared. L3: byte 3 read by c0, written by c1 → truly shared. L4: byte 0 read by c0 and c1
    // (no writer), byte 8 written by c2 only → falsely shared. L5: byte 0 read+written by c0
    // alone, byte 1 written by c1 → falsely shared.
    static let sharingClasses: [HandCase] = [
        HandCase(name: "sharing classes and per-offset readers/writers", coherence: .mesi, cpus: 3, sets: 8,
                 trace: [.r(0, 0x00), .w(0, 0x01), .r(0, 0x40), .r(1, 0x40), .w(0, 0x80), .r(1, 0x81),
                         .w(1, 0x82), .r(0, 0xC0, 4), .w(1, 0xC3), .r(0, 0x100), .r(1, 0x100), .w(2, 0x108),
                         .r(0, 0x140), .w(0, 0x140), .w(1, 0x141)],
                 counters: [["accesses": 8, "reads": 5, "writes": 3, "hits": 2, "misses": 6, "cold_misses": 6,
                             "writebacks": 1],
                            ["accesses": 6, "reads": 3, "writes": 3, "hits": 1, "misses": 5, "cold_misses": 5,
                             "upgrades": 1, "invalidations": 3, "transfers": 5, "hitm": 2],
                            ["accesses": 1, "writes": 1, "misses": 1, "cold_misses": 1, "transfers": 1,
                             "invalidations": 2]],
                 lines: [line(0x00, readers: [0], writers: [0], accesses: 2, misses: 1, .private,
                              [off(0, r: [0]), off(1, w: [0])]),
                         line(0x40, readers: [0, 1], writers: [], accesses: 2, misses: 2, transfers: 1, .readShared,
                              [off(0, r: [0, 1])]),
                         line(0x80, readers: [1], writers: [0, 1], accesses: 3, misses: 2, transfers: 1,
                              invalidations: 1, hitm: 1, .falselyShared,
                              [off(0, w: [0]), off(1, r: [1]), off(2, w: [1])]),
                         line(0xC0, readers: [0], writers: [1], accesses: 2, misses: 2, transfers: 1,
                              invalidations: 1, .trulyShared, offs(0...2, r: [0]) + [off(3, r: [0], w: [1])]),
                         line(0x100, readers: [0, 1], writers: [2], accesses: 3, misses: 3, transfers: 2,
                              invalidations: 2, .falselyShared, [off(0, r: [0, 1]), off(8, w: [2])]),
                         line(0x140, readers: [0], writers: [0, 1], accesses: 3, misses: 2, transfers: 1,
                              invalidations: 1, hitm: 1, .falselyShared, [off(0, r: [0], w: [0]), off(1, w: [1])])]),
    ]

    // 64 CPUs (the CPUSet capacity). MESI.
    //  ck R 0x0 for k = 0...63   c0 cold → E; every later one cold with a peer → transfer
    //                            (c1 turns c0's E into S); all S
    //  c63 W 0x0                 hit in S → upgrade, invalidates 63 copies
    //  c0 R 0x0                  coherence miss, true sharing (byte 0); peer c63 M → transfer,
    //                            hitm; c63 M→S + wb(c63)
    static let sixtyFourCPUs: [HandCase] = {
        var trace: [Access] = (0..<64).map { .r($0, 0x0) }
        trace += [.w(63, 0x0), .r(0, 0x0)]
        var counters: [[String: UInt64]] = []
        counters.append(["accesses": 2, "reads": 2, "misses": 2, "cold_misses": 1, "coherence_misses": 1,
                         "true_sharing_misses": 1, "transfers": 1, "hitm": 1])
        for _ in 1...62 {
            counters.append(["accesses": 1, "reads": 1, "misses": 1, "cold_misses": 1, "transfers": 1])
        }
        counters.append(["accesses": 2, "reads": 1, "writes": 1, "hits": 1, "misses": 1, "cold_misses": 1,
                         "transfers": 1, "upgrades": 1, "invalidations": 63, "writebacks": 1])
        return [HandCase(name: "64 CPUs share one line", coherence: .mesi, cpus: 64, trace: trace,
                         counters: counters,
                         states: [ExpectedState(cpu: 0, address: 0, state: .shared),
                                  ExpectedState(cpu: 1, address: 0, state: nil),
                                  ExpectedState(cpu: 63, address: 0, state: .shared)],
                         lines: [line(0x0, readers: Array(0..<64), writers: [63], accesses: 66, misses: 65,
                                      transfers: 64, invalidations: 63, hitm: 1, trueSharing: 1, .trulyShared,
                                      [off(0, r: Array(0..<64), w: [63])])])]
    }()
}
