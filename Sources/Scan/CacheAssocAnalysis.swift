import CacheModels
import Foundation
import Coherence
import MTrace
import Reports

/// `--cache-assoc` (`cachesim_cpus`): each CPU's accesses through its own set-associative
/// cache (the simulator with protocol `none`, the geometry and replacement of
/// `--set cache.*`; mscan's was fixed at 512 sets × 8 ways × 64 B FIFO), listing the sets
/// with most misses and the objects whose lines collide there.
final class CacheAssocAnalysis: ScanAnalysis {
    let geometry: CacheGeometry
    let replacement: ReplacementKind
    private var simulators: [CoherenceSimulator?] = []
    private var pending: [[Access]] = []
    /// Line address → names of the objects accessed in it (the first few), as labeled then.
    private var lineObjects: [UInt64: [String]] = [:]
    private static let namesPerLine = 4
    private var results: [Int: SimulationResult] = [:]
    private var failure: String?
    /// Set when the caches outgrow the machine's memory: the scan then ends in this error
    /// (``scanLog`` throws it) rather than in a report.
    private(set) var refusal: ScanError?
    private static let memoryKeys = "--set cache.sets × cache.ways × the log's CPUs"
    /// The bytes the caches may take (the machine's physical memory; tests choose less).
    private let availableMemory: Int

    /// Throws ``ScanError`` when even one CPU's cache would not fit the machine's memory
    /// (`CacheModels.CacheMemory`'s rule), before the log is read.
    init(geometry: CacheGeometry, replacement: ReplacementKind, availableMemory: Int = CacheMemory.physicalBytes) throws {
        self.geometry = geometry
        self.replacement = replacement
        self.availableMemory = availableMemory
        do {
            try CacheMemory.check(geometry, caches: 1, available: availableMemory, keys: Self.memoryKeys)
        } catch {
            throw ScanError(message: error.description)
        }
    }

    func access(_ a: ScanAccess, _ context: ScanContext) {
        guard failure == nil else { return }
        let size = UInt64(geometry.lineSize)
        let last = (a.end - 1) / size
        var line = a.address / size
        while true {
            let start = line * size
            var names = lineObjects[start] ?? []
            if names.count < Self.namesPerLine, let object = context.object(at: max(a.address, start)),
               !names.contains(object.name) {
                names.append(object.name)
                lineObjects[start] = names
            } else if lineObjects[start] == nil {
                lineObjects[start] = []
            }
            if line == last { break }
            line += 1
        }
        if a.cpu >= pending.count {
            pending += Array(repeating: [], count: a.cpu + 1 - pending.count)
            simulators += Array(repeating: nil, count: a.cpu + 1 - simulators.count)
        }
        let kind: AccessKind = a.isWrite ? (a.locked ? .atomic : .store) : .load
        pending[a.cpu].append(Access(cpu: 0, kind: kind, address: a.address, size: Int(a.end - a.address), pc: a.pc))
        if pending[a.cpu].count >= defaultBatchSize { flush(a.cpu, context) }
    }

    private func flush(_ cpu: Int, _ context: ScanContext) {
        guard !pending[cpu].isEmpty, failure == nil else { return }
        do {
            if simulators[cpu] == nil {
                // Each CPU's cache is allocated when its first accesses arrive: all of them
                // together must fit, and the log's machine records say how many there will be.
                let caches = max(simulators.lazy.filter { $0 != nil }.count + 1, context.cpus)
                try CacheMemory.check(geometry, caches: caches, available: availableMemory, keys: Self.memoryKeys)
                simulators[cpu] = try CoherenceSimulator(SimulatorConfiguration(
                    cpus: 1, geometry: geometry, replacement: replacement, coherence: .none))
            }
            try pending[cpu].withUnsafeBufferPointer { try simulators[cpu]!.consume($0) }
        } catch let error as CacheMemoryError {
            refuse(error.description)
        } catch let error as OutOfMemoryError {
            refuse("\(error) (cpu \(cpu)'s cache simulation)")
        } catch {
            failure = "\(error)"
        }
        pending[cpu].removeAll(keepingCapacity: true)
    }

    private func refuse(_ message: String) {
        failure = message
        refusal = ScanError(message: message)
        simulators = simulators.map { _ in nil }  // frees their memory; the scan ends in the error
    }

    func finish(_ context: ScanContext) {
        for cpu in pending.indices { flush(cpu, context) }
        // The simulators end here, so their results need no copy.
        for (cpu, sim) in simulators.enumerated() { if let sim { results[cpu] = sim.finish() } }
        simulators = []
    }

    struct SetStat {
        var set: Int
        var misses: UInt64 = 0
        var accesses: UInt64 = 0
        var lines: [LineSummary] = []
    }

    /// The sets of `cpu` with misses, most misses first.
    private func sets(_ cpu: Int) -> [SetStat] {
        guard let result = results[cpu] else { return [] }
        var bySet: [Int: SetStat] = [:]
        for line in result.lines where line.accesses > 0 {
            let set = geometry.setIndex(ofLine: geometry.lineNumber(of: line.address))
            bySet[set, default: SetStat(set: set)].misses += line.misses
            bySet[set]!.accesses += line.accesses
            bySet[set]!.lines.append(line)
        }
        return bySet.values.filter { $0.misses > 0 }.map { s in
            var s = s
            s.lines.sort { $0.misses != $1.misses ? $0.misses > $1.misses : $0.address < $1.address }
            return s
        }.sorted { $0.misses != $1.misses ? $0.misses > $1.misses : $0.set < $1.set }
    }

    private func cpuList(_ context: ScanContext) -> [Int] { Array(0..<max(context.cpus, pending.count)) }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("geometry", .object([
            ("sets", .integer(geometry.sets)), ("ways", .integer(geometry.ways)), ("line_size", .integer(geometry.lineSize)),
            ("replacement", .string(replacement.rawValue))]))]
        if let failure { members.append(("error", .string(failure))) }
        for cpu in cpuList(context) {
            let list = sets(cpu).map { s -> JSONValue in
                .object([("set", .integer(s.set)), ("misses", .unsigned(s.misses)), ("accesses", .unsigned(s.accesses)),
                         ("lines", .array(s.lines.filter { $0.misses > 0 }.map { l in
                             .object([("line", .string(hex(l.address))),
                                      ("objects", .array((lineObjects[l.address] ?? []).map(JSONValue.string))),
                                      ("misses", .unsigned(l.misses)), ("accesses", .unsigned(l.accesses))])
                         }))])
            }
            members.append(("cpu\(cpu)", .array(list)))
        }
        return [("cachesim_cpus", .object(members))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        var out = "cache associativity (per CPU: \(geometry), \(replacement.rawValue) replacement; sets with most misses)\n"
        if let failure { out += "  simulation failed: \(failure)\n" }
        for cpu in cpuList(context) {
            let totals = results[cpu]?.totals
            out += "  cpu \(cpu): \(totals?.accesses ?? 0) line accesses, \(totals?.misses ?? 0) misses"
                + " (\(totals?.coldMisses ?? 0) cold, \(totals?.replacementMisses ?? 0) capacity or conflict)\n"
            let list = sets(cpu)
            guard !list.isEmpty else { continue }
            var table = TextTable([.init("set", right: true), .init("misses", right: true), .init("accesses", right: true),
                                   .init("lines", right: true), .init("objects (misses)")])
            for s in list.prefix(top) {
                var objects: [String: UInt64] = [:]
                for l in s.lines where l.misses > 0 {
                    let names = lineObjects[l.address] ?? []
                    for n in names.isEmpty ? [hex(l.address)] : names { objects[n, default: 0] += l.misses }
                }
                let ranked = objects.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                var text = ranked.prefix(4).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                if ranked.count > 4 { text += ", +\(ranked.count - 4) more" }
                table.rows.append([String(s.set), String(s.misses), String(s.accesses), String(s.lines.count), text])
            }
            out += table.render(indent: "    ") + moreRows(list.count, shown: min(top, list.count)).replacingOccurrences(of: "  …", with: "    …")
        }
        return out
    }
}
