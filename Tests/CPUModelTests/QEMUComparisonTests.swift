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

    /// The workloads, with annotations compiled out (the magic instruction is illegal on
    /// QEMU), on 4 harts: real parallel CPUs under QEMU, lockstep here, the same results.
    @Test(arguments: ["mcs_lock.c", "producer_consumer.c", "bucket_locks.c", "reader_mostly.c"])
    func workloadsMatchQEMU(file: String) throws {
        let elf = try Guests.build(["workloads/" + file], runtime: true, flags: ["-DMTRACE_OFF", "-DMTLAB_CPUS=4"],
                                   name: "qemu_workload_" + file.replacingOccurrences(of: ".", with: "_"))
        let (result, _) = try Guests.run(elf, MachineConfiguration(harts: 4, quantum: 1))
        let (status, output) = try QEMU.run(elf, harts: 4)
        #expect(result.outcome == .passed, "\(result.outcome) \(result.consoleText)")
        #expect(!result.usesAnnotations)
        #expect(status == 0)
        #expect(result.consoleText == output, "emulator: \(result.consoleText)\nqemu: \(output)")
    }
}
