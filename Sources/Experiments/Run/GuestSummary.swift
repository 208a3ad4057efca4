import CPUModel

/// What the emulated guest did in a run: how it ended, its instructions, and what it told
/// mtlab through annotations. Part of every report of an emulated workload.
public struct GuestSummary: Equatable, Sendable {
    /// How the run ended, as reports spell it.
    public enum Ending: String, Sendable {
        /// The guest exited with code 0.
        case passed
        /// The guest exited with a non-zero code (test finisher or HTIF `tohost`).
        case failed
        /// A trap the guest could not handle, or a malformed annotation.
        case fault
        /// `machine.max_instructions` ran out before the guest ended.
        case instructionLimit = "instruction_limit"
        /// Every hart waits for an interrupt that cannot come.
        case deadlock
    }

    public var ending: Ending
    /// The guest's exit code, when it exited.
    public var exitCode: Int?
    /// One line saying how the run ended, naming hart, pc (with the symbol) and cause
    /// when it did not end by itself.
    public var message: String
    /// Instructions retired per hart.
    public var instructions: [UInt64]
    /// Accesses recorded (handed to the simulator).
    public var recordedAccesses: UInt64
    /// The program contains the magic instruction, so recording started disabled.
    public var usesAnnotations: Bool
    /// Annotation entries registered.
    public var annotations: UInt64
    /// Sum of the guest's `mtops` operation counts.
    public var operations: UInt64
    /// The trace name given by the first `mtenable`.
    public var traceName: String?
    /// The ELF that ran (for `workload.guest`, the build in the guest cache): what
    /// `mtlab scan --symbols` needs.
    public var elf: String?

    /// Only a guest that exits with code 0 succeeds; anything else fails the run.
    public var succeeded: Bool { ending == .passed }
    /// The counters cover only part of the guest's work: it did not exit successfully.
    public var isPartial: Bool { !succeeded }
    public var totalInstructions: UInt64 { instructions.reduce(0, &+) }

    public init(ending: Ending, exitCode: Int?, message: String, instructions: [UInt64], recordedAccesses: UInt64,
                usesAnnotations: Bool, annotations: UInt64, operations: UInt64, traceName: String?) {
        self.ending = ending
        self.exitCode = exitCode
        self.message = message
        self.instructions = instructions
        self.recordedAccesses = recordedAccesses
        self.usesAnnotations = usesAnnotations
        self.annotations = annotations
        self.operations = operations
        self.traceName = traceName
    }

    /// The summary of `result`, with messages that locate a stop in `machine`'s program.
    init(_ result: RunResult, machine: Machine, limitKey: String) {
        let program = machine.program
        func located(_ hart: Int, _ pc: UInt64) -> String {
            var text = hartLocation(hart, pc: pc)
            if let name = program.symbols.describe(pc) { text += " (\(name))" }
            return text
        }
        switch result.outcome {
        case .passed:
            ending = .passed
            message = "passed (exit code 0)"
        case let .failed(code):
            ending = .failed
            var text = "the guest exited with code \(code)"
            // The runtime's trap handler prints what went wrong before it exits: say it here too.
            if let last = result.consoleText.split(separator: "\n").last(where: { !$0.isEmpty }) {
                text += "; its last console line: \(last)"
            }
            message = text
        case let .fault(fault):
            ending = .fault
            message = located(fault.hart, fault.pc) + ": " + fault.problem
        case let .instructionLimit(limit):
            ending = .instructionLimit
            let harts = (0..<result.instructions.count).map { located($0, machine.pc(hart: $0)) }
            message = "the guest did not end within \(limitKey) = \(limit) instructions; it was at "
                + harts.joined(separator: ", ")
        case let .deadlock(text):
            ending = .deadlock
            message = text
        }
        exitCode = result.exitCode
        instructions = result.instructions
        recordedAccesses = result.tracedAccesses
        usesAnnotations = result.usesAnnotations
        annotations = result.annotations
        operations = result.operations
        traceName = result.traceName
    }
}
