// Privileged architecture (M and U modes): CSRs, trap entry, `mret`, `wfi`, interrupts.

/// mstatus fields this machine implements.
enum MStatus {
    static let mie: UInt64 = 1 << 3
    static let mpie: UInt64 = 1 << 7
    static let mppShift: UInt64 = 11
    static let mpp: UInt64 = 3 << 11
    static let mprv: UInt64 = 1 << 17
    static let tw: UInt64 = 1 << 21
    static let writable: UInt64 = mie | mpie | mpp | mprv | tw
    /// UXL = 2 (U-mode is 64-bit), read-only.
    static let uxl64: UInt64 = 2 << 32
}

/// Interrupt bits in mip/mie and their cause numbers.
enum Interrupt {
    static let software: UInt64 = 1 << 3
    static let timer: UInt64 = 1 << 7
    static let external: UInt64 = 1 << 11
    static let implemented: UInt64 = software | timer | external
}

/// misa: MXL = 64-bit; extensions A, C, I, M, U.
let misaValue: UInt64 = (2 << 62) | (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 20)

extension Machine {
    // MARK: Traps

    /// Takes a synchronous exception at `pc`; returns the handler address. When the guest
    /// cannot handle it (mtvec is 0, or the handler's first instruction is what trapped)
    /// the run ends with a ``GuestFault`` and `pc` is returned.
    @inline(never)
    func raise(_ h: Int, _ pc: UInt64, _ cause: TrapCause, _ tval: UInt64) -> UInt64 {
        let hs = harts + h
        let target = hs.pointee.mtvec & ~3
        var reason: String?
        if target == 0 {
            reason = "no trap handler: mtvec is 0"
        } else if target == pc {
            reason = "trap loop: the trap handler at \(paddedHex(target)) itself traps"
        }
        if let reason {
            let full = faultDetail.map { "\($0); \(reason)" } ?? reason
            faultDetail = nil
            finish(.fault(GuestFault(hart: h, pc: pc, cause: cause, value: tval, reason: full)))
            return pc
        }
        faultDetail = nil
        enterTrap(h, cause: cause.rawValue, tval: tval, epc: pc)
        return target
    }

    /// The trap-entry state change shared by exceptions and interrupts.
    func enterTrap(_ h: Int, cause: UInt64, tval: UInt64, epc: UInt64) {
        let hs = harts + h
        var status = hs.pointee.mstatus & ~(MStatus.mpie | MStatus.mpp | MStatus.mie)
        if hs.pointee.mstatus & MStatus.mie != 0 { status |= MStatus.mpie }
        status |= UInt64(hs.pointee.privilege) << MStatus.mppShift
        hs.pointee.mstatus = status
        hs.pointee.mepc = epc
        hs.pointee.mcause = cause
        hs.pointee.mtval = tval
        hs.pointee.privilege = 3
        // As QEMU does: a reservation must not leak from one context into another.
        hs.pointee.reservation = noReservation
    }

    /// Pending interrupt bits (mip) of hart `h` at the given mtime.
    func pendingInterrupts(_ h: Int, mtime now: UInt64) -> UInt64 {
        var bits: UInt64 = 0
        if harts[h].msip { bits |= Interrupt.software }
        if now >= harts[h].mtimecmp { bits |= Interrupt.timer }
        return bits
    }

    /// If an interrupt is pending, enabled in mie and globally enabled for the current
    /// privilege, takes it (resuming at `pc` afterwards) and returns the handler address.
    func takeInterrupt(_ h: Int, at pc: UInt64, mtime now: UInt64) -> UInt64? {
        let hs = harts + h
        let ready = pendingInterrupts(h, mtime: now) & hs.pointee.mie
        guard ready != 0 else { return nil }
        guard hs.pointee.privilege < 3 || hs.pointee.mstatus & MStatus.mie != 0 else { return nil }
        // Priority: external, software, timer.
        let code: UInt64 = ready & Interrupt.external != 0 ? 11 : (ready & Interrupt.software != 0 ? 3 : 7)
        let base = hs.pointee.mtvec & ~3
        if base == 0 {
            finish(.fault(GuestFault(hart: h, pc: pc, cause: TrapCause(rawValue: (1 << 63) | code)!, value: 0,
                                     reason: "no trap handler: mtvec is 0")))
            return nil
        }
        hs.pointee.waiting = false
        enterTrap(h, cause: (1 << 63) | code, tval: 0, epc: pc)
        return hs.pointee.mtvec & 1 == 1 ? base &+ 4 &* code : base
    }

    // MARK: System instructions

    /// Executes the instructions that leave the fast path. Returns the next pc and
    /// whether the instruction trapped. `executed` counts this slice's instructions
    /// including this one; `traps` those of them that trapped.
    @inline(never)
    func system(_ h: Int, _ d: DecodedOp, _ pc: UInt64, executed: Int, traps: Int) -> (UInt64, Bool) {
        let hs = harts + h
        let next = pc &+ UInt64(d.len)
        let bits = UInt64(UInt32(truncatingIfNeeded: d.imm))
        let illegal = { (self.raise(h, pc, .illegalInstruction, bits), true) }
        switch d.op {
        case .csrrw, .csrrs, .csrrc, .csrrwi, .csrrsi, .csrrci:
            guard csrInstruction(h, d, executed: executed, traps: traps) else { return illegal() }
            return (interruptAfter(h, next, executed: executed), false)
        case .ecall:
            let cause: TrapCause = hs.pointee.privilege == 3 ? .environmentCallFromM : .environmentCallFromU
            return (raise(h, pc, cause, 0), true)
        case .ebreak:
            return (raise(h, pc, .breakpoint, pc), true)
        case .mret:
            guard hs.pointee.privilege == 3 else { return illegal() }
            let status = hs.pointee.mstatus
            let previous = UInt8((status & MStatus.mpp) >> MStatus.mppShift)
            var updated = status & ~(MStatus.mie | MStatus.mpp)
            if status & MStatus.mpie != 0 { updated |= MStatus.mie }
            updated |= MStatus.mpie
            if previous != 3 { updated &= ~MStatus.mprv }
            hs.pointee.mstatus = updated
            hs.pointee.privilege = previous
            return (interruptAfter(h, hs.pointee.mepc, executed: executed), false)
        case .wfi:
            if hs.pointee.privilege < 3 && hs.pointee.mstatus & MStatus.tw != 0 { return illegal() }
            let now = mtime(executed: executed)
            if pendingInterrupts(h, mtime: now) & hs.pointee.mie == 0 {
                hs.pointee.waiting = true
            }
            return (next, false)
        case .fenceI:
            flushDecodeCache()
            return (next, false)
        case .magic:
            return magicInstruction(h, d, pc, retired: hs.pointee.retired &+ UInt64(executed &- 1 &- traps), executed: executed)
        case .fetchFault:
            return (raise(h, pc, .instructionAccessFault, UInt64(bitPattern: d.imm)), true)
        default: // .illegal (and .undecoded, which cannot reach here)
            return illegal()
        }
    }

    /// After an instruction that may have enabled interrupts: takes one now if ready.
    private func interruptAfter(_ h: Int, _ next: UInt64, executed: Int) -> UInt64 {
        takeInterrupt(h, at: next, mtime: mtime(executed: executed)) ?? next
    }

    // MARK: CSRs

    /// Executes a Zicsr instruction; false means illegal (unknown CSR, privilege, read-only).
    func csrInstruction(_ h: Int, _ d: DecodedOp, executed: Int, traps: Int) -> Bool {
        let hs = harts + h
        let x = registers + h * registerStride
        let inst = UInt32(truncatingIfNeeded: d.imm)
        let csr = inst >> 20
        let source = (inst >> 15) & 31
        let immediate = d.op == .csrrwi || d.op == .csrrsi || d.op == .csrrci
        let operand = immediate ? UInt64(source) : x[Int(source)]
        let writes = d.op == .csrrw || d.op == .csrrwi || source != 0
        // CSR address bits 9:8 give the lowest privilege; bits 11:10 == 3 mean read-only.
        guard UInt32(hs.pointee.privilege) >= (csr >> 8) & 3 else { return false }
        guard !(writes && csr >> 10 == 3) else { return false }
        if hs.pointee.privilege < 3 && (0xc00...0xc1f).contains(csr)
            && hs.pointee.mcounteren & (1 << UInt64(csr & 31)) == 0 {
            return false
        }
        let retired = hs.pointee.retired &+ UInt64(executed &- 1 &- traps)
        guard let old = csrRead(h, csr, retired: retired, executed: executed) else { return false }
        if writes {
            let value: UInt64
            switch d.op {
            case .csrrw, .csrrwi: value = operand
            case .csrrs, .csrrsi: value = old | operand
            default: value = old & ~operand
            }
            csrWrite(h, csr, value, retired: retired)
        }
        x[Int(d.rd)] = old
        return true
    }

    /// The value of `csr`, or nil when this machine does not implement it.
    func csrRead(_ h: Int, _ csr: UInt32, retired: UInt64, executed: Int) -> UInt64? {
        let hs = harts[h]
        switch csr {
        case 0x300: return hs.mstatus | MStatus.uxl64
        case 0x301: return misaValue
        case 0x302, 0x303: return 0 // medeleg, mideleg: no lower privilege handles traps
        case 0x304: return hs.mie
        case 0x305: return hs.mtvec
        case 0x306: return hs.mcounteren
        case 0x340: return hs.mscratch
        case 0x341: return hs.mepc
        case 0x342: return hs.mcause
        case 0x343: return hs.mtval
        case 0x344: return pendingInterrupts(h, mtime: mtime(executed: executed))
        case 0xb00, 0xc00: return retired &+ hs.mcycleOffset // one instruction per cycle
        case 0xb02, 0xc02: return retired &+ hs.minstretOffset
        case 0xc01: return mtime(executed: executed)
        case 0xb03...0xb1f, 0xc03...0xc1f, 0x323...0x33f: return 0 // hpm counters/events: hardwired
        case 0xf11, 0xf12, 0xf13, 0xf15: return 0 // mvendorid, marchid, mimpid, mconfigptr
        case 0xf14: return UInt64(h)
        default: return nil
        }
    }

    /// Writes `csr` (already known to exist and be writable), keeping only legal values.
    func csrWrite(_ h: Int, _ csr: UInt32, _ value: UInt64, retired: UInt64) {
        let hs = harts + h
        switch csr {
        case 0x300:
            var status = value & MStatus.writable
            let mpp = (status & MStatus.mpp) >> MStatus.mppShift
            if mpp != 0 && mpp != 3 { status &= ~MStatus.mpp } // no S-mode: MPP is U or M
            hs.pointee.mstatus = status
        case 0x304: hs.pointee.mie = value & Interrupt.implemented
        case 0x305: hs.pointee.mtvec = value & 2 != 0 ? value & ~3 : value // modes 2, 3 reserved: direct
        case 0x306: hs.pointee.mcounteren = value & 7
        case 0x340: hs.pointee.mscratch = value
        case 0x341: hs.pointee.mepc = value & ~1
        case 0x342: hs.pointee.mcause = value
        case 0x343: hs.pointee.mtval = value
        // The written value is what the next instruction reads.
        case 0xb00: hs.pointee.mcycleOffset = value &- retired &- 1
        case 0xb02: hs.pointee.minstretOffset = value &- retired &- 1
        default: break // misa, medeleg, mideleg, mip, hpm: read-only or hardwired
        }
    }
}
