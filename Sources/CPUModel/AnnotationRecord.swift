// The annotation entries a guest registers with the mtrace magic instruction, as raw
// validated records: the hand-over point between the emulator and mtrace's log layer.

import MTrace

extension MTraceEntryType {
    /// False for the records mtlab writes itself (accesses, call/ret, machine info): a
    /// guest that registers one is confused, and its run ends with a fault.
    public var isGuestRegistrable: Bool {
        switch self {
        case .access, .call, .machine: return false
        default: return true
        }
    }
}

/// One validated annotation entry with its header stamped as QEMU's mtrace stamped it:
/// the registering hart, the global count of recorded accesses so far, and that hart's
/// instruction count.
///
/// Accesses recorded before the entry have all been handed to the access sink before the
/// record reaches an ``AnnotationSink``, so ``accessCount`` orders records and accesses.
public struct AnnotationRecord: Equatable, Sendable {
    /// Bytes of the common header (type, size, cpu, access_count, ts).
    public static let headerSize = 24

    public var type: MTraceEntryType
    /// The hart that registered it (the header's `cpu`).
    public var cpu: UInt16
    /// Accesses recorded (handed to the access sink) before this entry: mtrace's logical clock.
    public var accessCount: UInt64
    /// The hart's retired-instruction count at the magic instruction (the header's `ts`).
    public var timestamp: UInt64
    /// The record's bytes after the header, exactly as the guest laid them out (with
    /// mtlab's stamps where mtrace stamped payload fields: `host_addr` of labels,
    /// `global_ts` of host entries). `type.recordSize - 24` bytes.
    public var payload: [UInt8]
    /// The pc of the magic instruction that registered it (not part of the mtrace record;
    /// for messages and symbolization).
    public var pc: UInt64

    public init(type: MTraceEntryType, cpu: UInt16, accessCount: UInt64, timestamp: UInt64, payload: [UInt8], pc: UInt64) {
        self.type = type
        self.cpu = cpu
        self.accessCount = accessCount
        self.timestamp = timestamp
        self.payload = payload
        self.pc = pc
    }

    /// The whole record in mtrace's little-endian packed layout, header included: what
    /// an mtrace log holds for this entry.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(AnnotationRecord.headerSize + payload.count)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        append(type.rawValue)
        append(UInt16(truncatingIfNeeded: AnnotationRecord.headerSize + payload.count))
        append(cpu)
        append(accessCount)
        append(timestamp)
        out.append(contentsOf: payload)
        return out
    }

    /// The little-endian integer at `offset` of the whole record (header included, as the
    /// spec numbers offsets).
    public func field<T: FixedWidthInteger>(at offset: Int, as _: T.Type) -> T {
        let start = offset - AnnotationRecord.headerSize
        precondition(start >= 0 && start + MemoryLayout<T>.size <= payload.count, "field outside the payload")
        var value: T = 0
        for i in (0..<MemoryLayout<T>.size).reversed() { value = value << 8 | T(payload[start + i]) }
        return value
    }

    /// The NUL-terminated string in the fixed field of `length` bytes at `offset`.
    public func string(at offset: Int, length: Int) -> String {
        let start = offset - AnnotationRecord.headerSize
        let field = payload[start..<start + length]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// Receives annotation records in the order the guest registered them, interleaved
/// correctly with the access batches (see ``AnnotationRecord/accessCount``). This is
/// where an mtrace log writer plugs in: `record.bytes` is the entry as the log stores it.
public protocol AnnotationSink: AnyObject {
    /// Takes one record. Throwing ends the run; ``Machine/run(trace:annotations:)`` rethrows.
    func annotate(_ record: AnnotationRecord) throws
}

/// An annotation sink that keeps every record in memory.
public final class AnnotationList: AnnotationSink {
    public private(set) var records: [AnnotationRecord] = []

    public init() {}

    public func annotate(_ record: AnnotationRecord) throws {
        records.append(record)
    }
}
