import MTrace
import Reports

/// One access record as the analyses see it.
public struct ScanAccess: Sendable {
    public var cpu: Int
    public var type: MTraceAccessType
    public var flags: MTraceAccessFlags
    public var pc: UInt64
    public var address: UInt64
    /// Bytes covered: the record's `bytes`, taken as 1 when it is 0, and cut at 2^64.
    public var size: UInt64
    public var accessCount: UInt64
    /// Access records it stands for: 2 for a locked load and its locked store (one atomic
    /// access, typed as the store and flagged as either record), else 1.
    public var records = 1
    /// Loads read; stores and I/O writes write (so does any unknown type other than 1).
    public var isWrite: Bool { type != .load }
    /// One past the last byte (saturated at 2^64 − 1).
    public var end: UInt64 {
        let (e, overflow) = address.addingReportingOverflow(size)
        return overflow ? .max : e
    }
    public var moved: Bool { flags.contains(.traffic) }
    public var locked: Bool { flags.contains(.lock) }
}

/// One past the last byte of the line starting at `lineStart` (saturated at 2^64 − 1).
@inline(__always) func lineEnd(_ lineStart: UInt64, _ lineSize: UInt64) -> UInt64 {
    let (e, overflow) = lineStart.addingReportingOverflow(lineSize)
    return overflow ? .max : e
}

/// Where a CPU's call stack lives: in the fcall (kernel entry) it is running, else on the CPU.
enum StackKey: Hashable {
    case tag(UInt64)
    case cpu(Int)
}

/// The state every analysis shares, updated from each record before the analyses see it:
/// labels, the machine, recording windows, the running fcall, task and call stack of each CPU.
public final class ScanContext {
    public let symbols: ScanSymbols?
    public let labels: LabelMap
    /// Bytes per line for the line-based analyses (`cache.line_size`).
    public let lineSize: UInt64
    /// CPUs: the machine records' count, or more if accesses name higher CPUs.
    public private(set) var cpus = 0
    public private(set) var machine: MTraceMachine?
    /// The current record mode (recording is on when it is not `.disable`).
    public private(set) var mode: MTraceRecordMode = .disable
    /// The name of the current (or last) set-record-mode record that enabled recording.
    public private(set) var windowName: String?
    /// `global_ts` of the first enabling host record and of the last disabling one after it.
    public private(set) var firstEnableTS: UInt64?
    public private(set) var lastDisableTS: UInt64?
    /// The name of the first enabling host record (mscan's application name).
    public private(set) var appName: String?
    /// The value of the last appdata record (mscan's operation count).
    public private(set) var appOps: UInt64?
    /// The fcall each CPU is running: (tid, tag, entry pc).
    private(set) var fcalls: [Int: (tid: UInt64, tag: UInt64, pc: UInt64)] = [:]
    /// The task each CPU last switched to (sched records).
    private(set) var scheduled: [Int: UInt64] = [:]
    private var stacks: [StackKey: [MTraceCall]] = [:]

    init(symbols: ScanSymbols?, lineSize: Int) {
        self.symbols = symbols
        labels = LabelMap(symbols: symbols)
        self.lineSize = UInt64(lineSize)
    }

    /// Total instructions between the first enable and the last disable, when the log has both.
    public var totalInstructions: UInt64? {
        guard let first = firstEnableTS, let last = lastDisableTS, last >= first else { return nil }
        return last - first
    }

    /// Takes in one record (before the analyses see it).
    func take(_ record: MTraceRecord) {
        let cpu = Int(record.cpu)
        cpus = max(cpus, cpu + 1)
        switch record.entry {
        case .label(let label):
            labels.apply(label)
        case .segment(let segment):
            labels.apply(segment)
        case .machine(let m):
            machine = m
            cpus = max(cpus, Int(m.numCPUs))
        case .host(let h) where h.hostType == .setRecordMode:
            mode = h.mode
            if h.mode != .disable {
                windowName = h.name.string
                if appName == nil { appName = h.name.string }
                if firstEnableTS == nil { firstEnableTS = h.globalTS }
            } else if firstEnableTS != nil {
                lastDisableTS = h.globalTS
            }
        case .appdata(let a):
            appOps = a.value
        case .fcall(let f):
            switch f.state {
            case .start, .resume:
                fcalls[cpu] = (f.tid, f.tag, f.pc)
            case .done, .doneWithValue:
                if let running = fcalls[cpu] { stacks[.tag(running.tag)] = nil }
                fcalls[cpu] = nil
            default:
                fcalls[cpu] = nil
            }
        case .sched(let s):
            scheduled[cpu] = s.tid
        case .call(let c):
            let key = stackKey(cpu)
            if c.kind == .call {
                stacks[key, default: []].append(c)
            } else if stacks[key]?.isEmpty == false {
                stacks[key]!.removeLast()
            }
        default:
            break
        }
    }

    func stackKey(_ cpu: Int) -> StackKey {
        fcalls[cpu].map { .tag($0.tag) } ?? .cpu(cpu)
    }

    /// The CPU's call stack, innermost call first.
    public func callStack(cpu: Int) -> [MTraceCall] { (stacks[stackKey(cpu)] ?? []).reversed() }

    /// Who is running on `cpu`, for per-thread state: the fcall's task, else the task last
    /// scheduled there, else the CPU itself (as a key that no tid collides with).
    public func threadKey(cpu: Int) -> UInt64 {
        if let f = fcalls[cpu] { return f.tid }
        if let t = scheduled[cpu] { return t }
        return 1 << 63 | UInt64(cpu)
    }

    /// The fcall `cpu` is running, if any.
    public func fcall(cpu: Int) -> (tid: UInt64, tag: UInt64, pc: UInt64)? { fcalls[cpu] }

    // MARK: Naming

    /// `function+0x1c` for a pc, from the symbols; nil without symbols or outside functions.
    public func describe(pc: UInt64) -> String? { symbols?.describe(pc: pc) }

    /// `object+0x10` for an address, from the labels at this moment.
    public func label(_ address: UInt64) -> String? { labels.label(address) }

    /// The innermost object holding `address` now.
    public func object(at address: UInt64) -> ScanObject? { labels.object(at: address) }

    /// The labeled objects overlapping [lo, hi) now.
    public func objects(overlapping lo: UInt64, _ hi: UInt64) -> [ScanObject] { labels.objects(overlapping: lo, hi) }

    /// A pc as JSON members: `pc` and `info` (function+offset or null).
    func pcJSON(_ pc: UInt64, key: String = "pc", infoKey: String = "info") -> [(String, JSONValue)] {
        [(key, .string(hex(pc))), (infoKey, .string(describe(pc: pc)))]
    }

    /// A pc for text: `func+0x4` or the hex value.
    func pcText(_ pc: UInt64) -> String { describe(pc: pc) ?? hex(pc) }
}

/// One of scan's analyses: it sees every record after the ``ScanContext`` has, then
/// reports as JSON members and as text.
protocol ScanAnalysis: AnyObject {
    /// An access record.
    func access(_ access: ScanAccess, _ context: ScanContext)
    /// Any other record.
    func record(_ record: MTraceRecord, _ context: ScanContext)
    /// The log has ended (or faulted): close whatever is still open.
    func finish(_ context: ScanContext)
    /// The analysis's top-level JSON members, in order.
    func json(_ context: ScanContext) -> [(String, JSONValue)]
    /// The members as mscan shaped them, where mtlab's shape differs (else ``json(_:)``).
    func mscanJSON(_ context: ScanContext) -> [(String, JSONValue)]
    /// The analysis's text section, tables cut to `top` rows.
    func text(_ context: ScanContext, top: Int) -> String
}

extension ScanAnalysis {
    func mscanJSON(_ context: ScanContext) -> [(String, JSONValue)] { json(context) }
    func record(_ record: MTraceRecord, _ context: ScanContext) {}
    func finish(_ context: ScanContext) {}
}
