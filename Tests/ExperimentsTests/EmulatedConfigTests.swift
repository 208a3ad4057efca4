import Foundation
import Testing
@testable import Experiments

private let guestConfig = """
    [system]
    cpus = 4
    [workload]
    guest = "../guests/x.c"
    [cache]
    sets = 64
    """

private func load(_ text: String, _ overrides: [String] = []) throws -> RunConfiguration {
    try RunConfiguration.parse(text, file: "configs/run.toml", overrides: overrides)
}

private func failure(_ text: String, _ overrides: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        _ = try load(text, overrides)
        Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
    } catch let e as ConfigError {
        return e
    } catch {
        Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// `workload.elf`, `workload.guest`, `workload.cflags` and the `machine` table.
@Suite struct EmulatedConfigLoading {
    @Test func guestDefaults() throws {
        let c = try load(guestConfig)
        let e = try #require(c.emulated)
        #expect(e.program == .guest(path: "../guests/x.c", resolvedPath: "configs/../guests/x.c", cflags: ""))
        #expect(e.ramSize == 128 << 20)
        #expect(e.quantum == 100)
        #expect(e.jitter == 0)
        #expect(e.maxInstructions == 10_000_000_000)
        #expect(e.instructionsPerTick == 100)
        #expect(e.traceFetches == false)
        let machine = e.machineConfiguration(cpus: c.cpus, seed: c.seed)
        #expect(machine.harts == 4)
        #expect(machine.seed == 1)
        #expect(machine.maxInstructions == 10_000_000_000)
    }

    @Test func everyMachineKey() throws {
        let c = try load("""
            [system]
            cpus = 2
            seed = 9
            [workload]
            elf = "/abs/prog.elf"
            [cache]
            sets = 64
            [machine]
            ram = 1048576
            quantum = 7
            jitter = 3
            max_instructions = 5000
            instructions_per_tick = 10
            trace_fetches = true
            """)
        let e = try #require(c.emulated)
        #expect(e.program == .elf(path: "/abs/prog.elf", resolvedPath: "/abs/prog.elf"))
        #expect(e == EmulatedWorkload(program: e.program, ramSize: 1 << 20, quantum: 7, jitter: 3, maxInstructions: 5000,
                                      instructionsPerTick: 10, traceFetches: true))
        let machine = e.machineConfiguration(cpus: c.cpus, seed: c.seed)
        #expect(machine.quantumJitter == 3 && machine.seed == 9 && machine.traceFetches && machine.ramSize == 1 << 20)
        let values = Dictionary(uniqueKeysWithValues: c.resolvedValues.map { ($0.key, $0.value) })
        #expect(values["machine.trace_fetches"] == .boolean(true))
        #expect(values["workload.elf"] == .string("/abs/prog.elf"))
        #expect(values["workload.trace"] == nil && values["workload.guest"] == nil && values["workload.cflags"] == nil)
    }

    @Test func resolvedValuesOfAGuestNameItsKeys() throws {
        let c = try load(guestConfig, ["workload.cflags=-DPADDED -O1"])
        let names = c.resolvedValues.map(\.key)
        #expect(names.contains("workload.guest") && names.contains("workload.cflags") && names.contains("machine.quantum"))
        #expect(!names.contains("workload.trace") && !names.contains("workload.format") && !names.contains("workload.elf"))
        #expect(c.emulated?.compilerFlags == ["-DPADDED", "-O1"])
    }

    @Test func overridesReachTheMachineTable() throws {
        let c = try load(guestConfig, ["machine.quantum=1", "machine.trace_fetches=true", "workload.cflags=\"-DX=1\""])
        #expect(c.emulated?.quantum == 1)
        #expect(c.emulated?.traceFetches == true)
        #expect(c.emulated?.compilerFlags == ["-DX=1"])
    }

    @Test func unknownMachineKeyListsTheValidOnes() {
        let e = failure(guestConfig + "\n[machine]\nquanta = 3\n")
        #expect(e?.kind == .unknownKey)
        #expect(e?.description == "configs/run.toml: unknown key machine.quanta; valid keys in [machine] are ram, quantum, jitter, max_instructions, instructions_per_tick, trace_fetches")
    }

    struct OutOfRange: CustomTestStringConvertible, Sendable {
        var key: String
        var value: String
        var expected: String
        var testDescription: String { "\(key)=\(value)" }
    }

    static let outOfRange: [OutOfRange] = [
        OutOfRange(key: "machine.quantum", value: "0", expected: "machine.quantum must be 1…2^30, got 0"),
        OutOfRange(key: "machine.jitter", value: "-1", expected: "machine.jitter must be 0…2^30−1, got -1"),
        OutOfRange(key: "machine.max_instructions", value: "0", expected: "machine.max_instructions must be 1…2^62, got 0"),
        OutOfRange(key: "machine.instructions_per_tick", value: "0", expected: "machine.instructions_per_tick must be 1…2^32, got 0"),
        OutOfRange(key: "machine.ram", value: "1024", expected: "machine.ram must be bytes: a multiple of 4096, 4 KiB…64 GiB, got 1024"),
        OutOfRange(key: "machine.ram", value: "10000", expected: "machine.ram must be a multiple of 4096 bytes, got 10000"),
        OutOfRange(key: "system.cpus", value: "65", expected: "system.cpus must be 1…64, got 65"),
    ]

    @Test(arguments: outOfRange) func outOfRangeValuesNameKeyRangeAndValue(_ bad: OutOfRange) {
        let e = failure(guestConfig, ["\(bad.key)=\(bad.value)"])
        #expect(e?.kind == .outOfRange)
        #expect(e?.key == bad.key)
        #expect(e?.description == "--set \(bad.key)=\(bad.value): \(bad.expected)")
    }

    @Test func wrongTypes() {
        let fetches = failure(guestConfig + "\n[machine]\ntrace_fetches = 1\n")
        #expect(fetches?.kind == .wrongType)
        #expect(fetches?.description == "configs/run.toml: machine.trace_fetches must be true or false, got integer 1")
        let quantum = failure(guestConfig, ["machine.quantum=fast"])
        #expect(quantum?.description == "--set machine.quantum=fast: machine.quantum must be an integer, got string \"fast\"")
        #expect(failure("[workload]\nelf = 3\n[cache]\nsets = 4\n")?.kind == .wrongType)
    }

    @Test func exactlyOneWorkload() {
        let two = failure(guestConfig, ["workload.elf=a.elf"])
        #expect(two?.kind == .conflict)
        #expect(two?.description == "--set workload.elf=a.elf: workload.elf and workload.guest are both given; give exactly one workload")
        let none = failure("[cache]\nsets = 4\n")
        #expect(none?.kind == .missing)
        #expect(none?.description.contains("give workload.trace (a trace file), workload.elf (a RISC-V executable) or workload.guest") == true)
        #expect(failure("[workload]\nguest = \"\"\n[cache]\nsets = 4\n")?.description == "configs/run.toml: workload.guest must be a path, got \"\"")
    }

    @Test func keysOfOtherWorkloadKindsAreRefused() {
        let machineForTrace = failure("[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 4\n[machine]\nquantum = 5\n")
        #expect(machineForTrace?.kind == .conflict)
        #expect(machineForTrace?.key == "machine.quantum")
        #expect(machineForTrace?.description.contains("applies only to emulated workloads") == true)
        let format = failure(guestConfig, ["workload.format=din"])
        #expect(format?.key == "workload.format")
        #expect(format?.description.contains("applies only to workload.trace") == true)
        let cflags = failure("[workload]\nelf = \"a.elf\"\ncflags = \"-O0\"\n[cache]\nsets = 4\n")
        #expect(cflags?.key == "workload.cflags")
        #expect(cflags?.description.contains("applies only to workload.guest") == true)
        #expect(failure("[workload]\ntrace = \"t.trace\"\ncflags = \"-O0\"\n[cache]\nsets = 4\n")?.key == "workload.cflags")
    }
}
