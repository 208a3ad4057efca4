// Physical memory protection: 16 entries, TOR/NA4/NAPOT, lock bit, grain 4 bytes.

/// The kind of a memory access, for permission checks.
enum AccessType: UInt8 {
    case fetch, load, store

    /// The permission bit (PMP cfg and PTE share R=1<<1... as R, W, X at 0, 1, 2 in PMP).
    var pmpBit: UInt8 {
        switch self {
        case .load: return 1
        case .store: return 2
        case .fetch: return 4
        }
    }
}

/// pmpcfg0/2 and pmpaddr0…15 of one hart.
struct PMPUnit {
    static let entries = 16
    static let read: UInt8 = 1, write: UInt8 = 2, execute: UInt8 = 4
    static let lock: UInt8 = 0x80
    static let modeOff: UInt8 = 0, modeTOR: UInt8 = 1, modeNA4: UInt8 = 2, modeNAPOT: UInt8 = 3
    /// pmpaddr holds bits 55:2 of an address.
    static let addressMask: UInt64 = (1 << 54) - 1

    var config = InlineArray<16, UInt8>(repeating: 0)
    var address = InlineArray<16, UInt64>(repeating: 0)
    /// Some active entry is locked: M-mode accesses are checked too.
    private(set) var anyLocked = false

    static func mode(_ cfg: UInt8) -> UInt8 { (cfg >> 3) & 3 }

    /// Whether accesses at `privilege` need checking at all. S and U always do: with PMP
    /// entries implemented, an access no entry matches is denied to them (as on QEMU and
    /// Spike), so S/U software runs only after M-mode grants it memory.
    func active(for privilege: Privilege) -> Bool { privilege == .machine ? anyLocked : true }

    // MARK: CSRs

    /// pmpcfg0 (0x3a0) and pmpcfg2 (0x3a2) hold eight entries each; pmpcfg1/3 do not
    /// exist on RV64. pmpcfg4…15 and pmpaddr16…63 read 0 (entries not implemented).
    func readCSR(_ csr: UInt32) -> UInt64? {
        switch csr {
        case 0x3a0, 0x3a2:
            let first = csr == 0x3a0 ? 0 : 8
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(config[first + i]) << UInt64(8 * i) }
            return value
        case 0x3a4...0x3af: return csr & 1 == 0 ? 0 : nil
        case 0x3b0...0x3bf: return address[Int(csr - 0x3b0)]
        case 0x3c0...0x3ef: return 0
        default: return nil
        }
    }

    mutating func writeCSR(_ csr: UInt32, _ value: UInt64) {
        switch csr {
        case 0x3a0, 0x3a2:
            let first = csr == 0x3a0 ? 0 : 8
            for i in 0..<8 {
                let index = first + i
                guard config[index] & Self.lock == 0 else { continue }
                var cfg = UInt8(truncatingIfNeeded: value >> UInt64(8 * i)) & 0x9f
                // R = 0 with W = 1 is reserved: read it as no access of either kind.
                if cfg & Self.read == 0 && cfg & Self.write != 0 { cfg &= ~(Self.read | Self.write) }
                config[index] = cfg
            }
        case 0x3b0...0x3bf:
            let index = Int(csr - 0x3b0)
            guard config[index] & Self.lock == 0 else { return }
            // A locked TOR entry also locks the address below it.
            if index + 1 < Self.entries, config[index + 1] & Self.lock != 0,
               Self.mode(config[index + 1]) == Self.modeTOR { return }
            address[index] = value & Self.addressMask
        default: break
        }
        anyLocked = false
        for i in 0..<Self.entries where Self.mode(config[i]) != Self.modeOff && config[i] & Self.lock != 0 {
            anyLocked = true
        }
    }

    // MARK: Checks

    /// The byte range `lo ..< hi` entry `i` covers (empty when OFF).
    func range(_ i: Int) -> (lo: UInt64, hi: UInt64) {
        let a = address[i]
        switch Self.mode(config[i]) {
        case Self.modeTOR:
            let lo = i == 0 ? 0 : address[i - 1] << 2
            return (lo, a << 2)
        case Self.modeNA4:
            return (a << 2, (a << 2) + 4)
        case Self.modeNAPOT:
            let mask = a ^ (a &+ 1) // the trailing ones and the zero above them
            let lo = (a & ~mask) << 2
            return (lo, lo &+ ((mask &+ 1) << 2))
        default:
            return (0, 0)
        }
    }

    /// Whether `privilege` may make an access of `type` to `address ..< address + size`:
    /// the lowest-numbered entry that matches any byte decides, and must match all bytes.
    func allows(_ address: UInt64, _ size: UInt64, _ type: AccessType, _ privilege: Privilege) -> Bool {
        switch decision(address, address &+ size, type, privilege) {
        case .allow: return true
        case .deny, .partial: return false
        }
    }

    enum Decision { case allow, deny, partial }

    /// The decision for every byte of `lo ..< hi`, or `.partial` when the first entry that
    /// matches covers only part of it.
    func decision(_ lo: UInt64, _ hi: UInt64, _ type: AccessType, _ privilege: Privilege) -> Decision {
        if !active(for: privilege) { return .allow }
        for i in 0..<Self.entries where Self.mode(config[i]) != Self.modeOff {
            let r = range(i)
            guard r.lo < hi && lo < r.hi else { continue }
            guard r.lo <= lo && hi <= r.hi else { return .partial }
            let cfg = config[i]
            if privilege == .machine && cfg & Self.lock == 0 { return .allow }
            return cfg & type.pmpBit != 0 ? .allow : .deny
        }
        return privilege == .machine ? .allow : .deny
    }
}
