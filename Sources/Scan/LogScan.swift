import CacheModels
import Foundation
import MTrace
import Reports

/// The analyses of `mtlab scan`, named by their flags; JSON keys follow mscan.
public enum ScanAnalysisKind: String, CaseIterable, Sendable {
    case summary
    case sharedAddresses = "shared-addresses"
    case falseSharing = "false-sharing"
    case allSharing = "all-sharing"
    case cacheAssoc = "cache-assoc"
    case serialSections = "serial-sections"
    case distinctOps = "distinct-ops"
    case checkTestcases = "check-testcases"
    case callStacks = "call-stacks"
    case checkGC = "check-gc"

    /// What runs when no analysis is named (as mscan did).
    public static let defaults: [ScanAnalysisKind] = [.summary, .sharedAddresses, .falseSharing]
}

/// What `mtlab scan` runs and how.
public struct ScanOptions: Sendable {
    /// Analyses to run, reported in ``ScanAnalysisKind`` order; empty runs the defaults.
    public var analyses: Set<ScanAnalysisKind> = []
    /// The ELF file whose symbols label addresses and pcs.
    public var symbolsPath: String?
    public var granularity: ConflictGranularity = .byte
    /// The pcs whose call stacks `call-stacks` reports.
    public var callStackPCs: [UInt64] = []
    /// The cache of `cache-assoc` (mscan's: 512 sets × 8 ways × 64 B); its line size is also
    /// the line of every line-based analysis.
    public var geometry: CacheGeometry = try! CacheGeometry(sets: 512, ways: 8, lineSize: 64)
    public var replacement: ReplacementKind = .fifo
    /// On a damaged log, report what was read before the fault instead of failing.
    public var partial = false

    public init() {}

    /// The analyses to run, in report order.
    public var chosen: [ScanAnalysisKind] {
        let set = analyses.isEmpty ? Set(ScanAnalysisKind.defaults) : analyses
        return ScanAnalysisKind.allCases.filter(set.contains)
    }

    /// Applies `--set cache.KEY=VALUE`: `cache.sets`, `cache.ways`, `cache.line_size`,
    /// `cache.size` (bytes; sets follow) or `cache.replacement`. Settings apply in order, so
    /// `cache.size` is best given after ways and line size. Throws ``ScanError``.
    public mutating func apply(setting: String) throws {
        guard let eq = setting.firstIndex(of: "=") else {
            throw ScanError(message: "--set \(setting): expected key=value, such as cache.ways=4")
        }
        let key = setting[..<eq].trimmingCharacters(in: .whitespaces)
        let value = setting[setting.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        let keys = ["cache.sets", "cache.ways", "cache.line_size", "cache.size", "cache.replacement"]
        guard keys.contains(key) else {
            throw ScanError(message: "--set \(setting): unknown key \(key); scan takes \(keys.joined(separator: ", "))")
        }
        // The settings so far with this one changed, checked by the rule `mtlab run` uses.
        var settings = CacheSettings(sets: geometry.sets, ways: geometry.ways, lineSize: geometry.lineSize,
                                     replacement: replacement)
        if key == "cache.replacement" {
            guard let r = ReplacementKind(rawValue: value) else {
                throw ScanError(message: "--set \(setting): cache.replacement must be one of \(ReplacementKind.namesList)")
            }
            settings.replacement = r
        } else {
            guard let n = Int(value), n > 0 else {
                throw ScanError(message: "--set \(setting): \(key) must be a positive integer")
            }
            switch key {
            case "cache.sets": settings.sets = n
            case "cache.ways": settings.ways = n
            case "cache.line_size": settings.lineSize = n
            default: (settings.sets, settings.size) = (nil, n)
            }
        }
        do {
            geometry = try settings.geometry()
        } catch let e as GeometryError {
            throw ScanError(message: "--set \(setting): \(e)")
        }
        replacement = settings.replacement
    }
}

/// The outcome of a scan: every chosen analysis, ready to print as text or JSON.
public struct ScanReport {
    /// The log as named.
    public let log: String
    /// The fault that ended a `partial` scan early, if any.
    public let fault: TraceError?
    let context: ScanContext
    let sections: [(ScanAnalysisKind, ScanAnalysis)]

    /// The report as deterministic JSON: `log`, `partial` (when a fault cut it short), then
    /// each analysis's mscan keys in ``ScanAnalysisKind`` order.
    public func json() -> String { json(mscanShape: false) }

    /// The report as ``json()`` writes it, except that each analysis whose mscan output had
    /// another shape has that shape here (`false-sharing`: a list of `{pc, instances}`), so
    /// that scripts written for mscan's JSON read it.
    public func mscanJSON() -> String { json(mscanShape: true) }

    private func json(mscanShape: Bool) -> String {
        var members: [(String, JSONValue)] = [("log", .string(log))]
        if let fault {
            members.append(("partial", .object([("error", .string(fault.message)),
                                                ("offset", fault.offset.map(JSONValue.unsigned) ?? .null)])))
        }
        for (_, analysis) in sections { members += mscanShape ? analysis.mscanJSON(context) : analysis.json(context) }
        return JSONValue.object(members).rendered()
    }

    /// The report as aligned text tables, each cut to `top` rows.
    public func text(top: Int) -> String {
        var out = ""
        if let fault {
            out += "PARTIAL REPORT: the log is damaged, so only what came before the fault is counted\n  \(fault)\n\n"
        }
        out += sections.map { $0.1.text(context, top: top) }.joined(separator: "\n")
        return out
    }
}

/// Runs the chosen analyses over the mtrace log at `path` in one streaming pass.
///
/// A locked load immediately followed by the locked store of the same CPU to the same bytes
/// is one atomic access (typed as the store), as `mtlab run` takes it. Throws ``ScanError``
/// for a bad `--symbols` file and ``TraceError`` (with the byte offset) for a damaged log,
/// an access running past 2^64 included, unless `options.partial` is set, in which case the
/// report covers the records before the fault and says so.
public func scanLog(path: String, displayName: String? = nil, options: ScanOptions) throws -> ScanReport {
    let symbols = try options.symbolsPath.map { try ScanSymbols(elfPath: $0) }
    let reader = try MTraceLogReader(path: path, displayName: displayName)
    let context = ScanContext(symbols: symbols, lineSize: options.geometry.lineSize)
    let summary = SummaryAnalysis()
    var sections: [(ScanAnalysisKind, ScanAnalysis)] = []
    for kind in options.chosen {
        let analysis: ScanAnalysis
        switch kind {
        case .summary: analysis = summary
        case .sharedAddresses: analysis = SharedAddressesAnalysis()
        case .falseSharing: analysis = FalseSharingAnalysis()
        case .allSharing: analysis = AllSharingAnalysis()
        case .cacheAssoc: analysis = try CacheAssocAnalysis(geometry: options.geometry, replacement: options.replacement)
        case .serialSections: analysis = SerialSectionsAnalysis()
        case .distinctOps: analysis = DistinctOpsAnalysis()
        case .checkTestcases: analysis = CheckTestcasesAnalysis(granularity: options.granularity)
        case .callStacks: analysis = CallStacksAnalysis(pcs: options.callStackPCs)
        case .checkGC: analysis = CheckGCAnalysis()
        }
        sections.append((kind, analysis))
    }
    let analyses = sections.map(\.1)
    let summarising = options.chosen.contains(.summary)

    // A locked load waits for the next record: with the locked store of the same CPU to the
    // same bytes right after it, the two are one atomic access (mtrace's locked
    // read-modify-write), as a simulation of the log also takes them.
    var heldLoad: (record: MTraceRecord, entry: MTraceAccessEntry)?
    func deliver(_ record: MTraceRecord, _ e: MTraceAccessEntry, pairedWith store: MTraceAccessEntry? = nil) {
        context.take(record)
        let records = store == nil ? 1 : 2
        if e.bytes == 0 && summarising { for _ in 0..<records { summary.zeroBytes() } }
        var access = ScanAccess(cpu: Int(record.cpu), type: e.accessType, flags: e.flags, pc: e.pc,
                                address: e.guestAddress, size: UInt64(max(e.bytes, 1)), accessCount: record.accessCount)
        if let store {
            access.type = store.accessType
            access.flags.formUnion(store.flags)
            access.records = 2
        }
        for analysis in analyses { analysis.access(access, context) }
    }
    var fault: TraceError?
    do {
        reader.checksAccessRanges = true
        while let record = try reader.next() {
            if let held = heldLoad {
                heldLoad = nil
                if case .access(let e) = record.entry, e.accessType == .store, e.flags.contains(.lock),
                   record.cpu == held.record.cpu, e.guestAddress == held.entry.guestAddress, e.bytes == held.entry.bytes {
                    deliver(held.record, held.entry, pairedWith: e)
                    continue
                }
                deliver(held.record, held.entry)
            }
            if case .access(let e) = record.entry {
                if e.accessType == .load && e.flags.contains(.lock) {
                    heldLoad = (record, e)
                } else {
                    deliver(record, e)
                }
            } else {
                context.take(record)
                for analysis in analyses { analysis.record(record, context) }
            }
        }
    } catch let error as TraceError where options.partial {
        fault = error
    }
    if let held = heldLoad { deliver(held.record, held.entry) }
    for analysis in analyses { analysis.finish(context) }
    for case let assoc as CacheAssocAnalysis in analyses { if let refusal = assoc.refusal { throw refusal } }
    summary.unknownTypes = reader.unknownTypes
    return ScanReport(log: displayName ?? path, fault: fault, context: context, sections: sections)
}
