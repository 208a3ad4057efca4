// The Zicsr instructions: access checks, then routing of each CSR number to the group
// type that owns it (Status, TrapCSRs, Counters, PMP, Triggers), which legalises writes.

extension Machine {
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
        let privilege = hs.pointee.privilege
        // CSR address bits 9:8 give the lowest privilege; bits 11:10 == 3 mean read-only.
        guard UInt32(privilege.rawValue) >= (csr >> 8) & 3 else { return false }
        guard !(writes && csr >> 10 == 3) else { return false }
        if (0xc00...0xc1f).contains(csr) && !hs.pointee.counters.allows(csr & 31, at: privilege) { return false }
        // TVM traps S-mode's satp accesses (as it does sfence.vma).
        if csr == 0x180 && privilege == .supervisor && hs.pointee.mstatus & MStatus.tvm != 0 { return false }
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
        // Supervisor
        case 0x100: return StatusCSR.readSupervisor(hs.mstatus)
        case 0x104: return hs.interrupts.supervisorEnabled(hs.delegation)
        case 0x105, 0x140, 0x141, 0x142, 0x143: return hs.supervisorTrap.read(csr - 0x100)
        case 0x106: return hs.counters.supervisorEnable
        case 0x10a: return hs.counters.supervisorEnvironment
        case 0x144: return pendingInterrupts(h, mtime: mtime(executed: executed)) & hs.delegation.interrupts
        case 0x180: return hs.satp.value
        // Machine
        case 0x300: return StatusCSR.read(hs.mstatus)
        case 0x301: return misaValue
        case 0x302: return hs.delegation.exceptions
        case 0x303: return hs.delegation.interrupts
        case 0x304: return hs.interrupts.enabled
        case 0x305, 0x340, 0x341, 0x342, 0x343: return hs.machineTrap.read(csr - 0x300)
        case 0x306: return hs.counters.machineEnable
        case 0x30a: return hs.counters.machineEnvironment
        case 0x344: return pendingInterrupts(h, mtime: mtime(executed: executed))
        case 0x3a0...0x3ef: return hs.pmp.readCSR(csr)
        case 0x7a0...0x7a4: return hs.triggers.read(csr)
        // Counters and identity
        case 0xb00, 0xc00: return retired &+ hs.mcycleOffset // one instruction per cycle
        case 0xb02, 0xc02: return retired &+ hs.minstretOffset
        case 0xc01: return mtime(executed: executed)
        case 0xb03...0xb1f, 0xc03...0xc1f, 0x323...0x33f: return 0 // hpm counters/events: hardwired
        case 0x320: return 0 // mcountinhibit: nothing can be inhibited
        case 0xf11, 0xf12, 0xf13, 0xf15: return 0 // mvendorid, marchid, mimpid, mconfigptr
        case 0xf14: return UInt64(h)
        default: return nil
        }
    }

    /// Writes `csr` (already known to exist and be writable), keeping only legal values.
    func csrWrite(_ h: Int, _ csr: UInt32, _ value: UInt64, retired: UInt64) {
        let hs = harts + h
        switch csr {
        case 0x100:
            hs.pointee.mstatus = StatusCSR.writeSupervisor(hs.pointee.mstatus, value)
            updateAddressing(h)
        case 0x104: hs.pointee.interrupts.writeSupervisorEnabled(value, hs.pointee.delegation)
        case 0x105, 0x140, 0x141, 0x142, 0x143: hs.pointee.supervisorTrap.write(csr - 0x100, value)
        case 0x106: hs.pointee.counters.writeSupervisorEnable(value)
        case 0x10a: hs.pointee.counters.writeSupervisorEnvironment(value)
        case 0x144: hs.pointee.interrupts.writeSupervisorPending(value, hs.pointee.delegation)
        case 0x180:
            hs.pointee.satp.write(value)
            TLB.flush(tlb + h * TLB.perHart)
            updateAddressing(h)
        case 0x300:
            hs.pointee.mstatus = StatusCSR.writeMachine(hs.pointee.mstatus, value)
            updateAddressing(h)
        case 0x302: hs.pointee.delegation.writeExceptions(value)
        case 0x303: hs.pointee.delegation.writeInterrupts(value)
        case 0x304: hs.pointee.interrupts.writeEnabled(value)
        case 0x305, 0x340, 0x341, 0x342, 0x343: hs.pointee.machineTrap.write(csr - 0x300, value)
        case 0x306: hs.pointee.counters.writeMachineEnable(value)
        case 0x30a: hs.pointee.counters.writeMachineEnvironment(value)
        case 0x344: hs.pointee.interrupts.writePending(value)
        case 0x3a0...0x3ef:
            hs.pointee.pmp.writeCSR(csr, value)
            TLB.flush(tlb + h * TLB.perHart)
            updateAddressing(h)
        case 0x7a0...0x7a4:
            hs.pointee.triggers.write(csr, value)
            TLB.flush(tlb + h * TLB.perHart)
            updateAddressing(h)
        // The written value is what the next instruction reads.
        case 0xb00: hs.pointee.mcycleOffset = value &- retired &- 1
        case 0xb02: hs.pointee.minstretOffset = value &- retired &- 1
        default: break // misa, hpm, mcountinhibit: read-only or hardwired
        }
    }
}
