import CPUModel
import MTrace
import Testing

/// Outcomes, faults, devices and machine-specific CSR facts.
@Suite struct MachineTests {
    /// A bare program: `_start` followed by `body`.
    func bare(_ name: String, _ body: String, _ configuration: MachineConfiguration = MachineConfiguration()) throws
        -> (RunResult, Machine) {
        let source = """
            .section .text.init, "ax"
            .globl _start
            .option norvc
        _start:
        \(body)
        """
        return try Guests.run(try Guests.build(source: source, name: name), configuration)
    }

    @Test func machineSpecificCSRs() throws {
        let (result, _) = try Guests.run(try Guests.build(["tests/emu_csr.S"], runtime: false))
        #expect(result.outcome == .passed, "\(result.outcome)")
    }

    @Test func illegalInstructionWithoutHandlerNamesHartPCAndCause() throws {
        let (result, _) = try bare("no_handler", "nop\n.word 0xffffffff")
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.description == "hart 0 pc 0x80000004: illegal instruction 0xffffffff (no trap handler: mtvec is 0)")
        #expect(result.exitCode == nil)
        #expect(result.instructions == [1])
    }

    @Test func magicInstructionWithABadRequestFaults() throws {
        let (result, _) = try bare("magic", ".word 0x0000000b")
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.cause == .illegalInstruction)
        #expect(fault.value == 0xb)
        #expect(fault.description == "hart 0 pc 0x80000000: illegal instruction 0x0000000b (malformed mtrace annotation: a0 = 0 is not a request mtlab knows (1 registers an entry))")
    }

    @Test func trapLoopEndsTheRun() throws {
        let (result, _) = try bare("trap_loop", """
            la t0, handler
            csrw mtvec, t0
            .word 0xffffffff
            .align 2
        handler:
            .word 0xffffffff
        """)
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.reason.contains("trap loop"), "\(fault)")
    }

    @Test func fetchFromUnmappedMemoryFaults() throws {
        let (result, _) = try bare("unmapped_fetch", "li t0, 0x1000\njr t0")
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.cause == .instructionAccessFault)
        #expect(fault.pc == 0x1000)
        #expect(fault.description == "hart 0 pc 0x00001000: instruction access fault at 0x00001000 (no trap handler: mtvec is 0)")
    }

    @Test func storeToUnmappedMemoryFaults() throws {
        let (result, _) = try bare("unmapped_store", "li t0, 0x40000000\nsd zero, 8(t0)")
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.cause == .storeAccessFault)
        #expect(fault.value == 0x4000_0008)
        #expect(fault.description.hasPrefix("hart 0 pc 0x80000004: store/AMO access fault at 0x40000008"))
    }

    @Test(arguments: [0, 1, 42])
    func htifToHostEndsTheRun(code: Int) throws {
        let elf = try Guests.build(["tests/htif_pass.S"], runtime: false, flags: ["-DEXIT_CODE=\(code)"],
                                   name: "htif_\(code)")
        let (result, _) = try Guests.run(elf)
        #expect(result.outcome == (code == 0 ? .passed : .failed(code: code)))
        #expect(result.exitCode == code)
    }

    @Test func testFinisherFailCode() throws {
        let (result, _) = try bare("finisher_fail", """
            li t0, 0x100000
            li t1, (7 << 16) | 0x3333
            sw t1, 0(t0)
        1:  j 1b
        """)
        #expect(result.outcome == .failed(code: 7))
        #expect(result.exitCode == 7)
        #expect(result.instructions == [4])
    }

    @Test func uartOutputReachesConsoleAndCallback() throws {
        let elf = try Guests.build(["tests/hello.c"], runtime: true)
        let machine = try Machine(program: ELFImage(contentsOf: elf))
        var streamed: [UInt8] = []
        machine.onConsoleOutput = { streamed.append($0) }
        let result = try machine.run()
        #expect(result.outcome == .passed)
        #expect(result.consoleText == """
            hello from hart 0
            [  -42|7    |00099|beef|CAFEF00D|str|z|%]
            sum of squares 1..1000 = 333833500
            -7 / 2 = -3 rem -1

            """)
        #expect(streamed == result.console)
        // A machine runs once; asking again returns the same result.
        #expect(try machine.run() == result)
    }

    @Test func instructionLimitStopsARunawayGuest() throws {
        let (result, machine) = try bare("runaway", "1: addi a0, a0, 1\nj 1b",
                                         MachineConfiguration(maxInstructions: 1001))
        #expect(result.outcome == .instructionLimit(1001))
        #expect(result.instructions == [1001])
        #expect(machine.register(10) == 501)
    }

    @Test func wfiWithNothingToWakeIsADeadlock() throws {
        let (result, _) = try bare("deadlock", "1: wfi\nj 1b", MachineConfiguration(harts: 2))
        guard case .deadlock(let message) = result.outcome else {
            Issue.record("expected a deadlock, got \(result.outcome)"); return
        }
        #expect(message.contains("wfi"))
    }

    /// Every hart asleep with a timer far ahead: the clock jumps instead of idling.
    @Test func idleMachineFastForwardsToTheTimer() throws {
        let (result, machine) = try bare("fast_forward", """
            li t0, 0x200bff8
            ld t1, 0(t0)
            li t2, 1000000000
            add t1, t1, t2
            li t0, 0x2004000
            sd t1, 0(t0)
            li t0, 0x80
            csrw mie, t0
        1:  wfi
            csrr t1, mip
            andi t1, t1, 0x80
            beqz t1, 1b
            li t0, 0x200bff8
            ld a0, 0(t0)
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
        """)
        #expect(result.outcome == .passed)
        #expect(machine.register(10) >= 1_000_000_000)
        #expect(result.totalInstructions < 100)
    }

    /// mtime counts one tick per 100 instruction slots per hart by default.
    @Test func mtimeFollowsRetiredInstructions() throws {
        let body = """
            .rept 999
            nop
            .endr
            li t0, 0x200bff8
            ld a0, 0(t0)
            rdtime a1
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
        """
        let (_, machine) = try bare("mtime", body)
        #expect(machine.register(10) == 10)
        var configuration = MachineConfiguration()
        configuration.instructionsPerTick = 10
        let (_, fast) = try bare("mtime_fast", body, configuration)
        #expect(fast.register(10) == 100)
        #expect(fast.register(11) == 100)
    }

    @Test func invalidConfigurationsAreRejected() throws {
        let elf = try ELFImage(contentsOf: try Guests.build(["tests/isa_alu.S"], runtime: false, name: "config_check"))
        #expect(throws: MachineError.self) { try Machine(configuration: MachineConfiguration(harts: 0), program: elf) }
        #expect(throws: MachineError.self) { try Machine(configuration: MachineConfiguration(ramSize: 5000), program: elf) }
        #expect(throws: MachineError.self) { try Machine(configuration: MachineConfiguration(quantum: 0), program: elf) }
    }

    @Test func segmentOutsideRAMIsRejected() throws {
        let elf = try ELFImage(contentsOf: try Guests.build(["tests/hello.c"], runtime: true, name: "too_big"))
        do {
            _ = try Machine(configuration: MachineConfiguration(ramSize: 64 << 10), program: elf)
            Issue.record("expected an error")
        } catch let error as MachineError {
            guard case .segmentOutsideRAM = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("outside RAM 0x80000000…0x80010000"), "\(error)")
        }
    }

    /// The decoded-instruction cache follows stores into code even without fence.i,
    /// including a store that only touches the second half of a page-straddling
    /// instruction and an AMO.
    @Test func storesIntoCodeInvalidateDecodedInstructions() throws {
        let (result, machine) = try bare("smc_no_fence", """
            jal ra, patchable
            mv s0, a0
            la t0, patchable
            li t1, 0x00200513          /* li a0, 2 */
            sw t1, 0(t0)
            jal ra, patchable
            mv s1, a0
            li t1, 0x00300513          /* li a0, 3, by amoswap */
            amoswap.w zero, t1, (t0)
            jal ra, patchable
            mv s2, a0
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
            .align 2
        patchable:
            li a0, 1
            ret
        """)
        #expect(result.outcome == .passed)
        #expect([machine.register(8), machine.register(9), machine.register(18)] == [1, 2, 3])
    }

    @Test func interruptWithoutHandlerIsAFault() throws {
        let (result, _) = try bare("interrupt_no_handler", """
            li t0, 8
            csrw mie, t0
            li t0, 0x2000000
            li t1, 1
            sw t1, 0(t0)               /* msip */
            csrsi mstatus, 8
        1:  j 1b
        """)
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.cause == .machineSoftwareInterrupt)
        #expect(fault.description.hasSuffix("machine software interrupt (no trap handler: mtvec is 0)"))
    }

    /// In U-mode an enabled interrupt is taken whatever mstatus.MIE says.
    @Test func timerInterruptPreemptsUserMode() throws {
        let (result, machine) = try bare("user_timer", """
            la t0, handler
            csrw mtvec, t0
            li t0, 0x200bff8
            ld t1, 0(t0)
            addi t1, t1, 5
            li t0, 0x2004000
            sd t1, 0(t0)
            li t0, 0x80
            csrw mie, t0
            li t0, -1
            csrw pmpaddr0, t0          /* U-mode may use all memory */
            li t0, 0x1f
            csrw pmpcfg0, t0
            li t0, 0x1800
            csrc mstatus, t0           /* MPP = U, MIE stays 0 */
            la t0, user
            csrw mepc, t0
            mret
        user:
            addi a0, a0, 1
            j user
            .align 2
        handler:
            csrr s0, mcause
            csrr s1, mstatus
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
        """)
        #expect(result.outcome == .passed)
        #expect(machine.register(8) == 0x8000_0000_0000_0007)
        #expect((machine.register(9) >> 11) & 3 == 0) // MPP: came from U-mode
        #expect(machine.register(10) > 100)
    }
}
