/// A synchronous exception or interrupt cause, as numbered in `mcause`.
public enum TrapCause: UInt64, Sendable, CustomStringConvertible {
    case instructionAddressMisaligned = 0
    case instructionAccessFault = 1
    case illegalInstruction = 2
    case breakpoint = 3
    case loadAddressMisaligned = 4
    case loadAccessFault = 5
    case storeAddressMisaligned = 6
    case storeAccessFault = 7
    case environmentCallFromU = 8
    case environmentCallFromS = 9
    case environmentCallFromM = 11
    case instructionPageFault = 12
    case loadPageFault = 13
    case storePageFault = 15
    case supervisorSoftwareInterrupt = 0x8000_0000_0000_0001
    case machineSoftwareInterrupt = 0x8000_0000_0000_0003
    case supervisorTimerInterrupt = 0x8000_0000_0000_0005
    case machineTimerInterrupt = 0x8000_0000_0000_0007
    case supervisorExternalInterrupt = 0x8000_0000_0000_0009
    case machineExternalInterrupt = 0x8000_0000_0000_000b

    public var description: String {
        switch self {
        case .instructionAddressMisaligned: return "instruction address misaligned"
        case .instructionAccessFault: return "instruction access fault"
        case .illegalInstruction: return "illegal instruction"
        case .breakpoint: return "breakpoint"
        case .loadAddressMisaligned: return "load address misaligned"
        case .loadAccessFault: return "load access fault"
        case .storeAddressMisaligned: return "store/AMO address misaligned"
        case .storeAccessFault: return "store/AMO access fault"
        case .environmentCallFromU: return "environment call from U-mode"
        case .environmentCallFromS: return "environment call from S-mode"
        case .environmentCallFromM: return "environment call from M-mode"
        case .instructionPageFault: return "instruction page fault"
        case .loadPageFault: return "load page fault"
        case .storePageFault: return "store/AMO page fault"
        case .supervisorSoftwareInterrupt: return "supervisor software interrupt"
        case .machineSoftwareInterrupt: return "machine software interrupt"
        case .supervisorTimerInterrupt: return "supervisor timer interrupt"
        case .machineTimerInterrupt: return "machine timer interrupt"
        case .supervisorExternalInterrupt: return "supervisor external interrupt"
        case .machineExternalInterrupt: return "machine external interrupt"
        }
    }
}

/// A trap the guest could not handle, which ended the run.
public struct GuestFault: Error, CustomStringConvertible, Equatable, Sendable {
    /// The hart that trapped.
    public var hart: Int
    /// The pc of the instruction that trapped.
    public var pc: UInt64
    /// The exception or interrupt.
    public var cause: TrapCause
    /// What `mtval` would have held: the instruction bits or the faulting address.
    public var value: UInt64
    /// Why the guest could not handle it, e.g. "no trap handler: mtvec is 0".
    public var reason: String
    /// The privilege the hart ran at when it trapped.
    public var privilege: Privilege

    public init(hart: Int, pc: UInt64, cause: TrapCause, value: UInt64, reason: String,
                privilege: Privilege = .machine) {
        self.hart = hart
        self.pc = pc
        self.cause = cause
        self.value = value
        self.reason = reason
        self.privilege = privilege
    }

    /// `hart 1 pc 0x80000124: illegal instruction 0x0000000b (no trap handler: mtvec is 0)`.
    public var description: String { "\(hartLocation(hart, pc: pc)): \(problem)" }

    /// What went wrong and why, without where: `illegal instruction 0x0000000b (no trap
    /// handler: mtvec is 0)`; reports put their own location (with a symbol) before it.
    /// A trap below M-mode names the privilege: `load page fault at 0x00001000 in U-mode
    /// (no trap handler: stvec is 0)`.
    public var problem: String {
        let what: String
        switch cause {
        case .illegalInstruction: what = "illegal instruction \(paddedHex(value))"
        case .instructionAccessFault, .loadAccessFault, .storeAccessFault,
             .loadAddressMisaligned, .storeAddressMisaligned, .instructionAddressMisaligned,
             .instructionPageFault, .loadPageFault, .storePageFault:
            what = "\(cause) at \(paddedHex(value))"
        default: what = cause.description
        }
        let mode = privilege == .machine ? "" : " in \(privilege)"
        return "\(what)\(mode) (\(reason))"
    }
}

/// How messages name where a hart is: `hart 1 pc 0x80000124`.
public func hartLocation(_ hart: Int, pc: UInt64) -> String {
    "hart \(hart) pc \(paddedHex(pc))"
}

/// How a run ended.
public enum RunOutcome: Equatable, Sendable, CustomStringConvertible {
    /// The guest reported success (test finisher 0x5555 or `tohost` code 0).
    case passed
    /// The guest reported failure with this code (test finisher or `tohost`).
    case failed(code: Int)
    /// ``MachineConfiguration/maxInstructions`` instructions ran without the guest ending.
    case instructionLimit(UInt64)
    /// A trap the guest could not handle.
    case fault(GuestFault)
    /// Every hart waits in `wfi` for an interrupt that nothing can raise.
    case deadlock(String)

    public var description: String {
        switch self {
        case .passed: return "passed"
        case .failed(let code): return "failed with code \(code)"
        case .instructionLimit(let limit): return "stopped after the instruction limit of \(limit)"
        case .fault(let fault): return "fault: \(fault)"
        case .deadlock(let message): return "deadlock: \(message)"
        }
    }
}

/// What a run produced.
public struct RunResult: Equatable, Sendable {
    /// How the run ended.
    public var outcome: RunOutcome
    /// Instructions retired by each hart (trapping instructions do not retire).
    public var instructions: [UInt64]
    /// Every byte the guest wrote to the console (UART transmitter, HTIF console).
    public var console: [UInt8]
    /// Data (and, if enabled, fetch) accesses handed to the trace sink.
    public var tracedAccesses: UInt64
    /// The final CLINT `mtime`.
    public var mtime: UInt64
    /// The program contains the mtrace magic instruction (so recording started disabled,
    /// unless the configuration said otherwise).
    public var usesAnnotations: Bool = false
    /// Annotation entries the guest registered.
    public var annotations: UInt64 = 0
    /// Sum of the operation counts of the guest's appdata entries (`mtops`).
    public var operations: UInt64 = 0
    /// The trace name of the first entry that enabled recording (`mtenable("name")`).
    public var traceName: String? = nil

    /// The guest's exit code: 0 when it passed, its code when it failed, nil when it did
    /// not exit (instruction limit, fault, deadlock).
    public var exitCode: Int? {
        switch outcome {
        case .passed: return 0
        case .failed(let code): return code
        default: return nil
        }
    }

    /// The console output as text (invalid UTF-8 is repaired).
    public var consoleText: String { String(decoding: console, as: UTF8.self) }

    /// All harts' retired instructions.
    public var totalInstructions: UInt64 { instructions.reduce(0, &+) }
}
