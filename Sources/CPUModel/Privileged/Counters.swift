// Counters (cycle, instret, time, hpm), their enables, and the environment-configuration
// registers.

/// mcounteren, scounteren, menvcfg and senvcfg.
struct CounterCSRs {
    var machineEnable: UInt64 = 0
    var supervisorEnable: UInt64 = 0
    var machineEnvironment: UInt64 = 0
    var supervisorEnvironment: UInt64 = 0

    /// CY, TM and IR can be enabled; the hpm counters read zero anyway, so their enables
    /// are hardwired off.
    mutating func writeMachineEnable(_ value: UInt64) { machineEnable = value & 7 }
    mutating func writeSupervisorEnable(_ value: UInt64) { supervisorEnable = value & 7 }
    /// No fields of menvcfg/senvcfg are implemented (FIOM, CBIE, CBCFE, CBZE, PBMTE, ...
    /// belong to extensions this machine lacks), so both read 0.
    mutating func writeMachineEnvironment(_ value: UInt64) { machineEnvironment = 0 }
    mutating func writeSupervisorEnvironment(_ value: UInt64) { supervisorEnvironment = 0 }

    /// Whether `privilege` may read user counter `index` (0…31 of 0xc00…0xc1f).
    func allows(_ index: UInt32, at privilege: Privilege) -> Bool {
        let bit: UInt64 = 1 << UInt64(index)
        switch privilege {
        case .machine: return true
        case .supervisor: return machineEnable & bit != 0
        case .user: return machineEnable & bit != 0 && supervisorEnable & bit != 0
        }
    }
}

/// satp: Bare or Sv39; a write naming another mode changes nothing (privileged spec 4.1.11).
struct AddressTranslationCSR {
    var value: UInt64 = 0

    static let modeBare: UInt64 = 0
    static let modeSv39: UInt64 = 8

    var mode: UInt64 { value >> 60 }
    var rootPageNumber: UInt64 { value & ((1 << 44) - 1) }
    var isSv39: Bool { mode == Self.modeSv39 }

    mutating func write(_ newValue: UInt64) {
        let mode = newValue >> 60
        guard mode == Self.modeBare || mode == Self.modeSv39 else { return }
        // ASIDLEN is 16 and PPN 44 bits: every other bit is stored as written.
        value = newValue
    }
}
