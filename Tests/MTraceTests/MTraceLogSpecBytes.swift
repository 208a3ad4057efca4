// An independent writer of mtrace records, straight from the spec's table
// (docs/semantics.md §2, mtrace logs): every field put at its offset, little-endian. It shares no code with
// the writer under test, so that the two check each other.

enum SpecField {
    case u8(UInt8)
    case u16(UInt16)
    case u32(UInt32)
    case i32(Int32)
    case u64(UInt64)
    /// A 64-byte NUL-terminated string field.
    case str(String)
    /// Raw bytes as given (for damaged fields).
    case raw([UInt8])
}

/// One record: a 24-byte header (type, size, cpu, access_count, ts), then `fields` at their offsets.
func specRecord(type: UInt32, size: Int, cpu: UInt16 = 0, ac: UInt64 = 0, ts: UInt64 = 0,
                _ fields: [(Int, SpecField)] = []) -> [UInt8] {
    var b = [UInt8](repeating: 0, count: max(size, 24))
    func put(_ value: UInt64, _ width: Int, at offset: Int) {
        for i in 0..<width { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
    put(UInt64(type), 4, at: 0)
    put(UInt64(size), 2, at: 4)
    put(UInt64(cpu), 2, at: 6)
    put(ac, 8, at: 8)
    put(ts, 8, at: 16)
    for (offset, field) in fields {
        switch field {
        case .u8(let v): put(UInt64(v), 1, at: offset)
        case .u16(let v): put(UInt64(v), 2, at: offset)
        case .u32(let v): put(UInt64(v), 4, at: offset)
        case .i32(let v): put(UInt64(UInt32(bitPattern: v)), 4, at: offset)
        case .u64(let v): put(v, 8, at: offset)
        case .str(let s):
            let bytes = Array(s.utf8)
            precondition(bytes.count < 64)
            for (i, c) in bytes.enumerated() { b[offset + i] = c }
        case .raw(let bytes):
            for (i, c) in bytes.enumerated() { b[offset + i] = c }
        }
    }
    return Array(b.prefix(size))
}

func specLabel(cpu: UInt16 = 0, ac: UInt64 = 0, ts: UInt64 = 0, host: UInt64 = 0, type: UInt32, name: String,
               guest: UInt64, bytes: UInt64, pc: UInt64 = 0) -> [UInt8] {
    specRecord(type: 1, size: 124, cpu: cpu, ac: ac, ts: ts,
               [(24, .u64(host)), (32, .u32(type)), (36, .str(name)), (100, .u64(guest)), (108, .u64(bytes)), (116, .u64(pc))])
}

func specAccess(cpu: UInt16 = 0, ac: UInt64 = 0, ts: UInt64 = 0, type: UInt32, flags: UInt8 = 0, pc: UInt64 = 0,
                host: UInt64 = 0, guest: UInt64, bytes: UInt8) -> [UInt8] {
    specRecord(type: 2, size: 54, cpu: cpu, ac: ac, ts: ts,
               [(24, .u32(type)), (28, .u8(flags)), (29, .u64(pc)), (37, .u64(host)), (45, .u64(guest)), (53, .u8(bytes))])
}

func specHostMode(cpu: UInt16 = 0, ac: UInt64 = 0, ts: UInt64 = 0, globalTS: UInt64 = 0, mode: UInt32, name: String) -> [UInt8] {
    specRecord(type: 3, size: 108, cpu: cpu, ac: ac, ts: ts, [(24, .u32(1)), (28, .u64(globalTS)), (36, .u32(mode)), (40, .str(name))])
}

func specHostCPU(cpu: UInt16 = 0, hostType: UInt32, globalTS: UInt64 = 0, targetCPU: UInt64) -> [UInt8] {
    specRecord(type: 3, size: 108, cpu: cpu, [(24, .u32(hostType)), (28, .u64(globalTS)), (36, .u64(targetCPU))])
}

func specFcall(cpu: UInt16 = 0, ac: UInt64 = 0, ts: UInt64 = 0, tid: UInt64, pc: UInt64, tag: UInt64, depth: UInt16 = 0,
               state: UInt32) -> [UInt8] {
    specRecord(type: 4, size: 54, cpu: cpu, ac: ac, ts: ts,
               [(24, .u64(tid)), (32, .u64(pc)), (40, .u64(tag)), (48, .u16(depth)), (50, .u32(state))])
}

func specSegment(cpu: UInt16 = 0, base: UInt64, end: UInt64, segmentCPU: UInt16, objectType: UInt32 = 4) -> [UInt8] {
    specRecord(type: 5, size: 46, cpu: cpu, [(24, .u64(base)), (32, .u64(end)), (40, .u16(segmentCPU)), (42, .u32(objectType))])
}

func specCall(cpu: UInt16 = 0, ac: UInt64 = 0, target: UInt64, ret: UInt64, isReturn: Bool) -> [UInt8] {
    specRecord(type: 6, size: 44, cpu: cpu, ac: ac, [(24, .u64(target)), (32, .u64(ret)), (40, .i32(isReturn ? 1 : 0))])
}

func specLock(cpu: UInt16 = 0, ac: UInt64 = 0, ts: UInt64 = 0, pc: UInt64 = 0, lock: UInt64, name: String, op: UInt32,
              read: UInt8 = 0) -> [UInt8] {
    specRecord(type: 7, size: 109, cpu: cpu, ac: ac, ts: ts,
               [(24, .u64(pc)), (32, .u64(lock)), (40, .str(name)), (104, .u32(op)), (108, .u8(read))])
}

func specTask(cpu: UInt16 = 0, tid: UInt64, tgid: UInt64, type: UInt32, name: String) -> [UInt8] {
    specRecord(type: 8, size: 108, cpu: cpu, [(24, .u64(tid)), (32, .u64(tgid)), (40, .u32(type)), (44, .str(name))])
}

func specSched(cpu: UInt16 = 0, tid: UInt64) -> [UInt8] {
    specRecord(type: 9, size: 32, cpu: cpu, [(24, .u64(tid))])
}

func specMachine(cpu: UInt16 = 0, cpus: UInt16, ram: UInt64 = 0, quantum: UInt64 = 0, sample: UInt64 = 1, flags: UInt8 = 0) -> [UInt8] {
    specRecord(type: 10, size: 51, cpu: cpu,
               [(24, .u16(cpus)), (26, .u64(ram)), (34, .u64(quantum)), (42, .u64(sample)), (50, .u8(flags))])
}

func specAppdata(cpu: UInt16 = 0, type: UInt16 = 0, value: UInt64) -> [UInt8] {
    specRecord(type: 11, size: 34, cpu: cpu, [(24, .u16(type)), (26, .u64(value))])
}

func specAScope(cpu: UInt16 = 0, exit: Bool, name: String) -> [UInt8] {
    specRecord(type: 12, size: 89, cpu: cpu, [(24, .u8(exit ? 1 : 0)), (25, .str(name))])
}

func specAVar(cpu: UInt16 = 0, write: Bool, name: String) -> [UInt8] {
    specRecord(type: 13, size: 89, cpu: cpu, [(24, .u8(write ? 1 : 0)), (25, .str(name))])
}

func specGC(cpu: UInt16 = 0, base: UInt64, nbytes: UInt64, name: String, flags: UInt8 = 0) -> [UInt8] {
    specRecord(type: 14, size: 105, cpu: cpu, [(24, .u64(base)), (32, .u64(nbytes)), (40, .str(name)), (104, .u8(flags))])
}

func specGCEpoch(cpu: UInt16 = 0, begin: Bool) -> [UInt8] {
    specRecord(type: 15, size: 25, cpu: cpu, [(24, .u8(begin ? 1 : 0))])
}
