/// The stable state of a line in one cache. Raw values are what ``CacheArray`` stores
/// (0 = invalid). Protocol `none` uses E for a clean copy and M for a dirty one.
public enum LineState: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case invalid = 0, shared, exclusive, owned, modified

    /// Holds data that memory does not have yet.
    public var isDirty: Bool { self == .modified || self == .owned }
    public var description: String { ["I", "S", "E", "O", "M"][Int(rawValue)] }
}

/// What happens to one cache's copy of a line.
public enum ProtocolEvent: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// This CPU loads and no peer holds the line (or it is a hit).
    case load
    /// This CPU loads while a peer holds the line (the bus's shared signal is raised).
    case loadShared
    /// This CPU stores (atomics included).
    case store
    /// A peer's load miss is snooped.
    case peerLoad
    /// A peer's store miss or upgrade is snooped.
    case peerStore
    /// This cache evicts the line to make room.
    case replacement
    /// An explicit copy-back request (Dinero's `c` record).
    case copyBack

    public var description: String {
        ["Load", "Load (shared)", "Store", "Peer load", "Peer store", "Replacement", "Copy-back"][rawValue]
    }
}

/// The protocol-independent actions a transition triggers; the engine turns them into counters.
public struct ProtocolActions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Served by this cache.
    public static let hit = ProtocolActions(rawValue: 1 << 0)
    /// Not served by this cache: a bus read (load) or read-for-ownership (store).
    public static let miss = ProtocolActions(rawValue: 1 << 1)
    /// A store hit on a shared copy: broadcast an invalidation, counted in `upgrades`.
    public static let upgrade = ProtocolActions(rawValue: 1 << 2)
    /// Dirty data goes to memory, counted in `writebacks` of this cache's CPU.
    public static let writeback = ProtocolActions(rawValue: 1 << 3)
    /// This cache's dirty copy answers the snoop (the requester's miss is a `hitm`).
    public static let supplyDirty = ProtocolActions(rawValue: 1 << 4)

    var names: [String] {
        [(Self.hit, "hit"), (.miss, "miss"), (.upgrade, "upgrade"), (.writeback, "writeback"),
         (.supplyDirty, "supply dirty")].filter { contains($0.0) }.map(\.1)
    }
}

/// One cell of a protocol table.
public struct Transition: Equatable, Sendable {
    public var next: LineState
    public var actions: ProtocolActions
}

/// A coherence protocol as data: (state, event) → (actions, next state), in the style of
/// gem5's SLICC. The engine executes these cells; tests check them exhaustively against the
/// single-writer / multiple-reader invariant; `mtlab protocols` prints them.
public struct ProtocolTable: Sendable {
    public let coherence: CoherenceProtocol
    /// The states this protocol uses, in print order.
    public let states: [LineState]
    private let cells: [LineState: [ProtocolEvent: Transition]]

    /// The cell for `state` and `event`, or nil when that combination cannot occur.
    public subscript(state: LineState, event: ProtocolEvent) -> Transition? { cells[state]?[event] }

    public static func of(_ coherence: CoherenceProtocol) -> ProtocolTable {
        switch coherence {
        case .none: return none
        case .msi: return msi
        case .mesi: return mesi
        case .moesi: return moesi
        }
    }

    // Shorthands that keep the tables below readable as tables.
    private static func hit(_ next: LineState, _ extra: ProtocolActions = []) -> Transition { Transition(next: next, actions: extra.union(.hit)) }
    private static func miss(_ next: LineState) -> Transition { Transition(next: next, actions: .miss) }
    private static func to(_ next: LineState, _ actions: ProtocolActions = []) -> Transition { Transition(next: next, actions: actions) }

    /// Share-nothing: independent caches. E is a clean copy, M a dirty one; no snoops ever.
    public static let none = ProtocolTable(coherence: .none, states: [.invalid, .exclusive, .modified], cells: [
        .invalid:   [.load: miss(.exclusive), .store: miss(.modified)],
        .exclusive: [.load: hit(.exclusive), .store: hit(.modified),
                     .replacement: to(.invalid), .copyBack: to(.exclusive)],
        .modified:  [.load: hit(.modified), .store: hit(.modified),
                     .replacement: to(.invalid, .writeback), .copyBack: to(.exclusive, .writeback)],
    ])

    // Rows that several protocols share, written once so that they cannot drift apart.
    private typealias Row = [ProtocolEvent: Transition]

    /// Invalid, in MESI and MOESI: a load miss takes E when no peer holds the line.
    private static let invalidRowWithExclusive: Row =
        [.load: miss(.exclusive), .loadShared: miss(.shared), .store: miss(.modified)]

    /// Shared, in MSI, MESI and MOESI: a store upgrades; a peer's store or an eviction drops it.
    private static let sharedRow: Row =
        [.load: hit(.shared), .loadShared: hit(.shared), .store: hit(.modified, .upgrade),
         .peerLoad: to(.shared), .peerStore: to(.invalid),
         .replacement: to(.invalid), .copyBack: to(.shared)]

    /// Exclusive, in MESI and MOESI: a store turns it M silently; a peer's load makes it S.
    private static let exclusiveRow: Row =
        [.load: hit(.exclusive), .store: hit(.modified),
         .peerLoad: to(.shared), .peerStore: to(.invalid),
         .replacement: to(.invalid), .copyBack: to(.exclusive)]

    public static let msi = ProtocolTable(coherence: .msi, states: [.invalid, .shared, .modified], cells: [
        .invalid:  [.load: miss(.shared), .loadShared: miss(.shared), .store: miss(.modified)],
        .shared:   sharedRow,
        .modified: [.load: hit(.modified), .store: hit(.modified),
                    .peerLoad: to(.shared, [.writeback, .supplyDirty]), .peerStore: to(.invalid, .supplyDirty),
                    .replacement: to(.invalid, .writeback), .copyBack: to(.shared, .writeback)],
    ])

    public static let mesi = ProtocolTable(coherence: .mesi, states: [.invalid, .shared, .exclusive, .modified], cells: [
        .invalid:   invalidRowWithExclusive,
        .shared:    sharedRow,
        .exclusive: exclusiveRow,
        .modified:  [.load: hit(.modified), .store: hit(.modified),
                     .peerLoad: to(.shared, [.writeback, .supplyDirty]), .peerStore: to(.invalid, .supplyDirty),
                     .replacement: to(.invalid, .writeback), .copyBack: to(.exclusive, .writeback)],
    ])

    public static let moesi = ProtocolTable(coherence: .moesi, states: [.invalid, .shared, .exclusive, .owned, .modified], cells: [
        .invalid:   invalidRowWithExclusive,
        .shared:    sharedRow,
        .exclusive: exclusiveRow,
        .owned:     [.load: hit(.owned), .loadShared: hit(.owned), .store: hit(.modified, .upgrade),
                     .peerLoad: to(.owned, .supplyDirty), .peerStore: to(.invalid, .supplyDirty),
                     .replacement: to(.invalid, .writeback), .copyBack: to(.shared, .writeback)],
        .modified:  [.load: hit(.modified), .store: hit(.modified),
                     .peerLoad: to(.owned, .supplyDirty), .peerStore: to(.invalid, .supplyDirty),
                     .replacement: to(.invalid, .writeback), .copyBack: to(.exclusive, .writeback)],
    ])

    /// The table as aligned text: one row per state, one column per event, `—` where the
    /// combination cannot occur.
    public var rendered: String {
        let header = ["state"] + ProtocolEvent.allCases.map(\.description)
        var rows = [header]
        for state in states {
            rows.append([state.description] + ProtocolEvent.allCases.map { event in
                guard let t = self[state, event] else { return "—" }
                let actions = t.actions.names.joined(separator: "+")
                return actions.isEmpty ? "→\(t.next)" : "\(actions) →\(t.next)"
            })
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1 + String(repeating: " ", count: widths[$0] - $1.count) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }

    /// Packed cells for the engine: `next | actions << 8`, 0xFFFF where the cell is empty.
    func packed() -> [UInt16] {
        var out = [UInt16](repeating: 0xFFFF, count: LineState.allCases.count * ProtocolEvent.allCases.count)
        for state in LineState.allCases {
            for event in ProtocolEvent.allCases {
                if let t = self[state, event] {
                    out[Int(state.rawValue) * ProtocolEvent.allCases.count + event.rawValue] =
                        UInt16(t.next.rawValue) | UInt16(t.actions.rawValue) << 8
                }
            }
        }
        return out
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

extension ProtocolTable {
    /// The states whose eviction writes back, as a mask of raw values (the engines' test of
    /// a victim, with no branch).
    var writebackStates: UInt64 {
        states.reduce(0) { mask, state in
            self[state, .replacement]?.actions.contains(.writeback) == true ? mask | 1 << state.rawValue : mask
        }
    }

    /// A cell of ``packed()`` as the next state and the actions. An empty cell is a bug in a
    /// table or in an engine, never an input error.
    @inline(__always)
    static func unpack(_ cell: UInt16, _ coherence: CoherenceProtocol, state: UInt8, event: ProtocolEvent)
        -> (next: UInt8, actions: ProtocolActions) {
        precondition(cell != 0xFFFF, "protocol \(coherence): no transition for state \(state) on \(event)")
        return (UInt8(truncatingIfNeeded: cell), ProtocolActions(rawValue: UInt8(truncatingIfNeeded: cell >> 8)))
    }
}
