import CPUModel
import Foundation
@testable import Experiments

/// Guest programs for the tests of emulated runs: the repository's workloads, and small
/// programs written into a private guests folder (a copy of the runtime).
enum GuestFixtures {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let guests = repository + "/guests"

    /// This process's scratch folder: a guests folder, configs, and the guest cache.
    static let scratch: String = {
        let path = NSTemporaryDirectory() + "mtlab-emulated-tests-\(getpid())"
        let fm = FileManager.default
        try? fm.createDirectory(atPath: path + "/guests/programs", withIntermediateDirectories: true)
        try? fm.copyItem(atPath: guests + "/runtime", toPath: path + "/guests/runtime")
        try? fm.copyItem(atPath: guests + "/link.ld", toPath: path + "/guests/link.ld")
        return path
    }()

    static let cache = GuestCache(folder: scratch + "/cache")
    static let options = EmulatorOptions(guestCache: cache)

    /// Writes a C guest (linked with the runtime) into the private guests folder; returns its path.
    static func source(_ name: String, _ text: String) throws -> String {
        let path = scratch + "/guests/programs/\(name).c"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Builds a bare assembly program (its own `_start`, no runtime) into an ELF.
    static func bareELF(_ name: String, _ body: String) throws -> String {
        let source = scratch + "/\(name).S"
        try """
            .section .text.init, "ax"
            .globl _start
            .option norvc
        _start:
        \(body)
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let output = scratch + "/\(name).elf"
        try GuestBuilder(guestsDirectory: guests).build(sources: [source], output: output, runtime: false)
        return output
    }

    /// A config for `cpus` CPUs running `workload` (a `key = "value"` line of [workload]),
    /// with extra TOML appended.
    static func config(_ workload: String, cpus: Int = 4, extra: String = "") throws -> RunConfiguration {
        try RunConfiguration.parse("""
            [system]
            cpus = \(cpus)
            [workload]
            \(workload)
            [cache]
            size = 32768
            ways = 8
            \(extra)
            """, file: scratch + "/run.toml")
    }

    /// A config running a workload of `guests/workloads/`.
    static func workload(_ file: String, cflags: String = "", cpus: Int = 4, machine: String = "quantum = 1") throws
        -> RunConfiguration {
        try config("guest = \"\(guests)/workloads/\(file)\"\ncflags = \"\(cflags)\"", cpus: cpus,
                   extra: "[machine]\n\(machine)\n")
    }

    static func run(_ configuration: RunConfiguration) throws -> CompletedRun {
        try Runner.run(configuration, emulator: options)
    }
}
