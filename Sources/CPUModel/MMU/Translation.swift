// The machine side of the MMU: when a hart's accesses leave the direct RAM path, the
// slow paths behind the TLB (walk, PMP, triggers, devices, page-crossing accesses), and
// TLB refills.

/// How the executor reaches memory, fixed at compile time per loop: directly (physical
/// addresses, the fast path of Bare M-mode and unprotected U-mode) or through the TLB.
protocol AddressingPolicy {
    static var translated: Bool { get }
}

enum DirectAddressing: AddressingPolicy {
    static var translated: Bool { false }
}

enum TranslatedAddressing: AddressingPolicy {
    static var translated: Bool { true }
}

/// Page-table entries in the machine's RAM, read and written as S-mode for PMP (the
/// privileged spec checks implicit page-table accesses at S-mode).
struct MachinePageTables: PageTableMemory {
    let machine: Machine
    let hart: Int

    mutating func loadPTE(_ address: UInt64) -> UInt64? {
        guard let o = offset(address, .load) else { return nil }
        return machine.ram.loadUnaligned(fromByteOffset: Int(o), as: UInt64.self)
    }

    mutating func storePTE(_ address: UInt64, _ value: UInt64) -> Bool {
        guard let o = offset(address, .store) else { return false }
        machine.ram.storeBytes(of: value, toByteOffset: Int(o), as: UInt64.self)
        if machine.pageFlags[Int(o >> 12)] != 0 { _ = machine.storeHook(hart, o, 8, pc: 0) }
        return true
    }

    private func offset(_ address: UInt64, _ type: AccessType) -> UInt64? {
        let o = address &- machine.ramBase
        guard o < machine.ramSize, o &+ 8 <= machine.ramSize,
              machine.harts[hart].pmp.allows(address, 8, type, .supervisor) else { return nil }
        return o
    }
}

extension Machine {
    /// The privilege loads and stores run at: MPP while M-mode sets MPRV.
    func dataPrivilege(_ h: Int) -> Privilege {
        let hs = harts[h]
        if hs.privilege == .machine && hs.mstatus & MStatus.mprv != 0 {
            return Privilege(field: hs.mstatus >> MStatus.mppShift)
        }
        return hs.privilege
    }

    /// Recomputes whether hart `h` runs the translated loop, after a change of privilege,
    /// mstatus, satp, PMP or triggers; flushes the TLB when the context its entries were
    /// filled for (privileges, SUM, MXR) changes. A change of loop ends the current slice
    /// (the scheduler continues it in the other loop).
    func updateAddressing(_ h: Int) {
        let hs = harts + h
        let privilege = hs.pointee.privilege
        let data = dataPrivilege(h)
        let sv39 = hs.pointee.satp.isSv39
        let translated = (sv39 && (privilege != .machine || data != .machine))
            || hs.pointee.pmp.active(for: privilege) || hs.pointee.pmp.active(for: data)
            || hs.pointee.triggers.armed(at: privilege) || hs.pointee.triggers.armed(at: data)
        let status = hs.pointee.mstatus
        let context = UInt64(privilege.rawValue) | UInt64(data.rawValue) << 2
            | (status & (MStatus.sum | MStatus.mxr))
        if context != hs.pointee.tlbContext {
            hs.pointee.tlbContext = context
            TLB.flush(tlb + h * TLB.perHart)
        }
        if translated != hs.pointee.translated {
            hs.pointee.translated = translated
            state.pointee.reschedule = true
        }
    }

    /// Translates `virtual` for an access of `type` and `size` bytes at `privilege`:
    /// the physical address, or the trap it raises (page fault, access fault).
    func translate(_ h: Int, _ virtual: UInt64, _ type: AccessType, size: UInt64,
                   privilege: Privilege) -> (UInt64, TrapCause?) {
        let hs = harts + h
        var physical = virtual
        if hs.pointee.satp.isSv39 && privilege != .machine {
            let status = hs.pointee.mstatus
            let context = TranslationContext(rootPageNumber: hs.pointee.satp.rootPageNumber, privilege: privilege,
                                             sum: status & MStatus.sum != 0, mxr: status & MStatus.mxr != 0)
            var tables = MachinePageTables(machine: self, hart: h)
            switch sv39Walk(&tables, virtual, type, context) {
            case .translated(let address, _): physical = address
            case .pageFault: return (0, Self.pageFault(type))
            case .accessFault: return (0, Self.accessFault(type))
            }
        }
        guard hs.pointee.pmp.allows(physical, size, type, privilege) else { return (0, Self.accessFault(type)) }
        return (physical, nil)
    }

    static func pageFault(_ type: AccessType) -> TrapCause {
        switch type {
        case .fetch: return .instructionPageFault
        case .load: return .loadPageFault
        case .store: return .storePageFault
        }
    }

    static func accessFault(_ type: AccessType) -> TrapCause {
        switch type {
        case .fetch: return .instructionAccessFault
        case .load: return .loadAccessFault
        case .store: return .storeAccessFault
        }
    }

    /// Enters the page of `virtual` → `physical` in the TLB of `type` when every byte of
    /// the frame is RAM the access may use and no trigger could fire.
    func refill(_ h: Int, _ virtual: UInt64, _ physical: UInt64, _ type: AccessType, _ privilege: Privilege) {
        let hs = harts + h
        guard !hs.pointee.triggers.armed(at: privilege) else { return }
        let frame = physical & ~0xfff
        let o = frame &- ramBase
        guard o < ramSize, o &+ 4096 <= ramSize,
              hs.pointee.pmp.decision(frame, frame &+ 4096, type, privilege) == .allow else { return }
        TLB.insert(TLB.table(tlb + h * TLB.perHart, type), virtual: virtual, ramOffset: o)
    }

    // MARK: Slow paths of the translated loop

    /// Fetches the instruction at `pc` through the MMU (a TLB miss, or the last parcel of a
    /// page): the decoded op and the physical address of its first byte. A trap is
    /// returned as a `.fetchTrap` op with its cause in `pendingCause`.
    @inline(never)
    func translatedFetch(_ h: Int, _ pc: UInt64) -> (DecodedOp, UInt64) {
        let hs = harts + h
        let privilege = hs.pointee.privilege
        func trap(_ cause: TrapCause, _ value: UInt64) -> (DecodedOp, UInt64) {
            hs.pointee.pendingCause = cause
            return (DecodedOp(.fetchTrap, imm: Int64(bitPattern: value)), pc)
        }
        if hs.pointee.triggers.matches(TriggerModule.execute, pc, at: privilege) { return trap(.breakpoint, pc) }
        let (physical, cause) = translate(h, pc, .fetch, size: 2, privilege: privilege)
        if let cause { return trap(cause, pc) }
        let o = physical &- ramBase
        guard o < ramSize, o &+ 2 <= ramSize else { return trap(.instructionAccessFault, pc) }
        if pc & 0xfff == 0xffe {
            let low = ram.load(fromByteOffset: Int(o), as: UInt16.self)
            if isFullLength(low) {
                // The upper parcel lies on the next virtual page, maybe in another frame:
                // decode from both frames, uncached.
                let (upper, cause) = translate(h, pc &+ 2, .fetch, size: 2, privilege: privilege)
                if let cause { return trap(cause, pc &+ 2) }
                let o2 = upper &- ramBase
                guard o2 < ramSize, o2 &+ 2 <= ramSize else { return trap(.instructionAccessFault, pc &+ 2) }
                let high = ram.load(fromByteOffset: Int(o2), as: UInt16.self)
                return (decode32(UInt32(low) | UInt32(high) << 16), physical)
            }
        }
        refill(h, pc, physical, .fetch, privilege)
        return (decodeSlot(o), physical)
    }

    /// A load the TLB did not serve. nil: it trapped, with the cause in `pendingCause`.
    @inline(never)
    func translatedLoad(_ h: Int, _ address: UInt64, _ size: Int, executed: Int, trace: Bool, pc: UInt64) -> UInt64? {
        let hs = harts + h
        let privilege = dataPrivilege(h)
        if hs.pointee.triggers.matches(TriggerModule.load, address, at: privilege) {
            hs.pointee.pendingCause = .breakpoint
            return nil
        }
        let n = UInt64(size)
        if (address & 0xfff) &+ n > 4096 {
            // Crosses a page: each byte on its own (the two frames need not be adjacent).
            var value: UInt64 = 0
            var first: UInt64 = 0
            for i in 0..<n {
                let (physical, cause) = translate(h, address &+ i, .load, size: 1, privilege: privilege)
                if let cause { hs.pointee.pendingCause = cause; return nil }
                let o = physical &- ramBase
                guard o < ramSize else { hs.pointee.pendingCause = .loadAccessFault; return nil }
                if i == 0 { first = physical }
                value |= UInt64(ram.load(fromByteOffset: Int(o), as: UInt8.self)) << (8 * i)
            }
            if trace { emit(h, .load, first, size, pc) }
            return value
        }
        let (physical, cause) = translate(h, address, .load, size: n, privilege: privilege)
        if let cause { hs.pointee.pendingCause = cause; return nil }
        let o = physical &- ramBase
        if o < ramSize && o &+ n <= ramSize {
            if trace { emit(h, .load, physical, size, pc) }
            refill(h, address, physical, .load, privilege)
            switch size {
            case 1: return UInt64(ram.load(fromByteOffset: Int(o), as: UInt8.self))
            case 2: return UInt64(ram.loadUnaligned(fromByteOffset: Int(o), as: UInt16.self))
            case 4: return UInt64(ram.loadUnaligned(fromByteOffset: Int(o), as: UInt32.self))
            default: return ram.loadUnaligned(fromByteOffset: Int(o), as: UInt64.self)
            }
        }
        if let value = loadSlow(h, physical, size, executed: executed) { return value }
        hs.pointee.pendingCause = .loadAccessFault
        return nil
    }

    /// A store the TLB did not serve. `.accessFault`: it trapped, with the cause in
    /// `pendingCause` (not always an access fault).
    @inline(never)
    func translatedStore(_ h: Int, _ address: UInt64, _ size: Int, _ value: UInt64, executed: Int,
                         trace: Bool, pc: UInt64) -> StoreStatus {
        let hs = harts + h
        let privilege = dataPrivilege(h)
        if hs.pointee.triggers.matches(TriggerModule.store, address, at: privilege) {
            hs.pointee.pendingCause = .breakpoint
            return .accessFault
        }
        let n = UInt64(size)
        if (address & 0xfff) &+ n > 4096 {
            // Translate every byte before writing any, so a fault leaves memory unchanged.
            var offsets: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
            var first: UInt64 = 0
            for i in 0..<n {
                let (physical, cause) = translate(h, address &+ i, .store, size: 1, privilege: privilege)
                if let cause { hs.pointee.pendingCause = cause; return .accessFault }
                let o = physical &- ramBase
                guard o < ramSize else { hs.pointee.pendingCause = .storeAccessFault; return .accessFault }
                if i == 0 { first = physical }
                withUnsafeMutableBytes(of: &offsets) { $0.storeBytes(of: o, toByteOffset: Int(i) * 8, as: UInt64.self) }
            }
            var stop = false
            for i in 0..<n {
                let o = withUnsafeBytes(of: &offsets) { $0.load(fromByteOffset: Int(i) * 8, as: UInt64.self) }
                ram.storeBytes(of: UInt8(truncatingIfNeeded: value >> (8 * i)), toByteOffset: Int(o), as: UInt8.self)
                if pageFlags[Int(o >> 12)] != 0 && storeHook(h, o, 1, pc: pc) { stop = true }
            }
            if trace { emit(h, .store, first, size, pc) }
            return stop ? .stop : .done
        }
        let (physical, cause) = translate(h, address, .store, size: n, privilege: privilege)
        if let cause { hs.pointee.pendingCause = cause; return .accessFault }
        let o = physical &- ramBase
        if o < ramSize && o &+ n <= ramSize {
            switch size {
            case 1: ram.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: Int(o), as: UInt8.self)
            case 2: ram.storeBytes(of: UInt16(truncatingIfNeeded: value), toByteOffset: Int(o), as: UInt16.self)
            case 4: ram.storeBytes(of: UInt32(truncatingIfNeeded: value), toByteOffset: Int(o), as: UInt32.self)
            default: ram.storeBytes(of: value, toByteOffset: Int(o), as: UInt64.self)
            }
            if trace { emit(h, .store, physical, size, pc) }
            refill(h, address, physical, .store, privilege)
            if pageFlags[Int(o >> 12)] != 0 && storeHook(h, o, size, pc: pc) { return .stop }
            return .done
        }
        let status = storeSlow(h, physical, size, value, executed: executed)
        if case .accessFault = status { hs.pointee.pendingCause = .storeAccessFault }
        return status
    }

    /// `count` bytes of guest memory from virtual `address` as hart `h` sees it now
    /// (for the magic instruction's entries), or nil when some byte is not readable RAM.
    func readGuestMemory(_ h: Int, at address: UInt64, count: Int) -> [UInt8]? {
        guard harts[h].translated else { return readMemory(at: address, count: count) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        let privilege = dataPrivilege(h)
        for i in 0..<UInt64(max(0, count)) {
            let (physical, cause) = translate(h, address &+ i, .load, size: 1, privilege: privilege)
            guard cause == nil, let byte = readMemory(at: physical, count: 1) else { return nil }
            bytes.append(byte[0])
        }
        return bytes
    }
}
