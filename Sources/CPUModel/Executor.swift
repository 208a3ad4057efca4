import MTrace

// The interpreter's hot loop. Everything it touches per instruction is a local copy of a
// pointer or a value: no class properties, no allocation, no dynamic dispatch. Anything
// rare (devices, CSRs, traps, atomics, decode misses) is a call to a non-inlined method.

extension Machine {
    /// Runs `hart` for at most `budget` instructions; returns how many it executed
    /// (including ones that trapped). Stops early when the run ends or the hart waits.
    @inline(never)
    func runSlice<T: TracePolicy>(_: T.Type, hart h: Int, budget: Int) -> Int {
        let x = registers + h &* registerStride
        let hs = harts + h
        let st = state
        let ram = self.ram
        let base = ramBase
        let size = ramSize
        let pages = decodePages
        let flags = pageFlags
        // Offsets below these limits hold a whole access of 2, 4 or 8 bytes.
        let lim1 = size, lim2 = size &- 1, lim4 = size &- 3, lim8 = size &- 7
        var pc = hs.pointee.pc
        var n = 0
        var traps = 0

        @inline(__always) func index(_ r: UInt8) -> Int { Int(truncatingIfNeeded: r) }
        /// ra and t0: the link registers of the calling convention (the RAS hints of the ISA).
        @inline(__always) func isLink(_ r: UInt8) -> Bool { r == 1 || r == 5 }
        @inline(__always) func offset(_ o: UInt64) -> Int { Int(truncatingIfNeeded: o) }
        @inline(__always) func sext32(_ v: UInt64) -> UInt64 {
            UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
        }

        loop: while n < budget {
            n &+= 1
            let fetchOffset = pc &- base
            var d: DecodedOp
            if fetchOffset < size, let page = pages[offset(fetchOffset &>> 12)] {
                d = page[offset((fetchOffset & 0xfff) &>> 1)]
                if d.op == .undecoded { d = decodeSlot(fetchOffset) }
            } else {
                d = decodeSlot(fetchOffset)
            }
            if T.fetch && d.op != .fetchFault { emit(h, .fetch, pc, Int(d.len), pc) }
            let len = UInt64(truncatingIfNeeded: d.len)
            let imm = UInt64(bitPattern: d.imm)

            switch d.op {
            case .nop:
                pc &+= len
            case .lui:
                x[index(d.rd)] = imm
                pc &+= len
            case .auipc:
                x[index(d.rd)] = pc &+ imm
                pc &+= len
            case .jal:
                x[index(d.rd)] = pc &+ len
                if T.calls && isLink(d.rd) {
                    recordCall(h, pc, target: pc &+ imm, returnAddress: pc &+ len, isReturn: false, executed: n, traps: traps)
                    if st.pointee.stop { pc = pc &+ imm; break loop }
                }
                pc = pc &+ imm
            case .jalr:
                let target = (x[index(d.rs1)] &+ imm) & ~1
                x[index(d.rd)] = pc &+ len
                if T.calls && (isLink(d.rd) || (d.rd == sinkRegister && isLink(d.rs1))) {
                    // A jalr that links is a call; `jr ra` (or t0), linking nothing, a return.
                    let isReturn = !isLink(d.rd)
                    recordCall(h, pc, target: target, returnAddress: isReturn ? target : pc &+ len, isReturn: isReturn,
                               executed: n, traps: traps)
                    if st.pointee.stop { pc = target; break loop }
                }
                pc = target
            case .beq:
                pc = x[index(d.rs1)] == x[index(d.rs2)] ? pc &+ imm : pc &+ len
            case .bne:
                pc = x[index(d.rs1)] != x[index(d.rs2)] ? pc &+ imm : pc &+ len
            case .blt:
                pc = Int64(bitPattern: x[index(d.rs1)]) < Int64(bitPattern: x[index(d.rs2)]) ? pc &+ imm : pc &+ len
            case .bge:
                pc = Int64(bitPattern: x[index(d.rs1)]) >= Int64(bitPattern: x[index(d.rs2)]) ? pc &+ imm : pc &+ len
            case .bltu:
                pc = x[index(d.rs1)] < x[index(d.rs2)] ? pc &+ imm : pc &+ len
            case .bgeu:
                pc = x[index(d.rs1)] >= x[index(d.rs2)] ? pc &+ imm : pc &+ len

            // Loads: RAM inline, anything else through loadSlow (devices or access fault).
            case .lb, .lbu:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                var v: UInt64
                if o < lim1 {
                    if T.data { emit(h, .load, a, 1, pc) }
                    v = UInt64(ram.load(fromByteOffset: offset(o), as: UInt8.self))
                } else if let r = loadSlow(h, a, 1, executed: n) {
                    v = r
                } else {
                    pc = raise(h, pc, .loadAccessFault, a); traps &+= 1
                    if st.pointee.stop { break loop }
                    continue loop
                }
                if d.op == .lb { v = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v))) }
                x[index(d.rd)] = v
                pc &+= len
            case .lh, .lhu:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                var v: UInt64
                if o < lim2 {
                    if T.data { emit(h, .load, a, 2, pc) }
                    v = UInt64(ram.loadUnaligned(fromByteOffset: offset(o), as: UInt16.self))
                } else if let r = loadSlow(h, a, 2, executed: n) {
                    v = r
                } else {
                    pc = raise(h, pc, .loadAccessFault, a); traps &+= 1
                    if st.pointee.stop { break loop }
                    continue loop
                }
                if d.op == .lh { v = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v))) }
                x[index(d.rd)] = v
                pc &+= len
            case .lw, .lwu:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                var v: UInt64
                if o < lim4 {
                    if T.data { emit(h, .load, a, 4, pc) }
                    v = UInt64(ram.loadUnaligned(fromByteOffset: offset(o), as: UInt32.self))
                } else if let r = loadSlow(h, a, 4, executed: n) {
                    v = r
                } else {
                    pc = raise(h, pc, .loadAccessFault, a); traps &+= 1
                    if st.pointee.stop { break loop }
                    continue loop
                }
                if d.op == .lw { v = sext32(v) }
                x[index(d.rd)] = v
                pc &+= len
            case .ld:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                if o < lim8 {
                    if T.data { emit(h, .load, a, 8, pc) }
                    x[index(d.rd)] = ram.loadUnaligned(fromByteOffset: offset(o), as: UInt64.self)
                } else if let r = loadSlow(h, a, 8, executed: n) {
                    x[index(d.rd)] = r
                } else {
                    pc = raise(h, pc, .loadAccessFault, a); traps &+= 1
                    if st.pointee.stop { break loop }
                    continue loop
                }
                pc &+= len

            // Stores: RAM inline; a flagged page (code, reservation, tohost) calls storeHook.
            case .sb:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                if o < lim1 {
                    ram.storeBytes(of: UInt8(truncatingIfNeeded: x[index(d.rs2)]), toByteOffset: offset(o), as: UInt8.self)
                    if T.data { emit(h, .store, a, 1, pc) }
                    if flags[offset(o &>> 12)] != 0 && storeHook(h, o, 1, pc: pc) { pc &+= len; break loop }
                } else {
                    switch storeSlow(h, a, 1, x[index(d.rs2)], executed: n) {
                    case .done: break
                    case .stop: pc &+= len; break loop
                    case .accessFault:
                        pc = raise(h, pc, .storeAccessFault, a); traps &+= 1
                        if st.pointee.stop { break loop }
                        continue loop
                    }
                }
                pc &+= len
            case .sh:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                if o < lim2 {
                    ram.storeBytes(of: UInt16(truncatingIfNeeded: x[index(d.rs2)]), toByteOffset: offset(o), as: UInt16.self)
                    if T.data { emit(h, .store, a, 2, pc) }
                    if flags[offset(o &>> 12)] | flags[offset((o &+ 1) &>> 12)] != 0
                        && storeHook(h, o, 2, pc: pc) { pc &+= len; break loop }
                } else {
                    switch storeSlow(h, a, 2, x[index(d.rs2)], executed: n) {
                    case .done: break
                    case .stop: pc &+= len; break loop
                    case .accessFault:
                        pc = raise(h, pc, .storeAccessFault, a); traps &+= 1
                        if st.pointee.stop { break loop }
                        continue loop
                    }
                }
                pc &+= len
            case .sw:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                if o < lim4 {
                    ram.storeBytes(of: UInt32(truncatingIfNeeded: x[index(d.rs2)]), toByteOffset: offset(o), as: UInt32.self)
                    if T.data { emit(h, .store, a, 4, pc) }
                    if flags[offset(o &>> 12)] | flags[offset((o &+ 3) &>> 12)] != 0
                        && storeHook(h, o, 4, pc: pc) { pc &+= len; break loop }
                } else {
                    switch storeSlow(h, a, 4, x[index(d.rs2)], executed: n) {
                    case .done: break
                    case .stop: pc &+= len; break loop
                    case .accessFault:
                        pc = raise(h, pc, .storeAccessFault, a); traps &+= 1
                        if st.pointee.stop { break loop }
                        continue loop
                    }
                }
                pc &+= len
            case .sd:
                let a = x[index(d.rs1)] &+ imm
                let o = a &- base
                if o < lim8 {
                    ram.storeBytes(of: x[index(d.rs2)], toByteOffset: offset(o), as: UInt64.self)
                    if T.data { emit(h, .store, a, 8, pc) }
                    if flags[offset(o &>> 12)] | flags[offset((o &+ 7) &>> 12)] != 0
                        && storeHook(h, o, 8, pc: pc) { pc &+= len; break loop }
                } else {
                    switch storeSlow(h, a, 8, x[index(d.rs2)], executed: n) {
                    case .done: break
                    case .stop: pc &+= len; break loop
                    case .accessFault:
                        pc = raise(h, pc, .storeAccessFault, a); traps &+= 1
                        if st.pointee.stop { break loop }
                        continue loop
                    }
                }
                pc &+= len

            case .addi:
                x[index(d.rd)] = x[index(d.rs1)] &+ imm
                pc &+= len
            case .slti:
                x[index(d.rd)] = Int64(bitPattern: x[index(d.rs1)]) < d.imm ? 1 : 0
                pc &+= len
            case .sltiu:
                x[index(d.rd)] = x[index(d.rs1)] < imm ? 1 : 0
                pc &+= len
            case .xori:
                x[index(d.rd)] = x[index(d.rs1)] ^ imm
                pc &+= len
            case .ori:
                x[index(d.rd)] = x[index(d.rs1)] | imm
                pc &+= len
            case .andi:
                x[index(d.rd)] = x[index(d.rs1)] & imm
                pc &+= len
            case .slli:
                x[index(d.rd)] = x[index(d.rs1)] &<< imm
                pc &+= len
            case .srli:
                x[index(d.rd)] = x[index(d.rs1)] &>> imm
                pc &+= len
            case .srai:
                x[index(d.rd)] = UInt64(bitPattern: Int64(bitPattern: x[index(d.rs1)]) &>> d.imm)
                pc &+= len
            case .add:
                x[index(d.rd)] = x[index(d.rs1)] &+ x[index(d.rs2)]
                pc &+= len
            case .sub:
                x[index(d.rd)] = x[index(d.rs1)] &- x[index(d.rs2)]
                pc &+= len
            case .sll:
                x[index(d.rd)] = x[index(d.rs1)] &<< (x[index(d.rs2)] & 63)
                pc &+= len
            case .slt:
                x[index(d.rd)] = Int64(bitPattern: x[index(d.rs1)]) < Int64(bitPattern: x[index(d.rs2)]) ? 1 : 0
                pc &+= len
            case .sltu:
                x[index(d.rd)] = x[index(d.rs1)] < x[index(d.rs2)] ? 1 : 0
                pc &+= len
            case .xor:
                x[index(d.rd)] = x[index(d.rs1)] ^ x[index(d.rs2)]
                pc &+= len
            case .srl:
                x[index(d.rd)] = x[index(d.rs1)] &>> (x[index(d.rs2)] & 63)
                pc &+= len
            case .sra:
                x[index(d.rd)] = UInt64(bitPattern: Int64(bitPattern: x[index(d.rs1)]) &>> Int64(x[index(d.rs2)] & 63))
                pc &+= len
            case .or:
                x[index(d.rd)] = x[index(d.rs1)] | x[index(d.rs2)]
                pc &+= len
            case .and:
                x[index(d.rd)] = x[index(d.rs1)] & x[index(d.rs2)]
                pc &+= len

            case .addiw:
                x[index(d.rd)] = sext32(x[index(d.rs1)] &+ imm)
                pc &+= len
            case .slliw:
                x[index(d.rd)] = sext32(x[index(d.rs1)] &<< imm)
                pc &+= len
            case .srliw:
                x[index(d.rd)] = sext32(UInt64(UInt32(truncatingIfNeeded: x[index(d.rs1)]) &>> UInt32(truncatingIfNeeded: imm)))
                pc &+= len
            case .sraiw:
                x[index(d.rd)] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[index(d.rs1)]) &>> Int32(truncatingIfNeeded: imm)))
                pc &+= len
            case .addw:
                x[index(d.rd)] = sext32(x[index(d.rs1)] &+ x[index(d.rs2)])
                pc &+= len
            case .subw:
                x[index(d.rd)] = sext32(x[index(d.rs1)] &- x[index(d.rs2)])
                pc &+= len
            case .sllw:
                x[index(d.rd)] = sext32(x[index(d.rs1)] &<< (x[index(d.rs2)] & 31))
                pc &+= len
            case .srlw:
                let s = UInt32(truncatingIfNeeded: x[index(d.rs2)] & 31)
                x[index(d.rd)] = sext32(UInt64(UInt32(truncatingIfNeeded: x[index(d.rs1)]) &>> s))
                pc &+= len
            case .sraw:
                let s = Int32(truncatingIfNeeded: x[index(d.rs2)] & 31)
                x[index(d.rd)] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[index(d.rs1)]) &>> s))
                pc &+= len

            case .mul:
                x[index(d.rd)] = x[index(d.rs1)] &* x[index(d.rs2)]
                pc &+= len
            case .mulh:
                let r = Int64(bitPattern: x[index(d.rs1)]).multipliedFullWidth(by: Int64(bitPattern: x[index(d.rs2)]))
                x[index(d.rd)] = UInt64(bitPattern: r.high)
                pc &+= len
            case .mulhsu:
                let a = x[index(d.rs1)], b = x[index(d.rs2)]
                let high = a.multipliedFullWidth(by: b).high
                x[index(d.rd)] = Int64(bitPattern: a) < 0 ? high &- b : high
                pc &+= len
            case .mulhu:
                x[index(d.rd)] = x[index(d.rs1)].multipliedFullWidth(by: x[index(d.rs2)]).high
                pc &+= len
            case .div:
                let a = Int64(bitPattern: x[index(d.rs1)]), b = Int64(bitPattern: x[index(d.rs2)])
                let q: Int64 = b == 0 ? -1 : (b == -1 ? 0 &- a : a / b)
                x[index(d.rd)] = UInt64(bitPattern: q)
                pc &+= len
            case .divu:
                let a = x[index(d.rs1)], b = x[index(d.rs2)]
                x[index(d.rd)] = b == 0 ? .max : a / b
                pc &+= len
            case .rem:
                let a = Int64(bitPattern: x[index(d.rs1)]), b = Int64(bitPattern: x[index(d.rs2)])
                let r: Int64 = b == 0 ? a : (b == -1 ? 0 : a % b)
                x[index(d.rd)] = UInt64(bitPattern: r)
                pc &+= len
            case .remu:
                let a = x[index(d.rs1)], b = x[index(d.rs2)]
                x[index(d.rd)] = b == 0 ? a : a % b
                pc &+= len
            case .mulw:
                x[index(d.rd)] = sext32(x[index(d.rs1)] &* x[index(d.rs2)])
                pc &+= len
            case .divw:
                let a = Int32(truncatingIfNeeded: x[index(d.rs1)]), b = Int32(truncatingIfNeeded: x[index(d.rs2)])
                let q: Int32 = b == 0 ? -1 : (b == -1 ? 0 &- a : a / b)
                x[index(d.rd)] = UInt64(bitPattern: Int64(q))
                pc &+= len
            case .divuw:
                let a = UInt32(truncatingIfNeeded: x[index(d.rs1)]), b = UInt32(truncatingIfNeeded: x[index(d.rs2)])
                x[index(d.rd)] = sext32(UInt64(b == 0 ? UInt32.max : a / b))
                pc &+= len
            case .remw:
                let a = Int32(truncatingIfNeeded: x[index(d.rs1)]), b = Int32(truncatingIfNeeded: x[index(d.rs2)])
                let r: Int32 = b == 0 ? a : (b == -1 ? 0 : a % b)
                x[index(d.rd)] = UInt64(bitPattern: Int64(r))
                pc &+= len
            case .remuw:
                let a = UInt32(truncatingIfNeeded: x[index(d.rs1)]), b = UInt32(truncatingIfNeeded: x[index(d.rs2)])
                x[index(d.rd)] = sext32(UInt64(b == 0 ? a : a % b))
                pc &+= len

            case .lrW, .lrD, .scW, .scD, .amoW, .amoD:
                let (next, trapped) = atomic(h, d, pc, trace: T.data)
                pc = next
                if trapped { traps &+= 1 }
                if st.pointee.stop { break loop }

            case .csrrw, .csrrs, .csrrc, .csrrwi, .csrrsi, .csrrci, .ecall, .ebreak, .mret, .wfi,
                 .fenceI, .magic, .illegal, .fetchFault, .undecoded:
                let (next, trapped) = system(h, d, pc, executed: n, traps: traps)
                pc = next
                if trapped { traps &+= 1 }
                if st.pointee.stop || hs.pointee.waiting || st.pointee.reschedule { break loop }
            }
        }
        hs.pointee.pc = pc
        hs.pointee.retired &+= UInt64(n &- traps)
        return n
    }
}
