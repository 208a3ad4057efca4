// Privileged architecture (M, S and U modes): trap entry and delegation, interrupts,
// `mret`/`sret`, `wfi`, `sfence.vma`. The CSRs themselves are in Privileged/.

/// misa: MXL = 64-bit; extensions A, C, I, M, S, U.
let misaValue: UInt64 = (2 << 62) | (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)

extension Machine {
    // MARK: Traps

    /// Takes a synchronous exception at `pc`; returns the handler address. When the guest
    /// cannot handle it (the target level's tvec is 0, or the handler's first instruction
    /// is what trapped) the run ends with a ``GuestFault`` and `pc` is returned.
    @inline(never)
    func raise(_ h: Int, _ pc: UInt64, _ cause: TrapCause, _ tval: UInt64) -> UInt64 {
        let hs = harts + h
        let toSupervisor = hs.pointee.privilege != .machine
            && hs.pointee.delegation.exceptions & (1 << (cause.rawValue & 63)) != 0
        let target = (toSupervisor ? hs.pointee.supervisorTrap : hs.pointee.machineTrap).handler(cause: cause.rawValue)
        var reason: String?
        if target == 0 {
            reason = "no trap handler: \(toSupervisor ? "stvec" : "mtvec") is 0"
        } else if target == pc {
            reason = "trap loop: the trap handler at \(paddedHex(target)) itself traps"
        }
        if let reason {
            let full = faultDetail.map { "\($0); \(reason)" } ?? reason
            faultDetail = nil
            finish(.fault(GuestFault(hart: h, pc: pc, cause: cause, value: tval, reason: full,
                                     privilege: hs.pointee.privilege)))
            return pc
        }
        faultDetail = nil
        enterTrap(h, cause: cause.rawValue, tval: tval, epc: pc, toSupervisor: toSupervisor)
        return target
    }

    /// The trap-entry state change shared by exceptions and interrupts: the previous
    /// privilege and interrupt enable go to xPP/xPIE, the hart enters M- or S-mode.
    func enterTrap(_ h: Int, cause: UInt64, tval: UInt64, epc: UInt64, toSupervisor: Bool) {
        let hs = harts + h
        let old = hs.pointee.mstatus
        if toSupervisor {
            var status = old & ~(MStatus.spie | MStatus.spp | MStatus.sie)
            if old & MStatus.sie != 0 { status |= MStatus.spie }
            if hs.pointee.privilege == .supervisor { status |= MStatus.spp }
            hs.pointee.mstatus = status
            hs.pointee.supervisorTrap.epc = epc
            hs.pointee.supervisorTrap.cause = cause
            hs.pointee.supervisorTrap.tval = tval
            hs.pointee.privilege = .supervisor
        } else {
            var status = old & ~(MStatus.mpie | MStatus.mpp | MStatus.mie)
            if old & MStatus.mie != 0 { status |= MStatus.mpie }
            status |= UInt64(hs.pointee.privilege.rawValue) << MStatus.mppShift
            hs.pointee.mstatus = status
            hs.pointee.machineTrap.epc = epc
            hs.pointee.machineTrap.cause = cause
            hs.pointee.machineTrap.tval = tval
            hs.pointee.privilege = .machine
        }
        // As QEMU does: a reservation must not leak from one context into another.
        hs.pointee.reservation = noReservation
        updateAddressing(h)
    }

    /// Pending interrupt bits (mip) of hart `h` at the given mtime: MSIP and MTIP from
    /// the CLINT, the S-level bits as software set them.
    func pendingInterrupts(_ h: Int, mtime now: UInt64) -> UInt64 {
        var bits = harts[h].interrupts.softwarePending
        if harts[h].msip { bits |= Interrupt.software }
        if now >= harts[h].mtimecmp { bits |= Interrupt.timer }
        return bits
    }

    /// If an interrupt is pending, enabled in mie and globally enabled for the current
    /// privilege, takes it (resuming at `pc` afterwards) and returns the handler address.
    /// M-level interrupts come before delegated ones, each group in the spec's priority.
    func takeInterrupt(_ h: Int, at pc: UInt64, mtime now: UInt64) -> UInt64? {
        let hs = harts + h
        let ready = pendingInterrupts(h, mtime: now) & hs.pointee.interrupts.enabled
        guard ready != 0 else { return nil }
        let privilege = hs.pointee.privilege
        let status = hs.pointee.mstatus
        let delegated = hs.pointee.delegation.interrupts
        let machineOn = privilege < .machine || status & MStatus.mie != 0
        let supervisorOn = privilege < .supervisor || (privilege == .supervisor && status & MStatus.sie != 0)
        var takeable: UInt64 = 0
        if machineOn { takeable |= ready & ~delegated }
        if takeable == 0 && supervisorOn { takeable |= ready & delegated }
        guard takeable != 0, let code = Interrupt.priority.first(where: { takeable & (1 << $0) != 0 }) else {
            return nil
        }
        let toSupervisor = delegated & (1 << code) != 0
        let cause = (1 << 63) | code
        let registers = toSupervisor ? hs.pointee.supervisorTrap : hs.pointee.machineTrap
        if registers.tvec & ~3 == 0 {
            finish(.fault(GuestFault(hart: h, pc: pc, cause: TrapCause(rawValue: cause) ?? .machineExternalInterrupt,
                                     value: 0, reason: "no trap handler: \(toSupervisor ? "stvec" : "mtvec") is 0",
                                     privilege: privilege)))
            return nil
        }
        hs.pointee.waiting = false
        enterTrap(h, cause: cause, tval: 0, epc: pc, toSupervisor: toSupervisor)
        return registers.handler(cause: cause)
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
        let privilege = hs.pointee.privilege
        switch d.op {
        case .csrrw, .csrrs, .csrrc, .csrrwi, .csrrsi, .csrrci:
            guard csrInstruction(h, d, executed: executed, traps: traps) else { return illegal() }
            return (interruptAfter(h, next, executed: executed), false)
        case .ecall:
            let cause: TrapCause = privilege == .machine ? .environmentCallFromM
                : (privilege == .supervisor ? .environmentCallFromS : .environmentCallFromU)
            return (raise(h, pc, cause, 0), true)
        case .ebreak:
            return (raise(h, pc, .breakpoint, pc), true)
        case .mret:
            guard privilege == .machine else { return illegal() }
            let status = hs.pointee.mstatus
            let previous = Privilege(field: status >> MStatus.mppShift)
            var updated = status & ~(MStatus.mie | MStatus.mpp)
            if status & MStatus.mpie != 0 { updated |= MStatus.mie }
            updated |= MStatus.mpie
            if previous != .machine { updated &= ~MStatus.mprv }
            hs.pointee.mstatus = updated
            hs.pointee.privilege = previous
            updateAddressing(h)
            return (interruptAfter(h, hs.pointee.machineTrap.epc, executed: executed), false)
        case .sret:
            guard privilege == .machine || (privilege == .supervisor && hs.pointee.mstatus & MStatus.tsr == 0) else {
                return illegal()
            }
            let status = hs.pointee.mstatus
            let previous: Privilege = status & MStatus.spp != 0 ? .supervisor : .user
            var updated = status & ~(MStatus.sie | MStatus.spp | MStatus.mprv)
            if status & MStatus.spie != 0 { updated |= MStatus.sie }
            updated |= MStatus.spie
            hs.pointee.mstatus = updated
            hs.pointee.privilege = previous
            updateAddressing(h)
            return (interruptAfter(h, hs.pointee.supervisorTrap.epc, executed: executed), false)
        case .wfi:
            // With S-mode present, U-mode may not wait; S-mode may not when TW is set.
            if privilege == .user || (privilege == .supervisor && hs.pointee.mstatus & MStatus.tw != 0) {
                return illegal()
            }
            let now = mtime(executed: executed)
            if pendingInterrupts(h, mtime: now) & hs.pointee.interrupts.enabled == 0 {
                hs.pointee.waiting = true
            }
            return (next, false)
        case .fenceI:
            flushDecodeCache()
            return (next, false)
        case .sfenceVma:
            if privilege == .user || (privilege == .supervisor && hs.pointee.mstatus & MStatus.tvm != 0) {
                return illegal()
            }
            // The TLB holds no ASIDs, so a flush by ASID flushes everything (a superset).
            let block = tlb + h * TLB.perHart
            if d.rs1 == 0 {
                TLB.flush(block)
            } else {
                TLB.flush(block, page: registers[h * registerStride + Int(d.rs1)])
            }
            return (next, false)
        case .magic:
            return magicInstruction(h, d, pc, retired: hs.pointee.retired &+ UInt64(executed &- 1 &- traps), executed: executed)
        case .fetchFault:
            return (raise(h, pc, .instructionAccessFault, UInt64(bitPattern: d.imm)), true)
        case .fetchTrap:
            return (raise(h, pc, hs.pointee.pendingCause, UInt64(bitPattern: d.imm)), true)
        default: // .illegal (and .undecoded, which cannot reach here)
            return illegal()
        }
    }

    /// After an instruction that may have enabled interrupts: takes one now if ready.
    private func interruptAfter(_ h: Int, _ next: UInt64, executed: Int) -> UInt64 {
        takeInterrupt(h, at: next, mtime: mtime(executed: executed)) ?? next
    }
}
