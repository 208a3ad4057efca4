import MTrace

// The A extension. Harts run one at a time, so every AMO is atomic with respect to all
// harts by construction; what needs care is the LR reservation, which any other hart's
// store, SC or AMO to the reserved 64-byte line breaks (see `storeHook`).

extension Machine {
    /// Executes LR, SC or an AMO. Returns the next pc and whether it trapped.
    @inline(never)
    func atomic(_ h: Int, _ d: DecodedOp, _ pc: UInt64, trace: Bool) -> (UInt64, Bool) {
        let x = registers + h * registerStride
        let hs = harts + h
        let wide = d.op == .lrD || d.op == .scD || d.op == .amoD
        let size = wide ? 8 : 4
        let isLoad = d.op == .lrW || d.op == .lrD
        let virtual = x[Int(d.rs1)]
        // LR/SC/AMO must be naturally aligned, and must target RAM.
        if virtual & UInt64(size - 1) != 0 {
            return (raise(h, pc, isLoad ? .loadAddressMisaligned : .storeAddressMisaligned, virtual), true)
        }
        var address = virtual
        if hs.pointee.translated {
            // An AMO or SC needs write permission (its faults are store faults), an LR read.
            let (physical, cause) = translate(h, virtual, isLoad ? .load : .store, size: UInt64(size),
                                              privilege: dataPrivilege(h))
            if let cause { return (raise(h, pc, cause, virtual), true) }
            address = physical
        }
        let offset = address &- ramBase
        guard offset < ramSize else {
            return (raise(h, pc, isLoad ? .loadAccessFault : .storeAccessFault, virtual), true)
        }
        let o = Int(offset)
        let next = pc &+ UInt64(d.len)
        func load() -> UInt64 {
            wide ? ram.load(fromByteOffset: o, as: UInt64.self)
                : UInt64(bitPattern: Int64(ram.load(fromByteOffset: o, as: Int32.self)))
        }
        func store(_ value: UInt64) {
            if wide {
                ram.storeBytes(of: value, toByteOffset: o, as: UInt64.self)
            } else {
                ram.storeBytes(of: UInt32(truncatingIfNeeded: value), toByteOffset: o, as: UInt32.self)
            }
            if pageFlags[o >> 12] != 0 { _ = storeHook(h, offset, size, pc: pc) }
        }
        let destination = Int(d.rd)
        let funct5 = d.imm

        switch d.op {
        case .lrW, .lrD:
            if trace { emit(h, .atomic, address, size, pc, .locked) }
            x[destination] = load()
            hs.pointee.reservation = offset >> 6
            pageFlags[o >> 12] |= pageHasReservation
        case .scW, .scD:
            // The reservation set is the LR's 64-byte line; an SC always ends it.
            let reserved = hs.pointee.reservation == offset >> 6
            hs.pointee.reservation = noReservation
            if reserved {
                // Traced only when it writes: a failed SC never leaves the core.
                if trace { emit(h, .atomic, address, size, pc, .locked) }
                store(x[Int(d.rs2)])
                x[destination] = 0
            } else {
                x[destination] = 1
            }
        default:
            if trace { emit(h, .atomic, address, size, pc, .locked) }
            let old = load()
            let operand = x[Int(d.rs2)]
            let new: UInt64
            switch funct5 {
            case 0x00: new = old &+ operand
            case 0x01: new = operand
            case 0x04: new = old ^ operand
            case 0x0c: new = old & operand
            case 0x08: new = old | operand
            default:
                // min/max compare as the access width: 32-bit values are sign- or
                // zero-extended views of the low word.
                let a = wide ? old : (funct5 >= 0x18 ? old & 0xffff_ffff : old)
                let b = wide ? operand : (funct5 >= 0x18 ? operand & 0xffff_ffff
                                                         : UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: operand))))
                switch funct5 {
                case 0x10: new = Int64(bitPattern: a) < Int64(bitPattern: b) ? a : b
                case 0x14: new = Int64(bitPattern: a) > Int64(bitPattern: b) ? a : b
                case 0x18: new = a < b ? a : b
                default: new = a > b ? a : b
                }
            }
            store(new)
            x[destination] = old
        }
        return (next, false)
    }
}
