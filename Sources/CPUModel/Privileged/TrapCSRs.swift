// The trap-handling CSRs of M- and S-mode: vector, scratch, exception pc, cause, value,
// and M-mode's delegation registers. Each type legalises its own writes.

/// Interrupt bits of mip/mie (and sip/sie), as numbered in the cause register.
enum Interrupt {
    static let supervisorSoftware: UInt64 = 1 << 1
    static let software: UInt64 = 1 << 3
    static let supervisorTimer: UInt64 = 1 << 5
    static let timer: UInt64 = 1 << 7
    static let supervisorExternal: UInt64 = 1 << 9
    static let external: UInt64 = 1 << 11
    static let supervisor: UInt64 = supervisorSoftware | supervisorTimer | supervisorExternal
    static let implemented: UInt64 = supervisor | software | timer | external
    /// Order in which pending, enabled interrupts are taken (privileged spec 3.1.9).
    static let priority: [UInt64] = [11, 3, 7, 9, 1, 5]
}

/// Exceptions that medeleg can delegate: everything this machine raises except
/// environment calls from M-mode (cause 11), which always stay in M-mode.
let delegableExceptions: UInt64 = 0xb3ff

/// xtvec, xscratch, xepc, xcause and xtval of one privilege level (M or S).
struct TrapRegisters {
    var tvec: UInt64 = 0
    var scratch: UInt64 = 0
    var epc: UInt64 = 0
    var cause: UInt64 = 0
    var tval: UInt64 = 0

    /// CSR numbers relative to the level's base (0x300 or 0x100): 5 tvec, 0x40 scratch,
    /// 0x41 epc, 0x42 cause, 0x43 tval.
    func read(_ offset: UInt32) -> UInt64? {
        switch offset {
        case 0x05: return tvec
        case 0x40: return scratch
        case 0x41: return epc
        case 0x42: return cause
        case 0x43: return tval
        default: return nil
        }
    }

    mutating func write(_ offset: UInt32, _ value: UInt64) {
        switch offset {
        case 0x05: tvec = value & 2 != 0 ? value & ~3 : value // modes 2, 3 reserved: direct
        case 0x40: scratch = value
        case 0x41: epc = value & ~1 // IALIGN is 16 (C)
        case 0x42: cause = value
        case 0x43: tval = value
        default: break
        }
    }

    /// The handler of a trap with `cause`: the base, or base + 4·code for an interrupt in
    /// vectored mode.
    func handler(cause: UInt64) -> UInt64 {
        let base = tvec & ~3
        if tvec & 1 == 1 && cause >> 63 == 1 { return base &+ 4 &* (cause & 0x3f) }
        return base
    }
}

/// medeleg and mideleg.
struct Delegation {
    var exceptions: UInt64 = 0
    var interrupts: UInt64 = 0

    mutating func writeExceptions(_ value: UInt64) { exceptions = value & delegableExceptions }
    /// Only the S-level interrupts can be delegated (M-level ones always trap to M).
    mutating func writeInterrupts(_ value: UInt64) { interrupts = value & Interrupt.supervisor }
}

/// mie and the software-writable bits of mip; sie and sip are their views through
/// mideleg.
struct InterruptCSRs {
    var enabled: UInt64 = 0
    /// SSIP, STIP and SEIP as software wrote them (M-mode; SSIP also from S-mode when
    /// delegated). MSIP and MTIP come from the CLINT.
    var softwarePending: UInt64 = 0

    mutating func writeEnabled(_ value: UInt64) { enabled = value & Interrupt.implemented }
    mutating func writePending(_ value: UInt64) {
        softwarePending = value & Interrupt.supervisor
    }
    func supervisorEnabled(_ d: Delegation) -> UInt64 { enabled & d.interrupts }
    mutating func writeSupervisorEnabled(_ value: UInt64, _ d: Delegation) {
        enabled = (enabled & ~d.interrupts) | (value & d.interrupts)
    }
    /// sip: only SSIP is writable from S-mode (STIP and SEIP belong to M-mode software).
    mutating func writeSupervisorPending(_ value: UInt64, _ d: Delegation) {
        let mask = d.interrupts & Interrupt.supervisorSoftware
        softwarePending = (softwarePending & ~mask) | (value & mask)
    }
}
