import MTrace
import Reports

/// `--serial-sections` (`serial-sections`): per lock (from lock records), the acquisitions,
/// the instructions spent holding it (the holder's `ts` from acquired, or acquire, to
/// release), its share of all instructions, the share per CPU, and the coherence misses
/// (accesses that moved a line) inside its sections with the pcs that caused them. Per pc
/// outside every lock, the same for the single accesses there that moved a line.
///
/// A lock is held per CPU (so read locks may be held by several at once), re-entrantly;
/// an access belongs to the innermost lock its CPU holds. A release on a CPU that does not
/// hold the lock ends nothing and counts as a mismatch (mscan dropped such sections too).
final class SerialSectionsAnalysis: ScanAnalysis {
    struct Summary {
        var acquires: UInt64 = 0
        var instructions: [UInt64] = []
        var misses: [UInt64: UInt64] = [:]
        var lockedAccesses: UInt64 = 0
        var mismatches: UInt64 = 0
        var totalInstructions: UInt64 { instructions.reduce(0, +) }
        var totalMisses: UInt64 { misses.values.reduce(0, +) }

        mutating func addInstructions(_ n: UInt64, cpu: Int) {
            if cpu >= instructions.count { instructions += Array(repeating: 0, count: cpu + 1 - instructions.count) }
            instructions[cpu] += n
        }
    }

    struct Held {
        var lock: UInt64
        var depth = 1
        var start: UInt64
        var acquiredSeen = false
        var misses: [UInt64: UInt64] = [:]
        var lockedAccesses: UInt64 = 0
    }

    /// Per lock address: its name (first seen) and summary.
    private var locks: [UInt64: (name: String, summary: Summary)] = [:]
    /// Per pc outside locks.
    private var singles: [UInt64: Summary] = [:]
    /// Per CPU, the locks it holds, innermost last.
    private var held: [Int: [Held]] = [:]

    func record(_ record: MTraceRecord, _ context: ScanContext) {
        guard case .lock(let l) = record.entry else { return }
        let cpu = Int(record.cpu)
        if locks[l.lock] == nil { locks[l.lock] = (l.name.string, Summary()) }
        var stack = held[cpu] ?? []
        let index = stack.lastIndex { $0.lock == l.lock }
        switch l.op {
        case .acquire:
            if let i = index { stack[i].depth += 1 } else { stack.append(Held(lock: l.lock, start: record.timestamp)) }
        case .acquired:
            if let i = index {
                if !stack[i].acquiredSeen {
                    stack[i].acquiredSeen = true
                    stack[i].start = record.timestamp
                }
            } else {
                stack.append(Held(lock: l.lock, start: record.timestamp, acquiredSeen: true))
            }
        case .release:
            if let i = index {
                stack[i].depth -= 1
                if stack[i].depth == 0 {
                    let section = stack.remove(at: i)
                    var summary = locks[l.lock]!.summary
                    summary.acquires += 1
                    summary.addInstructions(record.timestamp >= section.start ? record.timestamp - section.start : 0, cpu: cpu)
                    summary.misses.merge(section.misses, uniquingKeysWith: +)
                    summary.lockedAccesses += section.lockedAccesses
                    locks[l.lock]!.summary = summary
                }
            } else {
                locks[l.lock]!.summary.mismatches += 1
            }
        default:
            break
        }
        held[cpu] = stack
    }

    func access(_ a: ScanAccess, _ context: ScanContext) {
        if var stack = held[a.cpu], !stack.isEmpty {
            if a.moved { stack[stack.count - 1].misses[a.pc, default: 0] += 1 }
            if a.locked { stack[stack.count - 1].lockedAccesses += 1 }
            held[a.cpu] = stack
            return
        }
        guard a.moved else { return }
        var summary = singles[a.pc] ?? Summary()
        summary.acquires += 1
        summary.addInstructions(1, cpu: a.cpu)
        summary.misses[a.pc, default: 0] += 1
        if a.locked { summary.lockedAccesses += 1 }
        singles[a.pc] = summary
    }

    /// Locks by instructions held, then coherence misses, then address.
    private func rankedLocks() -> [(UInt64, String, Summary)] {
        locks.map { ($0.key, $0.value.name, $0.value.summary) }.sorted { x, y in
            if x.2.totalInstructions != y.2.totalInstructions { return x.2.totalInstructions > y.2.totalInstructions }
            if x.2.totalMisses != y.2.totalMisses { return x.2.totalMisses > y.2.totalMisses }
            return x.0 < y.0
        }
    }

    private func rankedSingles() -> [(UInt64, Summary)] {
        singles.map { ($0.key, $0.value) }.sorted { $0.1.totalMisses != $1.1.totalMisses ? $0.1.totalMisses > $1.1.totalMisses : $0.0 < $1.0 }
    }

    private func summaryJSON(_ s: Summary, _ context: ScanContext) -> [(String, JSONValue)] {
        let total = s.totalInstructions
        let fraction: JSONValue = context.totalInstructions.map { $0 > 0 ? .fixed(Double(total) / Double($0), decimals: 6) : .null } ?? .null
        let perCPU = (0..<max(context.cpus, s.instructions.count)).map { cpu -> JSONValue in
            let n = cpu < s.instructions.count ? s.instructions[cpu] : 0
            return .fixed(total == 0 ? 0 : 100 * Double(n) / Double(total), decimals: 2)
        }
        let misses = s.misses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { pc, n in JSONValue.object(context.pcJSON(pc) + [("count", .unsigned(n))]) }
        return [("acquires", .unsigned(s.acquires)), ("total-instructions", .unsigned(total)),
                ("benchmark-fraction", fraction), ("per-cpu-percent", .array(perCPU)),
                ("coherence-miss", .unsigned(s.totalMisses)), ("coherence-miss-list", .array(misses)),
                ("locked-inst", .unsigned(s.lockedAccesses)), ("mismatches", .unsigned(s.mismatches))]
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let lockItems = rankedLocks().map { address, name, s in
            JSONValue.object([("name", .string(name)), ("section-type", .string("lock")), ("lock", .string(hex(address))),
                             ("label", .string(context.label(address)))] + summaryJSON(s, context))
        }
        let singleItems = rankedSingles().map { pc, s in
            JSONValue.object([("name", .string(context.pcText(pc))), ("section-type", .string("instruction"))]
                            + context.pcJSON(pc) + summaryJSON(s, context))
        }
        return [("serial-sections", .array(lockItems + singleItems))]
    }

    private func shareText(_ s: Summary, _ context: ScanContext) -> String {
        guard let all = context.totalInstructions, all > 0 else { return "-" }
        return String(format: "%.2f%%", 100 * Double(s.totalInstructions) / Double(all))
    }

    private func cpuShares(_ s: Summary) -> String {
        let total = s.totalInstructions
        guard total > 0 else { return "-" }
        return s.instructions.enumerated().filter { $0.element > 0 }
            .map { String(format: "cpu%d %.0f%%", $0.offset, 100 * Double($0.element) / Double(total)) }.joined(separator: " ")
    }

    private func missText(_ s: Summary, _ context: ScanContext) -> String {
        let ranked = s.misses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var text = ranked.prefix(3).map { "\(context.pcText($0.key)) ×\($0.value)" }.joined(separator: ", ")
        if ranked.count > 3 { text += ", +\(ranked.count - 3) more" }
        return text.isEmpty ? "-" : text
    }

    func text(_ context: ScanContext, top: Int) -> String {
        let lockList = rankedLocks()
        var out = "serial sections: locks (\(lockList.count) in all"
            + (context.totalInstructions.map { "; \($0) instructions in the log" } ?? "; total instructions unknown") + ")\n"
        if lockList.isEmpty {
            out += "  none (no lock records)\n"
        } else {
            var table = TextTable([.init("lock"), .init("address"), .init("acquires", right: true),
                                   .init("instructions", right: true), .init("share", right: true), .init("per cpu"),
                                   .init("moved", right: true), .init("mismatches", right: true), .init("pcs that moved lines")])
            for (address, name, s) in lockList.prefix(top) {
                let where_ = context.label(address).map { "\(hex(address)) \($0)" } ?? hex(address)
                table.rows.append([name.isEmpty ? "-" : name, where_, String(s.acquires), String(s.totalInstructions),
                                   shareText(s, context), cpuShares(s), String(s.totalMisses), String(s.mismatches),
                                   missText(s, context)])
            }
            out += table.render() + moreRows(lockList.count, shown: min(top, lockList.count))
        }
        let singleList = rankedSingles()
        out += "serial sections: single accesses outside locks that moved a line (\(singleList.count) pcs)\n"
        if singleList.isEmpty { return out + "  none\n" }
        var table = TextTable([.init("pc"), .init("moved", right: true), .init("per cpu")])
        for (pc, s) in singleList.prefix(top) {
            table.rows.append([context.pcText(pc), String(s.totalMisses), cpuShares(s)])
        }
        return out + table.render() + moreRows(singleList.count, shown: min(top, singleList.count))
    }
}
