import MTrace
// What makes a registered annotation entry well formed. mtrace's tools died on a bad
// enum value deep inside an analysis; mtlab refuses the entry at the magic instruction,
// where the guest's hart and pc still say who wrote it.

extension AnnotationRecord {
    /// Why the payload of a `type` record is malformed, or nil when it is well formed.
    /// `payload` holds the `type.recordSize - 24` bytes after the header.
    static func problem(type: MTraceEntryType, payload: [UInt8]) -> String? {
        let record = AnnotationRecord(type: type, cpu: 0, accessCount: 0, timestamp: 0, payload: payload, pc: 0)
        func enumeration(_ name: String, at offset: Int, _ valid: ClosedRange<UInt32>, _ meaning: String) -> String? {
            let value = record.field(at: offset, as: UInt32.self)
            return valid.contains(value) ? nil : "\(name) \(value) at offset \(offset) is not one of \(meaning)"
        }
        func flag(_ name: String, at offset: Int) -> String? {
            let value = record.field(at: offset, as: UInt8.self)
            return value <= 1 ? nil : "\(name) byte \(value) at offset \(offset) has bits other than bit 0 set"
        }
        func terminated(_ name: String, at offset: Int, length: Int) -> String? {
            let start = offset - AnnotationRecord.headerSize
            return payload[start..<start + length].contains(0)
                ? nil : "\(name) at offset \(offset) is not NUL-terminated within its \(length) bytes"
        }
        switch type {
        case .label:
            return enumeration("label_type", at: 32, 1...4, "1 heap, 2 block, 3 static, 4 percpu")
                ?? terminated("str", at: 36, length: 64)
        case .host:
            if let bad = enumeration("host_type", at: 24, 1...3, "1 set record mode, 2 call tracing off, 3 call tracing on") {
                return bad
            }
            guard record.field(at: 24, as: UInt32.self) == 1 else { return nil }
            return enumeration("mode", at: 36, 0...3, "0 disable, 1 movement, 2 ascope, 3 kernelscope")
                ?? terminated("str", at: 40, length: 64)
        case .fcall:
            return enumeration("state", at: 50, 1...5, "1 start, 2 done, 3 done with value, 4 resume, 5 pause")
        case .segment:
            return enumeration("object_type", at: 42, 1...4, "1 heap, 2 block, 3 static, 4 percpu")
        case .lock:
            return enumeration("op", at: 104, 1...3, "1 acquire, 2 acquired, 3 release")
                ?? terminated("str", at: 40, length: 64) ?? flag("read", at: 108)
        case .task:
            return enumeration("task_type", at: 40, 1...3, "1 init, 2 update, 3 exit")
                ?? terminated("str", at: 44, length: 64)
        case .ascope:
            return flag("flags (bit 0: exit)", at: 24) ?? terminated("name", at: 25, length: 64)
        case .avar:
            return flag("flags (bit 0: write)", at: 24) ?? terminated("name", at: 25, length: 64)
        case .gc:
            return terminated("name", at: 40, length: 64) ?? flag("flags", at: 104)
        case .gcEpoch:
            return flag("flags (bit 0: begin)", at: 24)
        case .sched, .appdata:
            return nil // any ids and counts are valid
        case .access, .call, .machine:
            return nil // refused earlier: guests cannot register them
        }
    }
}
