import CPUModel
import Testing

/// The same ELF on this machine and on QEMU `virt` must print the same console output.
@Suite(.enabled(if: QEMU.available, "qemu-system-riscv64 is not installed: skipping the QEMU comparison"))
struct QEMUComparisonTests {
    @Test(arguments: [("tests/hello.c", 1), ("bench/compute.c", 1), ("tests/mh_atomics.c", 4)])
    func consoleOutputMatchesQEMU(file: String, harts: Int) throws {
        let elf = try Guests.build([file], runtime: true, flags: ["-DROUNDS=2", "-DNHARTS=\(harts)"],
                                   name: "qemu_compare_" + file.replacingOccurrences(of: "/", with: "_")
                                       .replacingOccurrences(of: ".", with: "_"))
        let (result, _) = try Guests.run(elf, MachineConfiguration(harts: harts))
        let (status, output) = try QEMU.run(elf, harts: harts)
        #expect(result.outcome == .passed)
        #expect(status == 0)
        #expect(result.consoleText == output, "emulator: \(result.consoleText)\nqemu: \(output)")
    }
}
