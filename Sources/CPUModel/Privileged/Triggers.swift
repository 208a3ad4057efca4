// A minimal Sdtrig trigger module: two mcontrol (type 2) triggers that match an address
// exactly on execute, load or store and raise a breakpoint exception (action 0). Enough
// for software that probes and uses triggers (OpenSBI's probe, debuggers' breakpoints).

/// tselect, tdata1, tdata2 (tdata3 and tinfo are read-only), per hart.
struct TriggerModule {
    static let count = 2
    /// tdata1 of type 2 with no enables: what an unused trigger reads as.
    static let idle: UInt64 = 2 << 60
    static let typeShift: UInt64 = 60
    // mcontrol fields.
    static let load: UInt64 = 1 << 0
    static let store: UInt64 = 1 << 1
    static let execute: UInt64 = 1 << 2
    static let user: UInt64 = 1 << 3
    static let supervisor: UInt64 = 1 << 4
    static let machine: UInt64 = 1 << 6
    /// Fields kept on a write: the enables and modes. match = 0 (equal), action = 0
    /// (breakpoint), chain = 0, select = 0 (address), timing = 0 (before), dmode = 0.
    static let writable: UInt64 = load | store | execute | user | supervisor | machine

    var select = 0
    var control: (UInt64, UInt64) = (idle, idle)
    var address: (UInt64, UInt64) = (0, 0)

    func read(_ csr: UInt32) -> UInt64? {
        switch csr {
        case 0x7a0: return UInt64(select)
        case 0x7a1: return select == 0 ? control.0 : control.1
        case 0x7a2: return select == 0 ? address.0 : address.1
        case 0x7a3: return 0
        case 0x7a4: return 1 << 2 // tinfo: type 2 only
        default: return nil
        }
    }

    mutating func write(_ csr: UInt32, _ value: UInt64) {
        switch csr {
        case 0x7a0: if value < UInt64(Self.count) { select = Int(value) } // WARL: keep a valid index
        case 0x7a1:
            // Type 0 (none) or 15 (disabled) park the trigger; anything else becomes type 2.
            let kind = value >> Self.typeShift
            let stored = kind == 0 || kind == 15 ? Self.idle : Self.idle | (value & Self.writable)
            if select == 0 { control.0 = stored } else { control.1 = stored }
        case 0x7a2: if select == 0 { address.0 = value } else { address.1 = value }
        default: break // tdata3, tinfo: read-only
        }
    }

    /// Whether any trigger can fire at `privilege` (then accesses leave the fast path).
    func armed(at privilege: Privilege) -> Bool {
        let mode = Self.modeBit(privilege)
        let kinds = Self.load | Self.store | Self.execute
        return (control.0 & mode != 0 && control.0 & kinds != 0) || (control.1 & mode != 0 && control.1 & kinds != 0)
    }

    /// Whether an access of `kind` (load, store or execute bit) at `address` by
    /// `privilege` hits a trigger.
    func matches(_ kind: UInt64, _ target: UInt64, at privilege: Privilege) -> Bool {
        let want = kind | Self.modeBit(privilege)
        return (control.0 & want == want && address.0 == target)
            || (control.1 & want == want && address.1 == target)
    }

    static func modeBit(_ privilege: Privilege) -> UInt64 {
        switch privilege {
        case .machine: return machine
        case .supervisor: return supervisor
        case .user: return user
        }
    }
}
