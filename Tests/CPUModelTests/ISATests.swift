import CPUModel
import Testing

/// Self-checking assembly programs, one per instruction class. Each exits through the
/// test finisher: 0x5555 when every check held, or the number of the failing check.
/// Where QEMU is installed the same ELF must pass there too, which keeps the expected
/// values in the programs honest.
@Suite struct ISATests {
    static let programs = ["isa_alu.S", "isa_branch.S", "isa_mem.S", "isa_muldiv.S", "isa_compressed.S",
                           "isa_atomic.S", "isa_priv.S", "isa_smc.S", "isa_straddle.S",
                           "isa_smode.S", "isa_sv39.S"]

    @Test(arguments: programs)
    func passesOnEmulator(_ program: String) throws {
        let elf = try Guests.build(["tests/" + program], runtime: false)
        let (result, _) = try Guests.run(elf)
        #expect(result.outcome == .passed, "\(program): \(result.outcome)")
    }

    @Test(.enabled(if: QEMU.available, "qemu-system-riscv64 is not installed: skipping the cross-check"),
          arguments: programs)
    func passesOnQEMU(_ program: String) throws {
        let elf = try Guests.build(["tests/" + program], runtime: false, flags: ["-DON_QEMU"], name: "qemu_" + program.replacingOccurrences(of: ".", with: "_"))
        let (status, output) = try QEMU.run(elf)
        #expect(status == 0, "\(program) on QEMU: status \(status) \(output)")
    }
}
