/// A RISC-V privilege level, numbered as in `mstatus.MPP`.
public enum Privilege: UInt8, Sendable, CustomStringConvertible, Comparable {
    case user = 0
    case supervisor = 1
    case machine = 3

    /// `U-mode`, `S-mode`, `M-mode`.
    public var description: String {
        switch self {
        case .user: return "U-mode"
        case .supervisor: return "S-mode"
        case .machine: return "M-mode"
        }
    }

    public static func < (a: Privilege, b: Privilege) -> Bool { a.rawValue < b.rawValue }

    /// The level an `xPP` field names; the reserved value 2 is read as U (the fields
    /// never hold it: `StatusCSR` legalises writes).
    init(field: UInt64) { self = Privilege(rawValue: UInt8(field & 3)) ?? .user }
}
