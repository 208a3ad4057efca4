import CPUModel
import MTrace
import Testing

/// Several harts: atomicity, reservations, interrupts between harts, determinism.
@Suite struct MultiHartTests {
    func program(_ file: String, harts: Int) throws -> String {
        try Guests.build(["tests/" + file], runtime: true, flags: ["-DNHARTS=\(harts)"],
                         name: file.replacingOccurrences(of: ".", with: "_") + "_\(harts)")
    }

    @Test(arguments: [(2, 100, 0), (4, 100, 0), (4, 37, 25), (3, 1, 0)])
    func atomicsAreAtomicAcrossHarts(harts: Int, quantum: Int, jitter: Int) throws {
        let elf = try program("mh_atomics.c", harts: harts)
        let (result, _) = try Guests.run(elf, MachineConfiguration(harts: harts, quantum: quantum,
                                                                   quantumJitter: jitter, seed: 7))
        #expect(result.outcome == .passed, "\(result.outcome): \(result.consoleText)")
        let total = 500 * harts
        #expect(result.consoleText == "amo \(total) lrsc \(total) locked \(total)\n")
        #expect(result.instructions.allSatisfy { $0 > 0 })
    }

    @Test func sameConfigurationGivesIdenticalRunsAndTraces() throws {
        let elf = try program("mh_atomics.c", harts: 4)
        let configuration = MachineConfiguration(harts: 4, quantum: 50, quantumJitter: 20, seed: 3)
        let first = CollectingSink(), second = CollectingSink()
        let (a, _) = try Guests.run(elf, configuration, trace: first)
        let (b, _) = try Guests.run(elf, configuration, trace: second)
        #expect(a == b)
        #expect(first.accesses.count == second.accesses.count)
        #expect(first.accesses == second.accesses)
        #expect(Set(first.accesses.map(\.cpu)) == [0, 1, 2, 3])
    }

    @Test func jitterSeedsExploreDifferentInterleavings() throws {
        let elf = try program("mh_interleave.c", harts: 4)
        func order(_ seed: UInt64, jitter: Int = 40) throws -> String {
            let (result, _) = try Guests.run(elf, MachineConfiguration(harts: 4, quantum: 60,
                                                                       quantumJitter: jitter, seed: seed))
            #expect(result.outcome == .passed)
            return result.consoleText
        }
        let base = try order(1)
        #expect(try order(1) == base)
        let others = try [2, 3, 4].map { try order($0) }
        #expect(others.contains { $0 != base }, "jitter made no difference: \(others)")
        #expect(try order(1, jitter: 0) == order(2, jitter: 0), "without jitter the seed must not matter")
    }

    /// A store by another hart to the reserved line makes the SC fail; a store to another
    /// line does not. Quantum 100: hart 0 reserves, spins past its turn, then tries SC.
    @Test(arguments: [(0, true), (64, false)])
    func otherHartsStoreBreaksTheReservation(storeOffset: Int, breaks: Bool) throws {
        let source = """
            .section .text.init, "ax"
            .globl _start
        _start:
            la s0, shared
            bnez a0, other
            lr.d t0, (s0)
            li t1, 300
        1:  addi t1, t1, -1
            bnez t1, 1b
            li t2, 5
            sc.d s1, t2, (s0)          /* s1: 0 = success */
            lr.d t0, (s0)
            sc.d s2, t2, (s0)          /* immediately: succeeds */
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
        other:
            li t1, 7
            sd t1, \(storeOffset + 8)(s0)
        2:  wfi
            j 2b

            .data
            .align 6
        shared:
            .skip 128
        """
        let elf = try Guests.build(source: source, name: "reservation_\(storeOffset)")
        let (result, machine) = try Guests.run(elf, MachineConfiguration(harts: 2, quantum: 100))
        #expect(result.outcome == .passed)
        #expect(machine.register(9, hart: 0) == (breaks ? 1 : 0))
        #expect(machine.register(18, hart: 0) == 0)
    }

    @Test func softwareInterruptWakesAnotherHart() throws {
        let elf = try Guests.build(["tests/mh_msip.c"], runtime: true, name: "mh_msip")
        let (result, _) = try Guests.run(elf, MachineConfiguration(harts: 2))
        #expect(result.outcome == .passed, "\(result.outcome) \(result.consoleText)")
        #expect(result.consoleText == "hart 1 woke with mcause 8000000000000003\n")
    }

    @Test func everyHartStartsAtTheEntryWithItsId() throws {
        let source = """
            .section .text.init, "ax"
            .globl _start
        _start:
            mv s0, a0
            mv s1, a1
            csrr s2, mhartid
            bnez a0, 1f
            li t1, 2000
        2:  addi t1, t1, -1
            bnez t1, 2b
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
        1:  wfi
            j 1b
        """
        let (result, machine) = try Guests.run(try Guests.build(source: source, name: "hart_ids"),
                                               MachineConfiguration(harts: 5))
        #expect(result.outcome == .passed)
        for hart in 0..<5 {
            #expect(machine.register(8, hart: hart) == UInt64(hart))
            #expect(machine.register(9, hart: hart) == 0)
            #expect(machine.register(18, hart: hart) == UInt64(hart))
        }
    }
}
