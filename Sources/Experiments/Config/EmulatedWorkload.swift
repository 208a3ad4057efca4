import CPUModel

/// A program run by the RISC-V emulator, with one hart per CPU, whose recorded accesses
/// are the workload: a prebuilt ELF or a guest source built on demand, and the machine's
/// settings (the `machine` table of the config).
public struct EmulatedWorkload: Equatable {
    /// Where the program comes from.
    public enum Program: Equatable {
        /// `workload.elf`: the path as written and as resolved against the config's folder.
        case elf(path: String, resolvedPath: String)
        /// `workload.guest`: the source as written and resolved, and `workload.cflags`.
        case guest(path: String, resolvedPath: String, cflags: String)
    }

    /// `machine.ram`'s range; it must also be a multiple of 4096.
    static let ramRange = 4096...(1 << 36)

    public var program: Program
    /// `machine.ram`: bytes of RAM.
    public var ramSize: Int
    /// `machine.quantum`.
    public var quantum: Int
    /// `machine.jitter`.
    public var jitter: Int
    /// `machine.max_instructions`.
    public var maxInstructions: UInt64
    /// `machine.instructions_per_tick`.
    public var instructionsPerTick: UInt64
    /// `machine.trace_fetches`.
    public var traceFetches: Bool

    /// A workload with the documented defaults for every machine setting.
    public init(program: Program, ramSize: Int = 128 << 20, quantum: Int = 100, jitter: Int = 0,
                maxInstructions: UInt64 = 10_000_000_000, instructionsPerTick: UInt64 = 100,
                traceFetches: Bool = false) {
        self.program = program
        self.ramSize = ramSize
        self.quantum = quantum
        self.jitter = jitter
        self.maxInstructions = maxInstructions
        self.instructionsPerTick = instructionsPerTick
        self.traceFetches = traceFetches
    }

    /// The program as the config names it: `workload.elf` or `workload.guest`, and its path.
    public var programKey: (key: String, path: String) {
        switch program {
        case let .elf(path, _): return ("workload.elf", path)
        case let .guest(path, _, _): return ("workload.guest", path)
        }
    }

    /// `workload.cflags` split at blanks.
    public var compilerFlags: [String] {
        guard case let .guest(_, _, cflags) = program else { return [] }
        return cflags.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// The emulator's configuration for `cpus` harts and `seed`.
    public func machineConfiguration(cpus: Int, seed: UInt64) -> MachineConfiguration {
        MachineConfiguration(harts: cpus, ramSize: ramSize, quantum: quantum, quantumJitter: jitter, seed: seed,
                             maxInstructions: maxInstructions, instructionsPerTick: instructionsPerTick,
                             traceFetches: traceFetches)
    }
}
