/// Which accesses an mtrace recording keeps.
public enum MTraceRecordingMode: String, CaseIterable, Sendable {
    /// mtrace's movement mode: an access is kept when it moves a cache line (see
    /// ``LineOwnership``), or when a locked instruction made it (`-mtrace-locked`).
    case movement
    /// Every access (`-mtrace-all`).
    case all
}

/// mtrace's cache-line movement tracking: one owner bit per CPU per line, every line
/// shared by every CPU when tracking starts, no evictions.
///
/// A load moves its line when this CPU's bit is clear (another CPU wrote the line since
/// this CPU last read it), and sets the bit; a store moves its line unless this CPU is the
/// line's only owner, and leaves it the only owner. Unlike mtrace's one-byte mask, any
/// number of CPUs is tracked correctly. Memory grows with the lines touched.
public struct LineOwnership {
    public let cpus: Int
    public let lineSize: Int
    private let lineShift: UInt64
    private let words: Int
    /// Line number → index of its first owner word in `owners`.
    private var slots: [UInt64: Int] = [:]
    private var owners: [UInt64] = []
    /// The owner words of a line no CPU has touched since tracking started: every CPU.
    private let everyone: [UInt64]

    /// Tracks `cpus` CPUs (1...65536) over lines of `lineSize` bytes (a power of two).
    public init(cpus: Int, lineSize: Int = 64) {
        precondition(cpus >= 1 && cpus <= 65536, "cpus must be 1...65536")
        precondition(lineSize >= 1 && lineSize & (lineSize - 1) == 0, "line size must be a power of two")
        self.cpus = cpus
        self.lineSize = lineSize
        lineShift = UInt64(lineSize.trailingZeroBitCount)
        words = (cpus + 63) / 64
        everyone = (0..<words).map { w in
            let bits = min(64, cpus - w * 64)
            return bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        }
    }

    /// Lines touched so far.
    public var linesTracked: Int { slots.count }

    /// Applies one access by `cpu` covering `size` bytes at `address` (every line it touches)
    /// and returns whether it moved any line: mtrace's `traffic`.
    public mutating func apply(cpu: Int, isWrite: Bool, address: UInt64, size: Int) -> Bool {
        precondition(cpu >= 0 && cpu < cpus, "cpu out of range")
        let first = address >> lineShift
        let last = (address &+ UInt64(max(size, 1) - 1)) >> lineShift
        var moved = false
        var line = first
        while true {
            if apply(cpu: cpu, isWrite: isWrite, line: line) { moved = true }
            if line == last { break }
            line &+= 1
        }
        return moved
    }

    private mutating func apply(cpu: Int, isWrite: Bool, line: UInt64) -> Bool {
        let slot: Int
        if let known = slots[line] {
            slot = known
        } else {
            slot = owners.count
            owners += everyone
            slots[line] = slot
        }
        let word = slot + cpu >> 6
        let bit = UInt64(1) << UInt64(cpu & 63)
        if isWrite {
            // Sole owner already: no movement.
            var sole = owners[word] == bit
            if sole && words > 1 {
                for w in slot..<(slot + words) where w != word && owners[w] != 0 { sole = false; break }
            }
            if sole { return false }
            for w in slot..<(slot + words) { owners[w] = 0 }
            owners[word] = bit
            return true
        }
        if owners[word] & bit != 0 { return false }
        owners[word] |= bit
        return true
    }
}

/// Records accesses into an mtrace log as mtrace did: a machine record per CPU, a host
/// record that enables recording, the accesses the mode keeps (each with the traffic flag
/// of ``LineOwnership`` and the lock flag of locked accesses; an atomic as a locked load
/// and a locked store), and a host record that disables recording on ``finish()``.
///
/// Every access counts on the `access_count` clock, kept or not, as in mtrace. The host
/// records are stamped as QEMU stamped a guest's: `ts` with the CPU's instruction count and
/// `global_ts` with all CPUs' count, where an access counts as an instruction of its CPU and
/// each host record as one instruction of CPU 0 (the guest's magic instruction), itself
/// included. So the enabling record carries `ts = global_ts = 1`, never 0 (mscan takes a
/// `ts` of 0 for "no enabling record yet"), and the window holds the accesses and the
/// disabling record.
public final class MTraceRecorder: AccessSink {
    public let writer: MTraceLogWriter
    public let cpus: Int
    public let mode: MTraceRecordingMode
    private var ownership: LineOwnership
    /// Accesses offered so far (the `access_count` clock).
    public private(set) var accessesSeen: UInt64 = 0
    /// Accesses written to the log (an atomic, written as two records, counts once).
    public private(set) var accessesRecorded: UInt64 = 0
    /// Accesses by CPU 0, for the instruction count of CPU 0's host records.
    private var cpu0Accesses: UInt64 = 0
    /// Host records written so far, each an instruction of CPU 0.
    private var hostRecordsWritten: UInt64 = 0
    private let name: MTraceName
    private let hostRecords: Bool

    /// Writes the opening records to `writer`: `cpus` machine records and, with
    /// `hostRecords`, an enabling host record named `name` (recording mode movement, as
    /// mtrace's `-mtrace-all` also was); without, the workload writes its own (an annotated
    /// guest). Movement is tracked on lines of `lineSize` bytes (mtrace's were 64). `ram` and
    /// `quantum` describe an emulated machine in its machine records (0: not emulated).
    /// The machine records are those QEMU wrote, one as each CPU started, all with header
    /// CPU 0; they carry the `locked` flag (locked accesses are always flagged) and, with
    /// `calls`, the `calls` flag: call records may follow (`-mtrace-calls`).
    public init(writer: MTraceLogWriter, cpus: Int, mode: MTraceRecordingMode, name: String,
                lineSize: Int = 64, hostRecords: Bool = true, ram: UInt64 = 0, quantum: UInt64 = 0,
                calls: Bool = false) throws {
        precondition(cpus >= 1 && cpus <= 65536, "cpus must be 1...65536")
        self.writer = writer
        self.cpus = cpus
        self.mode = mode
        self.name = MTraceName(name)
        self.hostRecords = hostRecords
        ownership = LineOwnership(cpus: cpus, lineSize: lineSize)
        let flags: MTraceMachineFlags = calls ? [.locked, .calls] : .locked
        // numCPUs is 16 bits wide: 65536 CPUs cannot be said, and are written as 0.
        let machine = MTraceRecord(cpu: 0, .machine(MTraceMachine(numCPUs: UInt16(truncatingIfNeeded: cpus), numRAM: ram,
                                                                   quantum: quantum, sample: 1, flags: flags)))
        for _ in 0..<cpus { try writer.write(machine) }
        if hostRecords { try writeHost(.movement) }
    }

    /// Writes a set-record-mode host record on CPU 0, counting it as one instruction.
    private func writeHost(_ recordMode: MTraceRecordMode) throws {
        hostRecordsWritten &+= 1
        try writer.write(MTraceRecord(cpu: 0, accessCount: accessesSeen, timestamp: cpu0Accesses &+ hostRecordsWritten,
                                      .host(.recordMode(recordMode, name: name,
                                                        globalTS: accessesSeen &+ hostRecordsWritten))))
    }

    /// Records a batch. An access by a CPU not below `cpus` throws ``TraceError``.
    public func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        for access in accesses {
            guard Int(access.cpu) < cpus else {
                writer.discard()
                throw TraceError(file: writer.displayName,
                                 message: "access by cpu \(access.cpu): cpu is out of range, the log has \(cpus) CPUs")
            }
            guard access.kind.isDataAccess else {
                writer.discard()
                throw TraceError(file: writer.displayName,
                                 message: "an mtrace log holds only loads, stores and atomics, found a \(access.kind) access")
            }
            let cpu = Int(access.cpu), size = Int(access.size)
            let traffic: Bool
            var storeTraffic = false
            if access.kind == .atomic {
                // mtrace saw the load and then the store of the locked instruction.
                traffic = ownership.apply(cpu: cpu, isWrite: false, address: access.address, size: size)
                storeTraffic = ownership.apply(cpu: cpu, isWrite: true, address: access.address, size: size)
            } else {
                traffic = ownership.apply(cpu: cpu, isWrite: access.kind.isWrite, address: access.address, size: size)
            }
            let locked = access.kind == .atomic || access.flags.contains(.locked)
            if mode == .all || traffic || storeTraffic || locked {
                try writer.writeAccess(access, accessCount: accessesSeen, traffic: traffic, storeTraffic: storeTraffic)
                accessesRecorded &+= 1
            }
            accessesSeen &+= 1
            if cpu == 0 { cpu0Accesses &+= 1 }
        }
    }

    /// Writes the disabling host record (with `hostRecords`) and finishes the log.
    public func finish() throws {
        if hostRecords { try writeHost(.disable) }
        try writer.finish()
    }
}
