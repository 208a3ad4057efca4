/// What a memory reference does. The raw values are stable: they are written into files.
public enum AccessKind: UInt8, Sendable, CaseIterable {
    /// A data load (`R` in text traces).
    case load = 0
    /// A data store (`W`).
    case store = 1
    /// An atomic read-modify-write (`A`): coherence treats it as a store.
    case atomic = 2
    /// An instruction fetch; data-cache models skip it.
    case fetch = 3
    /// Dinero's copy-back record: write back dirty data; not an access.
    case copyBack = 4
    /// Dinero's invalidate record: drop lines; not an access.
    case invalidate = 5

    /// True for the kinds that reach a data cache as line accesses.
    @inlinable public var isDataAccess: Bool { rawValue <= AccessKind.atomic.rawValue }
    /// True for the kinds that write (stores and atomics).
    @inlinable public var isWrite: Bool { self == .store || self == .atomic }
}

/// Per-access flags, as in mtrace's access record.
public struct AccessFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Made by a locked (atomic) instruction.
    public static let locked = AccessFlags(rawValue: 1 << 1)
}

/// One memory reference of a trace: the unit that crosses module boundaries, in batches.
///
/// A plain 24-byte value so that batches are flat arrays with no per-access allocation.
public struct Access: Equatable, Sendable {
    /// First byte referenced (a guest physical address for emulated workloads).
    public var address: UInt64
    /// Program counter of the instruction that made it, or 0 when unknown.
    public var pc: UInt64
    /// Bytes referenced, 1...4096 for data accesses. For copy-back and invalidate,
    /// 0 means the whole cache.
    public var size: UInt32
    /// The CPU (hart) that made it.
    public var cpu: UInt16
    public var kind: AccessKind
    public var flags: AccessFlags

    @inlinable
    public init(cpu: Int, kind: AccessKind, address: UInt64, size: Int = 1, pc: UInt64 = 0, flags: AccessFlags = []) {
        self.address = address
        self.pc = pc
        self.size = UInt32(truncatingIfNeeded: size)
        self.cpu = UInt16(truncatingIfNeeded: cpu)
        self.kind = kind
        self.flags = flags
    }
}

/// The largest access size a trace may carry (spec: sizes are 1...4096 bytes).
public let maximumAccessSize = 4096
