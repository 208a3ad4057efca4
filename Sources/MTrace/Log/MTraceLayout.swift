// The byte layouts of the spec's table: every field at its offset, little-endian, packed.

@inline(__always) func loadLE64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
}
@inline(__always) func loadLE32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
    UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
}
@inline(__always) func loadLE16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
    UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}
@inline(__always) func loadByte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 {
    p.load(fromByteOffset: offset, as: UInt8.self)
}
@inline(__always) func storeLE64(_ p: UnsafeMutableRawPointer, _ offset: Int, _ value: UInt64) {
    p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
}
@inline(__always) func storeLE32(_ p: UnsafeMutableRawPointer, _ offset: Int, _ value: UInt32) {
    p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
}
@inline(__always) func storeLE16(_ p: UnsafeMutableRawPointer, _ offset: Int, _ value: UInt16) {
    p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self)
}
@inline(__always) func storeByte(_ p: UnsafeMutableRawPointer, _ offset: Int, _ value: UInt8) {
    p.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
}

/// What is wrong with one record, before it is placed at a byte offset of a file.
enum MTraceFault: Error, Equatable {
    case sizeTooSmall(type: UInt32, size: Int)
    case sizeTooLarge(type: UInt32, size: Int)
    case wrongSize(MTraceEntryType, size: Int)
    case truncatedHeader(available: Int)
    case truncatedRecord(type: UInt32, size: Int, available: Int)
    case unterminatedString(MTraceEntryType, field: String, offset: Int)
    // Only the access source checks these: the simulator cannot take such accesses.
    case cpuOutOfRange(cpu: Int, cpus: Int)
    case zeroBytes
    case badAccessType(UInt32)
    case wrapsAround(address: UInt64, bytes: Int)

    var message: String {
        switch self {
        case let .sizeTooSmall(type, size):
            return "record (type \(type)) has size \(size), below the \(mtraceHeaderSize)-byte header; is this an mtrace log?"
        case let .sizeTooLarge(type, size):
            return "record (type \(type)) has size \(size), above the largest record (\(mtraceMaximumRecordSize) bytes); is this an mtrace log?"
        case let .wrongSize(type, size):
            let sizes = type == .host ? "\(type.recordSize) bytes (\(mtraceHost32Size) from a 32-bit guest)" : "\(type.recordSize) bytes"
            return "\(type.name) record has size \(size), but \(type.name) records are \(sizes)"
        case let .truncatedHeader(available):
            return "log ends inside a record header (\(available) of \(mtraceHeaderSize) bytes): the last record is cut short"
        case let .truncatedRecord(type, size, available):
            let name = MTraceEntryType(rawValue: type)?.name ?? "type \(type)"
            let article = "aeiou".contains(name.first ?? "x") ? "an" : "a"
            return "log ends inside \(article) \(name) record (\(available) of \(size) bytes): the last record is cut short"
        case let .unterminatedString(type, field, offset):
            return "\(type.name) record: the \(field) field (bytes \(offset)...\(offset + MTraceName.fieldSize - 1)) is not NUL-terminated"
        case let .cpuOutOfRange(cpu, cpus):
            return "access record by cpu \(cpu): cpu is out of range, system.cpus is \(cpus)"
        case .zeroBytes:
            return "access record of 0 bytes: an access covers 1...255 bytes"
        case let .badAccessType(type):
            return "access record with access_type \(type): expected 1 (load), 2 (store) or 3 (I/O write)"
        case let .wrapsAround(address, bytes):
            return "access at 0x\(String(address, radix: 16)) of \(bytes) bytes runs past the end of the 64-bit address space"
        }
    }
}

/// The offset of the string field of a known record type that must be NUL-terminated, if
/// it has one (a host record has one only when it sets the record mode). Ascope, avar and
/// gc names may fill their field, so they have nothing to check.
@inline(__always)
func terminatedStringFieldOffset(_ type: MTraceEntryType, _ record: UnsafeRawPointer) -> Int? {
    switch type {
    case .label: return 36
    case .host: return loadLE32(record, 24) == MTraceHostType.setRecordMode.rawValue ? 40 : nil
    case .lock: return 40
    case .task: return 44
    default: return nil
    }
}

/// The C name of a record type's string field, for errors.
func stringFieldName(_ type: MTraceEntryType) -> String {
    switch type {
    case .ascope, .avar, .gc: return "name"
    default: return "str"
    }
}

extension MTraceRecord {
    /// Decodes a complete record of known `type` whose size has been checked.
    static func decode(_ p: UnsafeRawPointer, type: MTraceEntryType) throws(MTraceFault) -> MTraceRecord {
        func name(_ offset: Int) throws(MTraceFault) -> MTraceName {
            guard let n = MTraceName(field: p + offset, mayFill: type.nameMayFillField) else {
                throw .unterminatedString(type, field: stringFieldName(type), offset: offset)
            }
            return n
        }
        let entry: MTraceEntry
        switch type {
        case .label:
            entry = .label(MTraceLabel(
                hostAddress: loadLE64(p, 24), labelType: MTraceLabelType(rawValue: loadLE32(p, 32)), name: try name(36),
                guestAddress: loadLE64(p, 100), bytes: loadLE64(p, 108), pc: loadLE64(p, 116)))
        case .access:
            entry = .access(MTraceAccessEntry(
                accessType: MTraceAccessType(rawValue: loadLE32(p, 24)), flags: MTraceAccessFlags(rawValue: loadByte(p, 28)),
                pc: loadLE64(p, 29), hostAddress: loadLE64(p, 37), guestAddress: loadLE64(p, 45), bytes: loadByte(p, 53)))
        case .host:
            let hostType = MTraceHostType(rawValue: loadLE32(p, 24))
            if hostType == .setRecordMode {
                entry = .host(MTraceHost(hostType: hostType, globalTS: loadLE64(p, 28),
                                         mode: MTraceRecordMode(rawValue: loadLE32(p, 36)), name: try name(40)))
            } else {
                entry = .host(MTraceHost(hostType: hostType, globalTS: loadLE64(p, 28), cpu: loadLE64(p, 36)))
            }
        case .fcall:
            entry = .fcall(MTraceFcall(tid: loadLE64(p, 24), pc: loadLE64(p, 32), tag: loadLE64(p, 40),
                                       depth: loadLE16(p, 48), state: MTraceFcallState(rawValue: loadLE32(p, 50))))
        case .segment:
            entry = .segment(MTraceSegment(baseAddress: loadLE64(p, 24), endAddress: loadLE64(p, 32), cpu: loadLE16(p, 40),
                                           objectType: MTraceLabelType(rawValue: loadLE32(p, 42))))
        case .call:
            entry = .call(MTraceCall(targetPC: loadLE64(p, 24), returnPC: loadLE64(p, 32),
                                     kind: MTraceCallKind(rawValue: Int32(bitPattern: loadLE32(p, 40)))))
        case .lock:
            entry = .lock(MTraceLock(pc: loadLE64(p, 24), lock: loadLE64(p, 32), name: try name(40),
                                     op: MTraceLockOp(rawValue: loadLE32(p, 104)), read: loadByte(p, 108)))
        case .task:
            entry = .task(MTraceTask(tid: loadLE64(p, 24), tgid: loadLE64(p, 32),
                                     taskType: MTraceTaskType(rawValue: loadLE32(p, 40)), name: try name(44)))
        case .sched:
            entry = .sched(MTraceSched(tid: loadLE64(p, 24)))
        case .machine:
            entry = .machine(MTraceMachine(numCPUs: loadLE16(p, 24), numRAM: loadLE64(p, 26), quantum: loadLE64(p, 34),
                                           sample: loadLE64(p, 42), flags: MTraceMachineFlags(rawValue: loadByte(p, 50))))
        case .appdata:
            entry = .appdata(MTraceAppData(appdataType: loadLE16(p, 24), value: loadLE64(p, 26)))
        case .ascope:
            entry = .ascope(MTraceAScope(flags: loadByte(p, 24), name: try name(25)))
        case .avar:
            entry = .avar(MTraceAVar(flags: loadByte(p, 24), name: try name(25)))
        case .gc:
            entry = .gc(MTraceGC(base: loadLE64(p, 24), nbytes: loadLE64(p, 32), name: try name(40), flags: loadByte(p, 104)))
        case .gcEpoch:
            entry = .gcEpoch(MTraceGCEpoch(flags: loadByte(p, 24)))
        }
        return MTraceRecord(cpu: loadLE16(p, 6), accessCount: loadLE64(p, 8), timestamp: loadLE64(p, 16), entry)
    }

    /// The C name of the string field that must be NUL-terminated but that the record's
    /// name fills with 64 bytes, if any: such a record cannot be written.
    var unterminatedName: String? {
        switch entry {
        case .label(let e) where e.name.fillsField: return "label str"
        case .host(let e) where e.hostType == .setRecordMode && e.name.fillsField: return "host str"
        case .lock(let e) where e.name.fillsField: return "lock str"
        case .task(let e) where e.name.fillsField: return "task str"
        default: return nil
        }
    }

    /// Writes the record's ``size`` bytes at `p`: header, payload, and zeros in every byte
    /// no field covers (string tails, the host union's unused arm and padding).
    public func encode(into p: UnsafeMutableRawPointer) {
        let size = self.size
        p.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        storeLE32(p, 0, entry.typeNumber)
        storeLE16(p, 4, UInt16(size))
        storeLE16(p, 6, cpu)
        storeLE64(p, 8, accessCount)
        storeLE64(p, 16, timestamp)
        func put(_ name: MTraceName, _ offset: Int) {
            name.bytes.withUnsafeBytes { (p + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        switch entry {
        case .label(let e):
            storeLE64(p, 24, e.hostAddress); storeLE32(p, 32, e.labelType.rawValue); put(e.name, 36)
            storeLE64(p, 100, e.guestAddress); storeLE64(p, 108, e.bytes); storeLE64(p, 116, e.pc)
        case .access(let e):
            storeLE32(p, 24, e.accessType.rawValue); storeByte(p, 28, e.flags.rawValue); storeLE64(p, 29, e.pc)
            storeLE64(p, 37, e.hostAddress); storeLE64(p, 45, e.guestAddress); storeByte(p, 53, e.bytes)
        case .host(let e):
            storeLE32(p, 24, e.hostType.rawValue); storeLE64(p, 28, e.globalTS)
            if e.hostType == .setRecordMode {
                storeLE32(p, 36, e.mode.rawValue); put(e.name, 40)
            } else {
                storeLE64(p, 36, e.cpu)
            }
        case .fcall(let e):
            storeLE64(p, 24, e.tid); storeLE64(p, 32, e.pc); storeLE64(p, 40, e.tag)
            storeLE16(p, 48, e.depth); storeLE32(p, 50, e.state.rawValue)
        case .segment(let e):
            storeLE64(p, 24, e.baseAddress); storeLE64(p, 32, e.endAddress); storeLE16(p, 40, e.cpu)
            storeLE32(p, 42, e.objectType.rawValue)
        case .call(let e):
            storeLE64(p, 24, e.targetPC); storeLE64(p, 32, e.returnPC); storeLE32(p, 40, UInt32(bitPattern: e.kind.rawValue))
        case .lock(let e):
            storeLE64(p, 24, e.pc); storeLE64(p, 32, e.lock); put(e.name, 40)
            storeLE32(p, 104, e.op.rawValue); storeByte(p, 108, e.read)
        case .task(let e):
            storeLE64(p, 24, e.tid); storeLE64(p, 32, e.tgid); storeLE32(p, 40, e.taskType.rawValue); put(e.name, 44)
        case .sched(let e):
            storeLE64(p, 24, e.tid)
        case .machine(let e):
            storeLE16(p, 24, e.numCPUs); storeLE64(p, 26, e.numRAM); storeLE64(p, 34, e.quantum)
            storeLE64(p, 42, e.sample); storeByte(p, 50, e.flags.rawValue)
        case .appdata(let e):
            storeLE16(p, 24, e.appdataType); storeLE64(p, 26, e.value)
        case .ascope(let e):
            storeByte(p, 24, e.flags); put(e.name, 25)
        case .avar(let e):
            storeByte(p, 24, e.flags); put(e.name, 25)
        case .gc(let e):
            storeLE64(p, 24, e.base); storeLE64(p, 32, e.nbytes); put(e.name, 40); storeByte(p, 104, e.flags)
        case .gcEpoch(let e):
            storeByte(p, 24, e.flags)
        case .unknown(_, let payload):
            payload.withUnsafeBytes { if let b = $0.baseAddress { (p + 24).copyMemory(from: b, byteCount: $0.count) } }
        }
    }

    /// The record's bytes, as ``encode(into:)`` writes them.
    public func encoded() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            encode(into: UnsafeMutableRawPointer(buffer.baseAddress!))
            count = size
        }
    }
}
