#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MTrace

/// How a machine is built and scheduled. Same configuration and same program, same run.
public struct MachineConfiguration: Sendable, Equatable {
    /// Number of harts (simulated CPUs), 1…1024. Hart ids are 0…harts-1.
    public var harts: Int = 1
    /// RAM size in bytes at ``Machine/ramBase``; a multiple of 4 KiB. Default 128 MiB.
    public var ramSize: Int = 128 << 20
    /// Instructions a hart runs per scheduling turn.
    public var quantum: Int = 100
    /// When > 0, each turn's quantum is `quantum ± jitter` (at least 1), drawn from a
    /// SplitMix64 generator seeded with ``seed``: different seeds, different interleavings.
    public var quantumJitter: Int = 0
    /// Seed of the quantum jitter.
    public var seed: UInt64 = 0
    /// Stops the run once all harts together have executed this many instructions.
    public var maxInstructions: UInt64? = nil
    /// Instructions per CLINT `mtime` tick, counted per hart: the clock advances one tick
    /// each time every hart has had this many instruction slots (busy or idle in `wfi`).
    public var instructionsPerTick: UInt64 = 100
    /// Trace instruction fetches (as `.fetch` accesses) as well as data accesses.
    public var traceFetches: Bool = false
    /// Accesses collected before each hand-over to the trace sink.
    public var traceBatchSize: Int = defaultBatchSize
    /// Whether accesses are recorded from the start; the guest's host entries
    /// (`mtenable`/`mtdisable`) switch recording later.
    public var recording: RecordingStart = .automatic

    /// A configuration; every parameter defaults to the value documented on its property.
    public init(harts: Int = 1, ramSize: Int = 128 << 20, quantum: Int = 100, quantumJitter: Int = 0,
                seed: UInt64 = 0, maxInstructions: UInt64? = nil, instructionsPerTick: UInt64 = 100,
                traceFetches: Bool = false, traceBatchSize: Int = defaultBatchSize,
                recording: RecordingStart = .automatic) {
        self.harts = harts
        self.ramSize = ramSize
        self.quantum = quantum
        self.quantumJitter = quantumJitter
        self.seed = seed
        self.maxInstructions = maxInstructions
        self.instructionsPerTick = instructionsPerTick
        self.traceFetches = traceFetches
        self.traceBatchSize = traceBatchSize
        self.recording = recording
    }

    func validate() throws {
        func bad(_ message: String) -> MachineError { .invalidConfiguration(message) }
        guard (1...1024).contains(harts) else { throw bad("harts must be 1…1024, got \(harts)") }
        guard ramSize >= 4096, ramSize % 4096 == 0, ramSize <= 1 << 40 else {
            throw bad("ramSize must be a positive multiple of 4096 bytes up to 1 TiB, got \(ramSize)")
        }
        guard quantum >= 1 else { throw bad("quantum must be at least 1, got \(quantum)") }
        guard quantumJitter >= 0, quantumJitter < 1 << 30 else {
            throw bad("quantumJitter must be 0…2^30, got \(quantumJitter)")
        }
        guard instructionsPerTick >= 1 else { throw bad("instructionsPerTick must be at least 1") }
        guard traceBatchSize >= 1 else { throw bad("traceBatchSize must be at least 1") }
    }
}

/// A configuration or loading problem found before the guest runs.
public enum MachineError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidConfiguration(String)
    /// A PT_LOAD segment that does not fit in RAM.
    case segmentOutsideRAM(start: UInt64, end: UInt64, ramStart: UInt64, ramEnd: UInt64)
    /// The entry point is not 2-byte aligned.
    case misalignedEntry(UInt64)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return "invalid machine configuration: \(message)"
        case let .segmentOutsideRAM(start, end, ramStart, ramEnd):
            return "ELF segment \(paddedHex(start))…\(paddedHex(end)) lies outside RAM \(paddedHex(ramStart))…\(paddedHex(ramEnd))"
        case .misalignedEntry(let entry):
            return "ELF entry point \(paddedHex(entry)) is not 2-byte aligned"
        }
    }
}

/// Per-hart architectural state other than the integer registers. The CSRs live in
/// group types (Privileged/) that legalise their own writes.
struct HartState {
    var pc: UInt64 = 0
    var privilege: Privilege = .machine
    /// Idle in `wfi` until an interrupt enabled in `mie` is pending.
    var waiting = false
    /// The stored bits of mstatus (see `StatusCSR`).
    var mstatus: UInt64 = 0
    var machineTrap = TrapRegisters()
    var supervisorTrap = TrapRegisters()
    var delegation = Delegation()
    var interrupts = InterruptCSRs()
    var counters = CounterCSRs()
    var satp = AddressTranslationCSR()
    var pmp = PMPUnit()
    var triggers = TriggerModule()
    /// Instructions retired; `minstret`/`mcycle` are this plus a guest-written offset.
    var retired: UInt64 = 0
    var minstretOffset: UInt64 = 0
    var mcycleOffset: UInt64 = 0
    /// LR reservation: the RAM line (offset >> 6) or `noReservation`.
    var reservation: UInt64 = noReservation
    /// CLINT state of this hart.
    var msip = false
    var mtimecmp: UInt64 = .max
    /// Accesses go through the MMU (TLB, page tables, PMP, triggers) rather than the
    /// direct RAM path: see `Machine.updateAddressing`.
    var translated = false
    /// The privilege/SUM/MXR/MPRV context the TLB entries were filled for.
    var tlbContext: UInt64 = .max
    /// The trap of a `.fetchTrap` op, or of a load or store that failed in the MMU.
    var pendingCause: TrapCause = .instructionAccessFault

    var mie: UInt64 { interrupts.enabled }
}

let noReservation = UInt64.max

/// Machine-wide mutable state touched from the hot loop, kept behind a pointer so that
/// the loop pays no class-property exclusivity checks.
struct MachineState {
    /// The run has ended (see `Machine.outcome`).
    var stop = false
    /// Accesses in the trace buffer.
    var traceCount = 0
    /// Instruction slots of all harts before the current slice (the clock's source).
    var clock: UInt64 = 0
    /// Instructions executed by all harts (the `maxInstructions` budget).
    var executed: UInt64 = 0
    /// Added to the derived mtime (the guest may write mtime).
    var mtimeOffset: UInt64 = 0
    /// The current slice must end after this instruction (recording was switched), so that
    /// the scheduler continues the hart in the loop that traces, or does not.
    var reschedule = false
}

/// Flags per 4 KiB RAM page, checked by every store so that the rare cases leave the fast path.
let pageHasCode: UInt8 = 1
let pageHasReservation: UInt8 = 2
let pageHasToHost: UInt8 = 4

/// A RISC-V RV64IMAC machine compatible with QEMU's `virt` board (`-bios none`): RAM at
/// ``ramBase``, a SiFive test finisher, an NS16550A UART and a CLINT, with N harts that
/// run one program under a deterministic round-robin scheduler.
///
/// A machine runs once: build it with a program, call ``run(trace:)``, read the result.
public final class Machine {
    /// Guest physical address of the first RAM byte (as on QEMU `virt`).
    public static let ramBase: UInt64 = 0x8000_0000

    /// The configuration the machine was built with.
    public let configuration: MachineConfiguration
    /// The loaded program (its symbols stay available for symbolization).
    public let program: ELFImage
    /// Called with every byte the guest transmits on the UART (or HTIF console), as it
    /// is produced. The bytes are also collected in ``RunResult/console``.
    public var onConsoleOutput: ((UInt8) -> Void)?

    // Flat storage, allocated once; the hot loop copies these pointers into locals.
    let ram: UnsafeMutableRawPointer
    let ramBase: UInt64 = Machine.ramBase
    let ramSize: UInt64
    let pageCount: Int
    /// Decoded-instruction tables, one per RAM page, allocated when code is first run there.
    let decodePages: UnsafeMutablePointer<UnsafeMutablePointer<DecodedOp>?>
    let pageFlags: UnsafeMutablePointer<UInt8>
    let registers: UnsafeMutablePointer<UInt64>
    let harts: UnsafeMutablePointer<HartState>
    /// Every hart's TLB (``TLB/perHart`` entries each).
    let tlb: UnsafeMutablePointer<TLBEntry>
    let hartCount: Int
    let state: UnsafeMutablePointer<MachineState>
    let traceBuffer: UnsafeMutablePointer<Access>
    let traceCapacity: Int
    /// mtime divisor: instruction slots of all harts per tick.
    let slotsPerTick: UInt64
    /// Address of the HTIF `tohost` word, when the program has one inside RAM.
    let toHost: UInt64?
    let fromHost: UInt64?

    // Slow-path state (ordinary properties: never touched per instruction).
    var sink: AccessSink?
    var annotationSink: AnnotationSink?
    /// The error of the access or annotation sink that ended the run.
    var sinkError: Error?
    /// The program contains the magic instruction (so, by default, recording starts off).
    let usesAnnotations: Bool
    /// Accesses are recorded (handed to the sink); switched by the guest's host entries.
    var recording: Bool
    /// Sum of the guest's appdata operation counts.
    var operations: UInt64 = 0
    /// Annotation entries the guest registered.
    var annotationCount: UInt64 = 0
    /// The trace name of the first entry that enabled recording.
    var traceName: String?
    /// Per hart: the guest turned call tracing on (host entry 3), so calls and returns
    /// become call records while recording.
    var callTracing: [Bool]
    var tracedAccesses: UInt64 = 0
    var outcome: RunOutcome?
    var console: [UInt8] = []
    var uart = UART16550()
    /// Extra words for the next unhandled-fault message (e.g. why an instruction is illegal).
    var faultDetail: String?
    var started = false
    var result: RunResult?

    /// Builds the machine and loads `program` into RAM. Throws ``MachineError`` when the
    /// configuration is invalid or a segment does not fit in RAM.
    public init(configuration: MachineConfiguration = MachineConfiguration(), program: ELFImage) throws {
        try configuration.validate()
        self.configuration = configuration
        self.program = program
        ramSize = UInt64(configuration.ramSize)
        pageCount = configuration.ramSize / 4096
        hartCount = configuration.harts
        usesAnnotations = Machine.containsMagicInstruction(program)
        callTracing = Array(repeating: false, count: configuration.harts)
        switch configuration.recording {
        case .automatic: recording = !usesAnnotations
        case .enabled: recording = true
        case .disabled: recording = false
        }
        slotsPerTick = configuration.instructionsPerTick &* UInt64(configuration.harts)

        let ramEnd = Machine.ramBase + ramSize
        for segment in program.segments where segment.memorySize > 0 {
            let end = segment.address &+ segment.memorySize
            guard segment.address >= Machine.ramBase, end <= ramEnd, end > segment.address else {
                throw MachineError.segmentOutsideRAM(start: segment.address, end: end,
                                                     ramStart: Machine.ramBase, ramEnd: ramEnd)
            }
        }
        guard program.entry & 1 == 0 else { throw MachineError.misalignedEntry(program.entry) }

        // calloc: the kernel hands out zero pages lazily, so a large RAM costs nothing until touched.
        guard let memory = calloc(configuration.ramSize, 1) else {
            throw MachineError.invalidConfiguration("cannot allocate \(configuration.ramSize) bytes of RAM")
        }
        ram = memory
        decodePages = .allocate(capacity: pageCount)
        decodePages.initialize(repeating: nil, count: pageCount)
        pageFlags = .allocate(capacity: pageCount)
        pageFlags.initialize(repeating: 0, count: pageCount)
        registers = .allocate(capacity: registerStride * hartCount)
        registers.initialize(repeating: 0, count: registerStride * hartCount)
        harts = .allocate(capacity: hartCount)
        harts.initialize(repeating: HartState(), count: hartCount)
        tlb = .allocate(capacity: TLB.perHart * hartCount)
        tlb.initialize(repeating: TLB.empty, count: TLB.perHart * hartCount)
        state = .allocate(capacity: 1)
        state.initialize(to: MachineState())
        traceCapacity = configuration.traceBatchSize
        traceBuffer = .allocate(capacity: traceCapacity)

        for segment in program.segments where !segment.data.isEmpty {
            let destination = memory + Int(segment.address - Machine.ramBase)
            segment.data.withUnsafeBytes { bytes in
                destination.copyMemory(from: bytes.baseAddress!, byteCount: min(bytes.count, Int(segment.memorySize)))
            }
        }
        func inRAM(_ address: UInt64?) -> UInt64? {
            guard let address, address >= Machine.ramBase, address &+ 8 <= ramEnd else { return nil }
            return address
        }
        toHost = inRAM(program.address(of: "tohost"))
        fromHost = inRAM(program.address(of: "fromhost"))
        if let toHost {
            pageFlags[Int((toHost - Machine.ramBase) >> 12)] |= pageHasToHost
            pageFlags[Int((toHost + 7 - Machine.ramBase) >> 12)] |= pageHasToHost
        }
        for h in 0..<hartCount {
            harts[h].pc = program.entry
            registers[h * registerStride + 10] = UInt64(h) // a0 = hart id, a1 = 0
        }
    }

    deinit {
        for p in 0..<pageCount { decodePages[p]?.deallocate() }
        decodePages.deallocate()
        pageFlags.deallocate()
        registers.deallocate()
        harts.deallocate()
        tlb.deallocate()
        state.deallocate()
        traceBuffer.deallocate()
        free(ram)
    }

    /// Integer register `index` (0…31) of `hart`, as the guest left it.
    public func register(_ index: Int, hart: Int = 0) -> UInt64 {
        precondition((0..<32).contains(index) && (0..<hartCount).contains(hart), "no such register or hart")
        return registers[hart * registerStride + index]
    }

    /// The program counter of `hart`: where it would continue.
    public func pc(hart: Int = 0) -> UInt64 {
        precondition((0..<hartCount).contains(hart), "no such hart")
        return harts[hart].pc
    }

    /// `count` bytes of RAM from `address`, or nil when the range is not all RAM.
    public func readMemory(at address: UInt64, count: Int) -> [UInt8]? {
        let offset = address &- ramBase
        guard count >= 0, offset <= ramSize, UInt64(count) <= ramSize - offset else { return nil }
        return Array(UnsafeRawBufferPointer(start: ram + Int(offset), count: count))
    }

    /// Ends the run with `outcome` (the first ending wins).
    func finish(_ outcome: RunOutcome) {
        if self.outcome == nil { self.outcome = outcome }
        state.pointee.stop = true
    }
}

/// `0x` followed by 8 (or, for larger values, 16) hex digits: how the machine's messages
/// write pcs and addresses (GuestSummary recognises and extends them).
package func paddedHex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    let width = value > 0xffff_ffff ? 16 : 8
    return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
}
