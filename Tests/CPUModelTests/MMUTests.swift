@testable import CPUModel
import MTrace
import Testing

/// Page-table entries in a dictionary: an address with no entry is inaccessible.
private struct DictionaryMemory: PageTableMemory {
    var words: [UInt64: UInt64] = [:]
    /// Addresses whose PTE cannot be written (an A/D update there is an access fault).
    var readOnly: Set<UInt64> = []

    mutating func loadPTE(_ address: UInt64) -> UInt64? { words[address] }
    mutating func storePTE(_ address: UInt64, _ value: UInt64) -> Bool {
        guard words[address] != nil, !readOnly.contains(address) else { return false }
        words[address] = value
        return true
    }
}

/// The Sv39 walk as the privileged spec's section 4.3.2 states it, step by step, with
/// the virtual and physical page numbers as arrays of 9- and 26-bit fields: slow and
/// obvious, the reference for `sv39Walk`.
private func referenceWalk(_ memory: inout DictionaryMemory, _ va: UInt64, _ type: AccessType,
                           _ context: TranslationContext) -> WalkResult {
    let top = va >> 38
    guard top == 0 || top == (1 << 26) - 1 else { return .pageFault }
    let vpn = [(va >> 12) & 0x1ff, (va >> 21) & 0x1ff, (va >> 30) & 0x1ff]
    var a = context.rootPageNumber * 4096
    var i = 2
    var pte: UInt64 = 0
    var pteAddress: UInt64 = 0
    while true {
        pteAddress = a + vpn[i] * 8
        guard let loaded = memory.words[pteAddress] else { return .accessFault }
        pte = loaded
        let v = pte & 1, r = (pte >> 1) & 1, w = (pte >> 2) & 1, x = (pte >> 3) & 1
        if v == 0 || (r == 0 && w == 1) || pte >> 54 != 0 { return .pageFault }
        if r == 1 || x == 1 { break }
        i -= 1
        if i < 0 { return .pageFault }
        a = ((pte >> 10) & ((1 << 44) - 1)) * 4096
    }
    let r = (pte >> 1) & 1 == 1, w = (pte >> 2) & 1 == 1, x = (pte >> 3) & 1 == 1, u = (pte >> 4) & 1 == 1
    let allowed: Bool
    switch type {
    case .fetch: allowed = x
    case .load: allowed = r || (context.mxr && x)
    case .store: allowed = w
    }
    if !allowed { return .pageFault }
    if context.privilege == .user && !u { return .pageFault }
    if context.privilege == .supervisor && u && (type == .fetch || !context.sum) { return .pageFault }
    let ppn = [(pte >> 10) & 0x1ff, (pte >> 19) & 0x1ff, (pte >> 28) & 0x3ff_ffff]
    for j in 0..<i where ppn[j] != 0 { return .pageFault }
    let a_ = (pte >> 6) & 1 == 1, d = (pte >> 7) & 1 == 1
    if !a_ || (type == .store && !d) {
        var updated = pte | (1 << 6)
        if type == .store { updated |= 1 << 7 }
        guard memory.words[pteAddress] != nil, !memory.readOnly.contains(pteAddress) else { return .accessFault }
        memory.words[pteAddress] = updated
    }
    var physical = va & 0xfff
    for j in 0..<3 {
        let field = j < i ? vpn[j] : ppn[j]
        physical |= field << (12 + 9 * UInt64(j))
    }
    return .translated(physical: physical, pageBits: 12 + 9 * UInt64(i))
}

@Suite struct MMUTests {
    /// Random page tables (three levels, leaves at every level, every flag combination,
    /// reserved bits, misaligned superpages, unreadable tables and unwritable PTEs):
    /// `sv39Walk` agrees with the reference on the result and on the A/D updates.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func walkMatchesReference(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func next(_ bound: UInt64) -> UInt64 { random.next() % bound }
        // Table pages live at small page numbers; each table has a few populated entries.
        let tablePages: [UInt64] = (1...12).map { $0 }
        var memory = DictionaryMemory()
        for page in tablePages {
            for index in 0..<512 as Range<UInt64> { memory.words[page * 4096 + index * 8] = 0 }
        }
        let indices: [UInt64] = [0, 1, 2, 511, 256] // the only VPN fields used: collisions are wanted
        for page in tablePages {
            for index in indices {
                var pte: UInt64
                if next(2) == 0 {
                    // Mostly a pointer to another table page (a cycle is fine: the walk has 3 levels).
                    pte = tablePages[Int(next(UInt64(tablePages.count)))] << 10 | PTE.valid
                    if next(4) == 0 { pte |= next(256) }
                } else {
                    // Mostly a valid, readable leaf; half of the frames aligned for any page size.
                    var frame = next(1 << 26)
                    if next(2) == 0 { frame &= ~((1 << 18) - 1) }
                    pte = frame << 10 | next(256)
                    if next(4) != 0 { pte |= PTE.valid | PTE.read }
                }
                if next(20) == 0 { pte |= 1 << (54 + next(10)) } // a reserved bit
                memory.words[page * 4096 + index * 8] = pte
            }
        }
        // Some table entries are unreadable or unwritable.
        for _ in 0..<6 {
            let page = tablePages[Int(next(UInt64(tablePages.count)))]
            let address = page * 4096 + indices[Int(next(UInt64(indices.count)))] * 8
            if next(2) == 0 { memory.words[address] = nil } else { memory.readOnly.insert(address) }
        }
        var translated = 0
        for _ in 0..<4000 {
            let fields = (0..<3).map { _ in indices[Int(next(UInt64(indices.count)))] }
            var va = fields[0] << 12 | fields[1] << 21 | fields[2] << 30 | next(4096)
            switch next(8) {
            case 0: va |= ~((1 << 39) - 1) // sign-extended high half (canonical when bit 38 is set)
            case 1: va |= 1 << (39 + next(25)) // not canonical
            default: break
            }
            let type = [AccessType.fetch, .load, .store][Int(next(3))]
            let context = TranslationContext(rootPageNumber: tablePages[Int(next(3))],
                                             privilege: next(2) == 0 ? .supervisor : .user,
                                             sum: next(2) == 0, mxr: next(2) == 0)
            var expectedMemory = memory
            let expected = referenceWalk(&expectedMemory, va, type, context)
            let actual = sv39Walk(&memory, va, type, context)
            #expect(actual == expected, "va \(String(va, radix: 16)) \(type) \(context)")
            #expect(memory.words == expectedMemory.words, "A/D update for va \(String(va, radix: 16)) \(type)")
            if actual != expected { return }
            memory = expectedMemory
            if case .translated = actual { translated += 1 }
        }
        // The tables must exercise translations as well as faults.
        #expect(translated > 50)
    }

    /// Translation, A then D, superpage offsets and faults on a hand-made table.
    @Test func walkExamples() {
        var memory = DictionaryMemory()
        let root: UInt64 = 1, l1: UInt64 = 2, l0: UInt64 = 3
        for page in [root, l1, l0] { for i in 0..<512 as Range<UInt64> { memory.words[page * 4096 + i * 8] = 0 } }
        memory.words[root * 4096 + 1 * 8] = l1 << 10 | PTE.valid
        memory.words[l1 * 4096 + 0 * 8] = l0 << 10 | PTE.valid
        memory.words[l0 * 4096 + 5 * 8] = 0x1234 << 10 | PTE.valid | PTE.read | PTE.write
        memory.words[l1 * 4096 + 3 * 8] = 0x400 << 10 | PTE.valid | PTE.read | PTE.accessed // 2 MiB page
        let s = TranslationContext(rootPageNumber: root, privilege: .supervisor, sum: false, mxr: false)
        let va: UInt64 = 1 << 30 | 5 << 12 | 0xabc
        #expect(sv39Walk(&memory, va, .load, s) == .translated(physical: 0x1234abc, pageBits: 12))
        #expect(memory.words[l0 * 4096 + 40]! & (PTE.accessed | PTE.dirty) == PTE.accessed)
        #expect(sv39Walk(&memory, va, .store, s) == .translated(physical: 0x1234abc, pageBits: 12))
        #expect(memory.words[l0 * 4096 + 40]! & (PTE.accessed | PTE.dirty) == PTE.accessed | PTE.dirty)
        #expect(sv39Walk(&memory, va, .fetch, s) == .pageFault) // no X
        let user = TranslationContext(rootPageNumber: root, privilege: .user, sum: false, mxr: false)
        #expect(sv39Walk(&memory, va, .load, user) == .pageFault) // no U
        let mega: UInt64 = 1 << 30 | 3 << 21 | 0x12345
        #expect(sv39Walk(&memory, mega, .load, s) == .translated(physical: 0x400 << 12 | 0x12345, pageBits: 21))
        #expect(sv39Walk(&memory, mega, .store, s) == .pageFault) // read-only
        #expect(sv39Walk(&memory, 1 << 38, .load, s) == .pageFault) // not sign-extended
    }

    /// The TLB never answers with a wrong frame: against a dictionary of the mappings
    /// inserted (minus those flushed), a hit is always right, and an insert always hits.
    @Test func tlbAgreesWithAModel() {
        let block = UnsafeMutablePointer<TLBEntry>.allocate(capacity: TLB.perHart)
        defer { block.deallocate() }
        TLB.flush(block)
        let table = TLB.table(block, .load)
        var model: [UInt64: UInt64] = [:] // virtual page -> RAM offset of the frame
        var random = SplitMix64(seed: 42)
        for step in 0..<20_000 {
            let page = random.next() % 2048 // collisions in 256 slots
            let va = page << 12 | random.next() % 4096
            switch random.next() % 8 {
            case 0, 1, 2:
                let frame = (random.next() % 4096) << 12
                TLB.insert(table, virtual: va, ramOffset: frame | 0x123)
                model[page] = frame
                #expect(TLB.lookup(table, va) == frame | (va & 0xfff))
            case 3:
                TLB.flush(block, page: va)
                model[page] = nil
                #expect(TLB.lookup(table, va) == nil)
            case 4 where step % 97 == 0:
                TLB.flush(block)
                model.removeAll()
            default:
                if let hit = TLB.lookup(table, va) {
                    #expect(model[page].map { $0 | (va & 0xfff) } == hit, "stale entry for page \(page)")
                }
            }
        }
        // Other tables are untouched by load-table inserts.
        #expect(TLB.lookup(TLB.table(block, .store), 0) == nil)
    }

    @Test func pmpRangesAndDecisions() {
        var pmp = PMPUnit()
        // No entry configured: M-mode may do anything, S and U nothing.
        #expect(pmp.allows(0x8000_0000, 8, .load, .machine))
        #expect(!pmp.allows(0x8000_0000, 8, .load, .user))
        // Entry 0 NA4 R at 0x1000, entry 1 NAPOT (64 bytes) RW at 0x2000, entry 3 TOR X
        // over [0x3000, 0x4000) with pmpaddr2 as its base.
        pmp.writeCSR(0x3b0, 0x1000 >> 2)
        pmp.writeCSR(0x3b1, (0x2000 >> 2) | 0b111) // 2^(3+3) = 64 bytes
        pmp.writeCSR(0x3b2, 0x3000 >> 2)
        pmp.writeCSR(0x3b3, 0x4000 >> 2)
        pmp.writeCSR(0x3a0, UInt64(0x0c) << 24 | UInt64(0x1b) << 8 | 0x11)
        #expect(pmp.range(1) == (0x2000, 0x2040))
        #expect(pmp.allows(0x1000, 4, .load, .user))
        #expect(!pmp.allows(0x1000, 4, .store, .user))
        #expect(!pmp.allows(0x1000, 8, .load, .user)) // partly outside the NA4 entry
        #expect(pmp.allows(0x1000, 8, .store, .machine)) // unlocked entries do not bind M-mode
        #expect(pmp.allows(0x203c, 4, .store, .supervisor))
        #expect(!pmp.allows(0x203c, 8, .load, .supervisor))
        #expect(!pmp.allows(0x2040, 1, .load, .supervisor)) // no entry matches
        #expect(pmp.allows(0x3ffc, 4, .fetch, .user))
        #expect(!pmp.allows(0x3ffc, 4, .load, .user))
        #expect(pmp.decision(0x3000, 0x4000, .fetch, .user) == .allow)
        #expect(pmp.decision(0x1000, 0x2000, .load, .user) == .partial)
        // R = 0 with W = 1 is reserved: no access.
        pmp.writeCSR(0x3a2, 0x0a)
        #expect(pmp.readCSR(0x3a2) == 0x08)
        // pmpcfg1 does not exist; entries beyond 16 read zero.
        #expect(pmp.readCSR(0x3a1) == nil)
        #expect(pmp.readCSR(0x3c5) == 0)
        // A locked entry binds M-mode, ignores writes, and locks the address below a TOR.
        pmp.writeCSR(0x3a0, UInt64(0x8c) << 24 | UInt64(0x1b) << 8 | 0x11)
        #expect(!pmp.allows(0x3000, 4, .load, .machine))
        #expect(pmp.allows(0x3000, 4, .fetch, .machine))
        pmp.writeCSR(0x3b3, 0)
        pmp.writeCSR(0x3b2, 0)
        #expect(pmp.readCSR(0x3b3) == 0x4000 >> 2)
        #expect(pmp.readCSR(0x3b2) == 0x3000 >> 2)
        pmp.writeCSR(0x3a0, 0)
        #expect(pmp.readCSR(0x3a0)! >> 24 & 0xff == 0x8c)
        #expect(pmp.readCSR(0x3a0)! & 0xff == 0) // unlocked entries still change
    }

    /// A fault below M-mode names the privilege in its message.
    @Test func userFaultNamesThePrivilege() throws {
        let source = """
            .section .text.init, "ax"
            .globl _start
            .option norvc
        _start:
            li t0, -1
            csrw pmpaddr0, t0
            li t0, 0x1f
            csrw pmpcfg0, t0
            li t0, 0x1800
            csrc mstatus, t0
            la t0, user
            csrw mepc, t0
            mret
        user:
            li t0, 0x1000
            ld a0, 0(t0)
        """
        let (result, _) = try Guests.run(try Guests.build(source: source, name: "user_fault"))
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.privilege == .user)
        #expect(fault.problem == "load access fault at 0x00001000 in U-mode (no trap handler: mtvec is 0)")
    }

    /// mcontrol triggers: an execute match traps before the instruction with mtval = pc,
    /// a load match before the load with mtval = the address; a disabled trigger is quiet.
    @Test func triggersRaiseBreakpoints() throws {
        let source = """
            .section .text.init, "ax"
            .globl _start
            .option norvc
        _start:
            la t0, handler
            csrw mtvec, t0
            csrr s0, tinfo
            li t0, 0
            csrw tselect, t0
            la t0, target
            csrw tdata2, t0
            li t0, (2 << 60) | (1 << 6) | (1 << 2)   /* mcontrol, M-mode, execute */
            csrw tdata1, t0
            csrr s1, tdata1
            li a0, 0
        target:
            addi a0, a0, 1            /* never runs: the handler skips it */
            mv s2, s4                 /* cause */
            mv s3, s5                 /* mtval */
            li t0, 15 << 60           /* disable */
            csrw tdata1, t0
            li t0, 1
            csrw tselect, t0
            la t0, data
            csrw tdata2, t0
            li t0, (2 << 60) | (1 << 6) | (1 << 0)   /* trigger 1: M-mode, load */
            csrw tdata1, t0
            la t1, data
            sd t1, 0(t1)              /* a store does not match */
            li s4, 0
            ld a1, 0(t1)
            mv s6, s4
            mv s7, s5
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
            .align 2
        handler:
            csrr s4, mcause
            csrr s5, mtval
            csrr t0, mepc
            addi t0, t0, 4
            csrw mepc, t0
            mret
            .data
            .align 3
        data: .dword 0
        """
        let (result, machine) = try Guests.run(try Guests.build(source: source, name: "triggers"))
        #expect(result.outcome == .passed)
        let target = machine.program.address(of: "target")
        let data = machine.program.address(of: "data")
        #expect(machine.register(8) == 4) // tinfo: type 2
        #expect(machine.register(9) == (2 << 60) | (1 << 6) | (1 << 2))
        #expect(machine.register(10) == 0) // the addi never ran
        #expect(machine.register(18) == 3) // breakpoint
        #expect(machine.register(19) == target)
        #expect(machine.register(22) == 3)
        #expect(machine.register(23) == data)
        #expect(machine.register(11) == 0) // the load never ran
    }
}
