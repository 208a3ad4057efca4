import MTrace
// The mtrace magic instruction: how a guest talks to mtlab, as mtrace guests talked to
// QEMU with `xchg %bx, %bx`. On RISC-V it is the custom-0 word 0x0000000b
// (`.insn i 0x0b, 0, x0, x0, 0`), with a0…a5 in the role of mtrace's six registers:
//
//   a0 = 1 (MTRACE_ENTRY_REGISTER), a1 = address of the entry, a2 = entry type, a3 = length.
//
// The entry uses mtrace-magic.h's packed layout; mtlab ignores the guest's header bytes
// and stamps type, size, cpu, access_count and ts itself, as QEMU did.

/// The one custom-0 encoding that is the magic instruction; other custom-0 words are illegal.
public let magicInstructionBits: UInt32 = 0x0000_000b

/// The magic instruction's request in a0 that registers an entry (mtrace's only request).
let magicRegisterEntry: UInt64 = 1

/// Whether recording starts enabled: mtrace's rule is that a guest that annotates itself
/// says when to record, and a guest that does not is recorded whole.
public enum RecordingStart: Sendable, Equatable {
    /// Disabled when the program contains the magic instruction, enabled otherwise.
    case automatic
    case enabled
    case disabled
}

extension Machine {
    /// True when the program's code contains the magic instruction. A linear sweep of the
    /// executable sections (or, without section headers, executable segments) in 2- and
    /// 4-byte parcels: exact for compiled code, which keeps no data among instructions.
    static func containsMagicInstruction(_ program: ELFImage) -> Bool {
        for range in program.codeRanges {
            var address = range.address
            let end = range.address &+ range.size
            while address &+ 2 <= end, let low = program.halfword(at: address) {
                if isFullLength(low) {
                    guard let high = program.halfword(at: address &+ 2) else { break }
                    if UInt32(low) | UInt32(high) << 16 == magicInstructionBits { return true }
                    address &+= 4
                } else {
                    address &+= 2
                }
            }
        }
        return false
    }

    /// Executes the magic instruction on hart `h` at `pc`. `retired` is the hart's
    /// instruction count before it (the header's ts); `executed` is the slice's count
    /// including it (for the global clock). Returns the next pc and whether it trapped.
    ///
    /// A malformed request ends the run with a fault naming hart, pc and what is wrong; it
    /// is not delivered to the guest's trap handler, since only mtlab can say why.
    func magicInstruction(_ h: Int, _ d: DecodedOp, _ pc: UInt64, retired: UInt64, executed: Int) -> (UInt64, Bool) {
        let bits = UInt32(truncatingIfNeeded: d.imm)
        guard bits == magicInstructionBits else {
            faultDetail = "custom-0 instruction; the mtrace magic instruction is exactly \(paddedHex(UInt64(magicInstructionBits)))"
            return (raise(h, pc, .illegalInstruction, UInt64(bits)), true)
        }
        func malformed(_ why: String) -> (UInt64, Bool) {
            finish(.fault(GuestFault(hart: h, pc: pc, cause: .illegalInstruction, value: UInt64(bits),
                                     reason: "malformed mtrace annotation: \(why)")))
            return (pc, true)
        }
        let x = registers + h * registerStride
        let request = x[10], address = x[11], typeNumber = x[12], length = x[13]
        guard request == magicRegisterEntry else {
            return malformed("a0 = \(request) is not a request mtlab knows (1 registers an entry)")
        }
        guard typeNumber <= UInt64(UInt32.max), let type = MTraceEntryType(rawValue: UInt32(typeNumber)) else {
            return malformed("entry type a2 = \(typeNumber) is unknown (types are 1…15)")
        }
        guard type.isGuestRegistrable else {
            return malformed("entry type \(typeNumber) (\(type.name)) is recorded by mtlab itself; a guest cannot register it")
        }
        guard length == UInt64(type.recordSize) else {
            return malformed("length a3 = \(length) is wrong for a \(type.name) entry (type \(typeNumber)), which is \(type.recordSize) bytes")
        }
        guard let bytes = readGuestMemory(h, at: address, count: type.recordSize) else {
            return malformed("the \(type.name) entry at a1 = \(paddedHex(address)) (\(type.recordSize) bytes) does not lie in RAM")
        }
        var payload = Array(bytes[AnnotationRecord.headerSize...])
        if let problem = AnnotationRecord.problem(type: type, payload: payload) {
            return malformed("\(type.name) entry at \(paddedHex(address)): \(problem)")
        }

        // Everything recorded so far reaches the access sink before the entry: access_count
        // must order the two streams.
        flushTrace(count: state.pointee.traceCount)
        if sinkError != nil { return (pc &+ UInt64(d.len), false) }

        var record = AnnotationRecord(type: type, cpu: UInt16(truncatingIfNeeded: h), accessCount: tracedAccesses,
                                      timestamp: retired, payload: payload, pc: pc)
        switch type {
        case .label:
            // QEMU translated guest_addr into host_addr; here the two address spaces are one.
            let guestAddress = record.field(at: 100, as: UInt64.self)
            store(guestAddress, at: 24, in: &payload)
        case .host:
            store(state.pointee.executed &+ UInt64(executed), at: 28, in: &payload) // global_ts: all harts' instructions
            let hostType = record.field(at: 24, as: UInt32.self)
            if hostType != 1 {
                // Call tracing off (2) or on (3) for one hart; cpu ~0 is the registering hart.
                let target = record.field(at: 36, as: UInt64.self)
                let hart = target == .max ? h : Int(clamping: target)
                guard hart < hartCount else {
                    return malformed("call tracing names cpu \(target), but the machine has harts 0…\(hartCount - 1) (~0 is the registering hart)")
                }
                callTracing[hart] = hostType == 3
                if hart == h { state.pointee.reschedule = true }
                break
            }
            let mode = record.field(at: 36, as: UInt32.self)
            guard mode <= 1 else {
                return malformed("record mode \(mode) (\(mode == 2 ? "ascope" : "kernelscope")) is not supported by mtlab; use 0 (disable) or 1 (movement)")
            }
            setRecording(mode == 1)
            if mode == 1 && traceName == nil { traceName = record.string(at: 40, length: 64) }
        case .appdata:
            operations &+= record.field(at: 26, as: UInt64.self)
        default:
            break
        }
        record.payload = payload
        annotationCount &+= 1
        if let annotationSink, sinkError == nil {
            do {
                try annotationSink.annotate(record)
            } catch {
                sinkError = error
                state.pointee.stop = true
            }
        }
        return (pc &+ UInt64(d.len), false)
    }

    /// Turns recording on or off from the next instruction: the current slice ends so that
    /// the scheduler continues the hart in the (un)traced loop.
    func setRecording(_ on: Bool) {
        guard on != recording else { return }
        recording = on
        state.pointee.reschedule = true
    }

    private func store(_ value: UInt64, at offset: Int, in payload: inout [UInt8]) {
        let start = offset - AnnotationRecord.headerSize
        for i in 0..<8 { payload[start + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
}

extension Machine {
    /// Hands a call record (mtrace's `-mtrace-calls`) for the call or return at `pc` of hart
    /// `h` to the annotation sink, after the accesses recorded before it. A call's
    /// return_pc is where it will return to; a return's target_pc and return_pc are both
    /// where it returns to. `executed` and `traps`
    /// count the slice's instructions (this one included) and its trapped ones.
    @inline(never)
    func recordCall(_ h: Int, _ pc: UInt64, target: UInt64, returnAddress: UInt64, isReturn: Bool, executed: Int, traps: Int) {
        guard let annotationSink, sinkError == nil else { return }
        flushTrace(count: state.pointee.traceCount)
        guard sinkError == nil else { return }
        var payload = [UInt8](repeating: 0, count: MTraceEntryType.call.recordSize - AnnotationRecord.headerSize)
        for i in 0..<8 {
            payload[i] = UInt8(truncatingIfNeeded: target >> (8 * UInt64(i)))
            payload[8 + i] = UInt8(truncatingIfNeeded: returnAddress >> (8 * UInt64(i)))
        }
        payload[16] = isReturn ? 1 : 0
        let retired = harts[h].retired &+ UInt64(executed &- 1 &- traps)
        let record = AnnotationRecord(type: .call, cpu: UInt16(truncatingIfNeeded: h), accessCount: tracedAccesses,
                                      timestamp: retired, payload: payload, pc: pc)
        do {
            try annotationSink.annotate(record)
        } catch {
            sinkError = error
            state.pointee.stop = true
        }
    }
}
