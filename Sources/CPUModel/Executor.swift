import MTrace

// The interpreter's hot loop. Everything it touches per instruction is a local copy of a
// pointer or a value: no class properties, no allocation, no dynamic dispatch. Anything
// rare (devices, CSRs, traps, atomics, decode misses) is a call to a non-inlined method.

extension Machine {
    /// Runs `hart` for at most `budget` instructions; returns how many it executed
    /// (including ones that trapped). Stops early when the run ends or the hart waits.
    @inline(never)
    func runSlice<T: TracePolicy, A: AddressingPolicy>(_: T.Type, _: A.Type, hart h: Int, budget: Int) -> Int {
        let x = registers + h &* registerStride
        let hs = harts + h
        let st = state
        let ram = self.ram
        let base = ramBase
        let size = ramSize
        let pages = decodePages
        let flags = pageFlags
        let block = tlb + h &* TLB.perHart
        let itlb = block, ltlb = block + TLB.entries, stlb = block + 2 &* TLB.entries
        var pc = hs.pointee.pc
        var n = 0
        var traps = 0
        // The fetch shortcut: the page of the last fetch (virtual page of a TLB hit in the
        // translated loop, RAM page in the direct one), its frame and decode table.
        // Forgotten after anything that can change translation (system instructions and
        // traps), so it never outlives a TLB flush. Decode tables are never freed.
        var fetchPage = UInt64.max
        var fetchFrame: UInt64 = 0
        var fetchTable: UnsafeMutablePointer<DecodedOp>? = nil

        @inline(__always) func index(_ r: UInt8) -> Int { Int(truncatingIfNeeded: r) }
        /// ra and t0: the link registers of the calling convention (the RAS hints of the ISA).
        @inline(__always) func isLink(_ r: UInt8) -> Bool { r == 1 || r == 5 }
        @inline(__always) func offset(_ o: UInt64) -> Int { Int(truncatingIfNeeded: o) }
        @inline(__always) func sext32(_ v: UInt64) -> UInt64 {
            UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
        }

        /// The RAM offset of an access of `n` bytes at `a` when the fast path serves it:
        /// directly (physical addresses within RAM), or through a TLB hit on one page.
        @inline(__always) func ramOffset(_ a: UInt64, _ n: UInt64, _ table: UnsafeMutablePointer<TLBEntry>) -> UInt64? {
            if A.translated {
                guard (a & 0xfff) &+ n <= 4096 else { return nil }
                return TLB.lookup(table, a)
            }
            let o = a &- base
            return o <= size &- n ? o : nil // RAM is at least 4 KiB: no wrap
        }
        /// The one load helper: RAM through the fast path, anything else (devices, TLB
        /// misses, page crossings, faults) through the slow path. nil: the load trapped.
        @inline(__always) func load<W: FixedWidthInteger & UnsignedInteger>(_: W.Type, _ a: UInt64, _ pc: UInt64,
                                                                             _ n: Int) -> UInt64? {
            let width = UInt64(MemoryLayout<W>.size)
            if let o = ramOffset(a, width, ltlb) {
                if T.data { emit(h, .load, base &+ o, Int(width), pc) }
                return UInt64(ram.loadUnaligned(fromByteOffset: offset(o), as: W.self))
            }
            if A.translated { return translatedLoad(h, a, Int(width), executed: n, trace: T.data, pc: pc) }
            return loadSlow(h, a, Int(width), executed: n)
        }
        /// The one store helper; a flagged page (code, reservation, tohost) calls storeHook.
        @inline(__always) func store<W: FixedWidthInteger & UnsignedInteger>(_: W.Type, _ a: UInt64, _ v: UInt64,
                                                                              _ pc: UInt64, _ n: Int) -> StoreStatus {
            let width = UInt64(MemoryLayout<W>.size)
            if let o = ramOffset(a, width, stlb) {
                ram.storeBytes(of: W(truncatingIfNeeded: v), toByteOffset: offset(o), as: W.self)
                if T.data { emit(h, .store, base &+ o, Int(width), pc) }
                let flagged = width == 1 ? flags[offset(o &>> 12)]
                    : flags[offset(o &>> 12)] | flags[offset((o &+ (width &- 1)) &>> 12)]
                if flagged != 0 && storeHook(h, o, Int(width), pc: pc) { return .stop }
                return .done
            }
            if A.translated { return translatedStore(h, a, Int(width), v, executed: n, trace: T.data, pc: pc) }
            return storeSlow(h, a, Int(width), v, executed: n)
        }

        loop: while n < budget {
            n &+= 1
            var d: DecodedOp
            var fetched = pc
            if A.translated {
                let inPage = pc & 0xfff
                if pc &>> 12 == fetchPage && inPage != 0xffe, let table = fetchTable {
                    d = table[offset(inPage &>> 1)]
                    if d.op == .undecoded { d = decodeSlot(fetchFrame | inPage) }
                    fetched = base &+ (fetchFrame | inPage)
                } else if inPage != 0xffe, let fetchOffset = TLB.lookup(itlb, pc) {
                    fetched = base &+ fetchOffset
                    d = decodeSlot(fetchOffset) // also allocates the page's decode table
                    fetchPage = pc &>> 12
                    fetchFrame = fetchOffset & ~0xfff
                    fetchTable = pages[offset(fetchOffset &>> 12)]
                } else {
                    (d, fetched) = translatedFetch(h, pc)
                }
            } else {
                let fetchOffset = pc &- base
                if fetchOffset &>> 12 == fetchPage, let table = fetchTable {
                    d = table[offset((fetchOffset & 0xfff) &>> 1)]
                    if d.op == .undecoded { d = decodeSlot(fetchOffset) }
                } else if fetchOffset < size, let page = pages[offset(fetchOffset &>> 12)] {
                    d = page[offset((fetchOffset & 0xfff) &>> 1)]
                    if d.op == .undecoded { d = decodeSlot(fetchOffset) }
                    fetchPage = fetchOffset &>> 12
                    fetchTable = page
                } else {
                    d = decodeSlot(fetchOffset)
                }
            }
            if T.fetch && d.op != .fetchFault && d.op != .fetchTrap { emit(h, .fetch, fetched, Int(d.len), pc) }
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

            // Loads and stores: one generic helper per direction (below), RAM inline.
            case .lb:
                let a = x[index(d.rs1)] &+ imm
                guard let v = load(UInt8.self, a, pc, n) else { 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .loadAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                 }
                x[index(d.rd)] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v)))
                pc &+= len
            case .lbu:
                let a = x[index(d.rs1)] &+ imm
                guard let v = load(UInt8.self, a, pc, n) else { 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .loadAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                 }
                x[index(d.rd)] = v
                pc &+= len
            case .lh:
                let a = x[index(d.rs1)] &+ imm
                guard let v = load(UInt16.self, a, pc, n) else { 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .loadAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                 }
                x[index(d.rd)] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
                pc &+= len
            case .lhu:
                let a = x[index(d.rs1)] &+ imm
                guard let v = load(UInt16.self, a, pc, n) else { 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .loadAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                 }
                x[index(d.rd)] = v
                pc &+= len
            case .lw:
                let a = x[index(d.rs1)] &+ imm
                guard let v = load(UInt32.self, a, pc, n) else { 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .loadAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                 }
                x[index(d.rd)] = sext32(v)
                pc &+= len
            case .lwu:
                let a = x[index(d.rs1)] &+ imm
                guard let v = load(UInt32.self, a, pc, n) else { 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .loadAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                 }
                x[index(d.rd)] = v
                pc &+= len
            case .ld:
                let a = x[index(d.rs1)] &+ imm
                guard let v = load(UInt64.self, a, pc, n) else { 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .loadAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                 }
                x[index(d.rd)] = v
                pc &+= len
            case .sb:
                let a = x[index(d.rs1)] &+ imm
                switch store(UInt8.self, a, x[index(d.rs2)], pc, n) {
                case .done: pc &+= len
                case .stop: pc &+= len; break loop
                case .accessFault: 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .storeAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                
                }
            case .sh:
                let a = x[index(d.rs1)] &+ imm
                switch store(UInt16.self, a, x[index(d.rs2)], pc, n) {
                case .done: pc &+= len
                case .stop: pc &+= len; break loop
                case .accessFault: 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .storeAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                
                }
            case .sw:
                let a = x[index(d.rs1)] &+ imm
                switch store(UInt32.self, a, x[index(d.rs2)], pc, n) {
                case .done: pc &+= len
                case .stop: pc &+= len; break loop
                case .accessFault: 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .storeAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                
                }
            case .sd:
                let a = x[index(d.rs1)] &+ imm
                switch store(UInt64.self, a, x[index(d.rs2)], pc, n) {
                case .done: pc &+= len
                case .stop: pc &+= len; break loop
                case .accessFault: 
                    pc = raise(h, pc, A.translated ? hs.pointee.pendingCause : .storeAccessFault, a); traps &+= 1
                    fetchPage = .max
                    if st.pointee.stop || st.pointee.reschedule { break loop } // the trap may change addressing
                    continue loop
                
                }

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
                if trapped { traps &+= 1; fetchPage = .max }
                if st.pointee.stop || st.pointee.reschedule { break loop }

            case .csrrw, .csrrs, .csrrc, .csrrwi, .csrrsi, .csrrci, .ecall, .ebreak, .mret, .sret, .wfi,
                 .fenceI, .sfenceVma, .magic, .illegal, .fetchFault, .fetchTrap, .undecoded:
                let (next, trapped) = system(h, d, pc, executed: n, traps: traps)
                pc = next
                if trapped { traps &+= 1 }
                fetchPage = .max
                if st.pointee.stop || hs.pointee.waiting || st.pointee.reschedule { break loop }
            }
        }
        hs.pointee.pc = pc
        hs.pointee.retired &+= UInt64(n &- traps)
        return n
    }
}
