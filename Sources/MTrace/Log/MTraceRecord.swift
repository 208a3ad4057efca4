/// The entry types of mtrace's binary log (mtrace-magic.h), numbered as in the record
/// header's `type` field.
public enum MTraceEntryType: UInt32, CaseIterable, Sendable {
    case label = 1
    case access = 2
    case host = 3
    case fcall = 4
    case segment = 5
    case call = 6
    case lock = 7
    case task = 8
    case sched = 9
    case machine = 10
    case appdata = 11
    case ascope = 12
    case avar = 13
    case gc = 14
    case gcEpoch = 15

    /// The record's total length in bytes, header included (spec table).
    public var recordSize: Int {
        switch self {
        case .label: return 124
        case .access: return 54
        case .host: return 108
        case .fcall: return 54
        case .segment: return 46
        case .call: return 44
        case .lock: return 109
        case .task: return 108
        case .sched: return 32
        case .machine: return 51
        case .appdata: return 34
        case .ascope: return 89
        case .avar: return 89
        case .gc: return 105
        case .gcEpoch: return 25
        }
    }

    /// Whether a record of this type may be `size` bytes long: its own ``recordSize`` or,
    /// for a host record, also ``mtraceHost32Size``.
    public func accepts(size: Int) -> Bool {
        size == recordSize || (self == .host && size == mtraceHost32Size)
    }

    /// Whether the type's string field may fill all 64 bytes with no NUL: mtrace's guest API
    /// copies ascope, avar and gc names with `strncpy` and no terminator, and its tools read
    /// such names; label, host, lock and task strings are always terminated.
    public var nameMayFillField: Bool { self == .ascope || self == .avar || self == .gc }

    /// The name mtrace's tools use: `label`, `access`, …, `gcepoch`.
    public var name: String { self == .gcEpoch ? "gcepoch" : String(describing: self) }
}

/// A string held in a 64-byte field of a record, kept as bytes so that names which are not
/// UTF-8 survive a round trip unchanged. Up to 63 bytes and a NUL; an ascope, avar or gc
/// name may also fill the field with 64 bytes and no NUL (see
/// ``MTraceEntryType/nameMayFillField``).
public struct MTraceName: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// Bytes of the field.
    public static let fieldSize = 64
    /// The bytes before the NUL (at most 64, when the field holds none).
    public let bytes: [UInt8]

    /// `string`'s UTF-8 bytes, cut at a NUL and to 63 bytes (at a character boundary), so
    /// that the name fits any string field.
    public init(_ string: String) {
        var kept: [UInt8] = []
        for scalar in string.unicodeScalars {
            if scalar == "\0" { break }
            let encoded = Array(String(scalar).utf8)
            if kept.count + encoded.count > Self.fieldSize - 1 { break }
            kept += encoded
        }
        bytes = kept
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// The name from raw bytes, or nil if they hold a NUL or are longer than 64 bytes. A name
    /// of 64 bytes fits only the fields of ascope, avar and gc records; the writer refuses it
    /// elsewhere.
    public init?(bytes: [UInt8]) {
        guard bytes.count <= Self.fieldSize, !bytes.contains(0) else { return nil }
        self.bytes = bytes
    }

    /// Reads the field at `field`: the bytes before the first NUL, or all 64 when there is
    /// none and `mayFill` allows it; nil when the field must be terminated and is not.
    init?(field: UnsafeRawPointer, mayFill: Bool) {
        let p = field.assumingMemoryBound(to: UInt8.self)
        var n = 0
        while n < Self.fieldSize && p[n] != 0 { n += 1 }
        guard n < Self.fieldSize || mayFill else { return nil }
        bytes = Array(UnsafeBufferPointer(start: p, count: n))
    }

    /// Whether the name fills its field with no room for a NUL.
    public var fillsField: Bool { bytes.count == Self.fieldSize }

    /// The bytes as UTF-8 text (invalid sequences become U+FFFD).
    public var string: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { string }
    public var isEmpty: Bool { bytes.isEmpty }
}

// MARK: Open enumerations

// The C enums are 4-byte integers a log may fill with values this version does not know;
// they are structs over the raw value so that any record reads and writes back unchanged.

/// `label_type` of a label record (and `object_type` of a segment record).
public struct MTraceLabelType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// A heap object (allocated at the record's `pc`).
    public static let heap = MTraceLabelType(rawValue: 1)
    /// A block of memory (page allocator and the like).
    public static let block = MTraceLabelType(rawValue: 2)
    /// A static object (a symbol of the program).
    public static let `static` = MTraceLabelType(rawValue: 3)
    /// A per-CPU object, instantiated in each CPU's segment.
    public static let percpu = MTraceLabelType(rawValue: 4)
    public var description: String {
        switch rawValue {
        case 1: return "heap"
        case 2: return "block"
        case 3: return "static"
        case 4: return "percpu"
        default: return "label-type-\(rawValue)"
        }
    }
}

/// `access_type` of an access record.
public struct MTraceAccessType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let load = MTraceAccessType(rawValue: 1)
    public static let store = MTraceAccessType(rawValue: 2)
    /// A device (DMA-like) write to RAM; coherence treats it as a store.
    public static let ioWrite = MTraceAccessType(rawValue: 3)
    public var description: String {
        switch rawValue {
        case 1: return "load"
        case 2: return "store"
        case 3: return "io-write"
        default: return "access-type-\(rawValue)"
        }
    }
}

/// `host_type` of a host record.
public struct MTraceHostType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Sets the record mode (enables or disables recording); carries a mode and a name.
    public static let setRecordMode = MTraceHostType(rawValue: 1)
    /// Turns call tracing off on a CPU; carries the CPU.
    public static let callTracingOff = MTraceHostType(rawValue: 2)
    /// Turns call tracing on on a CPU; carries the CPU.
    public static let callTracingOn = MTraceHostType(rawValue: 3)
    public var description: String {
        switch rawValue {
        case 1: return "set-record-mode"
        case 2: return "call-tracing-off"
        case 3: return "call-tracing-on"
        default: return "host-type-\(rawValue)"
        }
    }
}

/// The record mode a host record sets.
public struct MTraceRecordMode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let disable = MTraceRecordMode(rawValue: 0)
    /// Log accesses that move a cache line (or every access, with `-mtrace-all`).
    public static let movement = MTraceRecordMode(rawValue: 1)
    /// Log every access inside an abstract scope.
    public static let ascope = MTraceRecordMode(rawValue: 2)
    /// Log every access made in kernel mode.
    public static let kernelscope = MTraceRecordMode(rawValue: 3)
    public var description: String {
        switch rawValue {
        case 0: return "disable"
        case 1: return "movement"
        case 2: return "ascope"
        case 3: return "kernelscope"
        default: return "mode-\(rawValue)"
        }
    }
}

/// `state` of an fcall record.
public struct MTraceFcallState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let start = MTraceFcallState(rawValue: 1)
    public static let done = MTraceFcallState(rawValue: 2)
    public static let doneWithValue = MTraceFcallState(rawValue: 3)
    public static let resume = MTraceFcallState(rawValue: 4)
    public static let pause = MTraceFcallState(rawValue: 5)
    public var description: String {
        switch rawValue {
        case 1: return "start"
        case 2: return "done"
        case 3: return "done-value"
        case 4: return "resume"
        case 5: return "pause"
        default: return "state-\(rawValue)"
        }
    }
}

/// `op` of a lock record.
public struct MTraceLockOp: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The CPU starts acquiring (it may spin).
    public static let acquire = MTraceLockOp(rawValue: 1)
    /// The CPU holds the lock.
    public static let acquired = MTraceLockOp(rawValue: 2)
    public static let release = MTraceLockOp(rawValue: 3)
    public var description: String {
        switch rawValue {
        case 1: return "acquire"
        case 2: return "acquired"
        case 3: return "release"
        default: return "op-\(rawValue)"
        }
    }
}

/// `task_type` of a task record.
public struct MTraceTaskType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let initial = MTraceTaskType(rawValue: 1)
    public static let update = MTraceTaskType(rawValue: 2)
    public static let exit = MTraceTaskType(rawValue: 3)
    public var description: String {
        switch rawValue {
        case 1: return "init"
        case 2: return "update"
        case 3: return "exit"
        default: return "task-type-\(rawValue)"
        }
    }
}

/// The `ret` field of a call record (an `int`): 0 for a call, 1 for a return.
public struct MTraceCallKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let call = MTraceCallKind(rawValue: 0)
    public static let `return` = MTraceCallKind(rawValue: 1)
    public var description: String {
        switch rawValue {
        case 0: return "call"
        case 1: return "ret"
        default: return "ret-\(rawValue)"
        }
    }
}

/// The bit-fields of an access record's flag byte.
public struct MTraceAccessFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The access moved a cache line (mtrace's movement tracking).
    public static let traffic = MTraceAccessFlags(rawValue: 1 << 0)
    /// Made by a LOCK-prefixed (atomic) instruction.
    public static let lock = MTraceAccessFlags(rawValue: 1 << 1)
    public static let deps = MTraceAccessFlags(rawValue: 1 << 2)
}

/// The bit-fields of a machine record's flag byte.
public struct MTraceMachineFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `-mtrace-locked`: accesses of locked instructions were logged with the lock flag.
    public static let locked = MTraceMachineFlags(rawValue: 1 << 0)
    /// `-mtrace-calls`: call and return records were logged.
    public static let calls = MTraceMachineFlags(rawValue: 1 << 1)
}

// MARK: Payloads

/// Names a range of guest memory (an object) or, with `bytes == 0`, removes the label
/// that starts at `guestAddress`.
public struct MTraceLabel: Equatable, Sendable {
    public var hostAddress: UInt64
    public var labelType: MTraceLabelType
    public var name: MTraceName
    public var guestAddress: UInt64
    /// Length of the object; 0 unlabels.
    public var bytes: UInt64
    /// The allocation site.
    public var pc: UInt64
    public init(hostAddress: UInt64 = 0, labelType: MTraceLabelType, name: MTraceName, guestAddress: UInt64,
                bytes: UInt64, pc: UInt64 = 0) {
        self.hostAddress = hostAddress; self.labelType = labelType; self.name = name
        self.guestAddress = guestAddress; self.bytes = bytes; self.pc = pc
    }
}

/// One memory access.
public struct MTraceAccessEntry: Equatable, Sendable {
    public var accessType: MTraceAccessType
    public var flags: MTraceAccessFlags
    public var pc: UInt64
    public var hostAddress: UInt64
    public var guestAddress: UInt64
    public var bytes: UInt8
    public init(accessType: MTraceAccessType, flags: MTraceAccessFlags = [], pc: UInt64 = 0, hostAddress: UInt64 = 0,
                guestAddress: UInt64, bytes: UInt8) {
        self.accessType = accessType; self.flags = flags; self.pc = pc
        self.hostAddress = hostAddress; self.guestAddress = guestAddress; self.bytes = bytes
    }
}

/// A host event. The C payload is a union: a set-record-mode record carries `mode` and
/// `name`, every other host type carries `cpu`; the fields of the other arm are written as
/// zeros and read back as zeros.
public struct MTraceHost: Equatable, Sendable {
    public var hostType: MTraceHostType
    /// The sum of all CPUs' instruction counts when the event happened.
    public var globalTS: UInt64
    public var mode: MTraceRecordMode
    /// The trace (test) name of a set-record-mode record.
    public var name: MTraceName
    public var cpu: UInt64
    public init(hostType: MTraceHostType, globalTS: UInt64 = 0, mode: MTraceRecordMode = .disable,
                name: MTraceName = "", cpu: UInt64 = 0) {
        self.hostType = hostType; self.globalTS = globalTS; self.mode = mode; self.name = name; self.cpu = cpu
    }

    /// A set-record-mode record (`mode` `.disable` ends recording).
    public static func recordMode(_ mode: MTraceRecordMode, name: MTraceName, globalTS: UInt64 = 0) -> MTraceHost {
        MTraceHost(hostType: .setRecordMode, globalTS: globalTS, mode: mode, name: name)
    }
}

/// A kernel entry point (system call, interrupt) starting, pausing, resuming or ending.
public struct MTraceFcall: Equatable, Sendable {
    public var tid: UInt64
    public var pc: UInt64
    /// Identifies the call stack across pauses and resumes.
    public var tag: UInt64
    public var depth: UInt16
    public var state: MTraceFcallState
    public init(tid: UInt64, pc: UInt64, tag: UInt64, depth: UInt16 = 0, state: MTraceFcallState) {
        self.tid = tid; self.pc = pc; self.tag = tag; self.depth = depth; self.state = state
    }
}

/// A CPU's segment of memory for objects of one type (per-CPU data).
public struct MTraceSegment: Equatable, Sendable {
    public var baseAddress: UInt64
    public var endAddress: UInt64
    public var cpu: UInt16
    public var objectType: MTraceLabelType
    public init(baseAddress: UInt64, endAddress: UInt64, cpu: UInt16, objectType: MTraceLabelType = .percpu) {
        self.baseAddress = baseAddress; self.endAddress = endAddress; self.cpu = cpu; self.objectType = objectType
    }
}

/// A call or a return, logged on CPUs whose call tracing is on.
public struct MTraceCall: Equatable, Sendable {
    public var targetPC: UInt64
    public var returnPC: UInt64
    public var kind: MTraceCallKind
    public init(targetPC: UInt64, returnPC: UInt64, kind: MTraceCallKind) {
        self.targetPC = targetPC; self.returnPC = returnPC; self.kind = kind
    }
}

/// A lock operation.
public struct MTraceLock: Equatable, Sendable {
    public var pc: UInt64
    /// The lock's address.
    public var lock: UInt64
    public var name: MTraceName
    public var op: MTraceLockOp
    /// Non-zero for the read side of a reader-writer lock.
    public var read: UInt8
    public init(pc: UInt64, lock: UInt64, name: MTraceName, op: MTraceLockOp, read: UInt8 = 0) {
        self.pc = pc; self.lock = lock; self.name = name; self.op = op; self.read = read
    }
}

/// A task (thread) created, renamed or ended.
public struct MTraceTask: Equatable, Sendable {
    public var tid: UInt64
    public var tgid: UInt64
    public var taskType: MTraceTaskType
    public var name: MTraceName
    public init(tid: UInt64, tgid: UInt64, taskType: MTraceTaskType, name: MTraceName) {
        self.tid = tid; self.tgid = tgid; self.taskType = taskType; self.name = name
    }
}

/// The scheduler switched the header's CPU to task `tid`.
public struct MTraceSched: Equatable, Sendable {
    public var tid: UInt64
    public init(tid: UInt64) { self.tid = tid }
}

/// The machine that was traced; a log starts with one per CPU.
public struct MTraceMachine: Equatable, Sendable {
    public var numCPUs: UInt16
    /// Bytes of RAM.
    public var numRAM: UInt64
    /// `-mtrace-quantum`: translation blocks between CPU switches.
    public var quantum: UInt64
    /// `-mtrace-sample`: one access in `sample` was kept.
    public var sample: UInt64
    public var flags: MTraceMachineFlags
    public init(numCPUs: UInt16, numRAM: UInt64 = 0, quantum: UInt64 = 0, sample: UInt64 = 1, flags: MTraceMachineFlags = []) {
        self.numCPUs = numCPUs; self.numRAM = numRAM; self.quantum = quantum; self.sample = sample; self.flags = flags
    }
}

/// Application data: the number of operations the workload performed.
public struct MTraceAppData: Equatable, Sendable {
    public var appdataType: UInt16
    public var value: UInt64
    public init(appdataType: UInt16 = 0, value: UInt64) {
        self.appdataType = appdataType; self.value = value
    }
}

/// Entry into (or, with `isExit`, exit from) an abstract scope.
public struct MTraceAScope: Equatable, Sendable {
    public var flags: UInt8
    public var name: MTraceName
    public init(flags: UInt8 = 0, name: MTraceName) { self.flags = flags; self.name = name }
    public init(exit: Bool, name: MTraceName) { self.init(flags: exit ? 1 : 0, name: name) }
    /// Bit 0 of `flags`.
    public var isExit: Bool { flags & 1 != 0 }
}

/// An abstract variable read (or, with `isWrite`, written) inside a scope.
public struct MTraceAVar: Equatable, Sendable {
    public var flags: UInt8
    public var name: MTraceName
    public init(flags: UInt8 = 0, name: MTraceName) { self.flags = flags; self.name = name }
    public init(write: Bool, name: MTraceName) { self.init(flags: write ? 1 : 0, name: name) }
    /// Bit 0 of `flags`.
    public var isWrite: Bool { flags & 1 != 0 }
}

/// An object registered with the garbage (RCU) collector.
public struct MTraceGC: Equatable, Sendable {
    public var base: UInt64
    public var nbytes: UInt64
    public var name: MTraceName
    public var flags: UInt8
    public init(base: UInt64, nbytes: UInt64, name: MTraceName, flags: UInt8 = 0) {
        self.base = base; self.nbytes = nbytes; self.name = name; self.flags = flags
    }
    /// Bit 0 of `flags`: the object is scheduled for RCU free.
    public var isScheduledForFree: Bool { flags & 1 != 0 }
}

/// The header's CPU began (or ended) an RCU epoch.
public struct MTraceGCEpoch: Equatable, Sendable {
    public var flags: UInt8
    public init(flags: UInt8) { self.flags = flags }
    public init(begin: Bool) { self.init(flags: begin ? 1 : 0) }
    /// Bit 0 of `flags`.
    public var isBegin: Bool { flags & 1 != 0 }
}

/// The payload of one record, by entry type.
public enum MTraceEntry: Equatable, Sendable {
    case label(MTraceLabel)
    case access(MTraceAccessEntry)
    case host(MTraceHost)
    case fcall(MTraceFcall)
    case segment(MTraceSegment)
    case call(MTraceCall)
    case lock(MTraceLock)
    case task(MTraceTask)
    case sched(MTraceSched)
    case machine(MTraceMachine)
    case appdata(MTraceAppData)
    case ascope(MTraceAScope)
    case avar(MTraceAVar)
    case gc(MTraceGC)
    case gcEpoch(MTraceGCEpoch)
    /// A type this version does not know (never 1...15), kept as the bytes after the
    /// header so that it can be written back unchanged. The payload is at most 100 bytes.
    case unknown(type: UInt32, payload: [UInt8])

    /// The header's `type` field.
    public var typeNumber: UInt32 {
        switch self {
        case .label: return 1
        case .access: return 2
        case .host: return 3
        case .fcall: return 4
        case .segment: return 5
        case .call: return 6
        case .lock: return 7
        case .task: return 8
        case .sched: return 9
        case .machine: return 10
        case .appdata: return 11
        case .ascope: return 12
        case .avar: return 13
        case .gc: return 14
        case .gcEpoch: return 15
        case .unknown(let type, _): return type
        }
    }

    /// The known type, or nil for ``unknown(type:payload:)``.
    public var type: MTraceEntryType? { MTraceEntryType(rawValue: typeNumber) }
}

/// One record of an mtrace log: the header's CPU and clocks, and the typed payload (the
/// header's `type` and `size` follow from the payload).
public struct MTraceRecord: Equatable, Sendable {
    public var cpu: UInt16
    /// The global count of enabled accesses so far: the logical clock that orders records.
    public var accessCount: UInt64
    /// The CPU's instruction count (0 in access records).
    public var timestamp: UInt64
    public var entry: MTraceEntry

    public init(cpu: UInt16 = 0, accessCount: UInt64 = 0, timestamp: UInt64 = 0, _ entry: MTraceEntry) {
        self.cpu = cpu
        self.accessCount = accessCount
        self.timestamp = timestamp
        self.entry = entry
    }

    /// The record's length in bytes, header included.
    public var size: Int {
        if case .unknown(_, let payload) = entry { return mtraceHeaderSize + payload.count }
        return entry.type!.recordSize
    }
}

/// Bytes of every record's header.
public let mtraceHeaderSize = 24
/// The largest record mtrace defines (and accepts): a label.
public let mtraceMaximumRecordSize = 124
/// The size of a host record written by a 32-bit guest: its union of a 4-byte mode and a
/// 64-byte name is padded to 68 bytes there (a `uint64_t` is 4-byte aligned), not 72.
public let mtraceHost32Size = 104
