import MTrace
import Reports

/// `--call-stacks PC` (`call-stacks`): the call stacks, from call records, of the accesses
/// made at the given pcs; each distinct stack once, with how many accesses had it. A CPU's
/// stack is the one of the fcall it runs (by tag, as mscan kept them) or, outside fcalls,
/// the CPU's own.
final class CallStacksAnalysis: ScanAnalysis {
    struct Frame: Hashable {
        var target: UInt64
        var returnPC: UInt64
    }

    struct Key: Hashable {
        var pc: UInt64
        var frames: [Frame]
    }

    let pcs: [UInt64]
    private let wanted: Set<UInt64>
    private var stacks: [Key: UInt64] = [:]

    init(pcs: [UInt64]) {
        self.pcs = pcs
        wanted = Set(pcs)
    }

    func access(_ a: ScanAccess, _ context: ScanContext) {
        guard wanted.contains(a.pc) else { return }
        let frames = context.callStack(cpu: a.cpu).map { Frame(target: $0.targetPC, returnPC: $0.returnPC) }
        stacks[Key(pc: a.pc, frames: frames), default: 0] += 1
    }

    /// By requested pc (in the order given), then most frequent first.
    private func ranked() -> [(Key, UInt64)] {
        let order = Dictionary(pcs.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: min)
        return stacks.map { ($0.key, $0.value) }.sorted { x, y in
            if x.0.pc != y.0.pc { return order[x.0.pc]! < order[y.0.pc]! }
            if x.1 != y.1 { return x.1 > y.1 }
            return x.0.frames.lexicographicallyPrecedes(y.0.frames) { ($0.target, $0.returnPC) < ($1.target, $1.returnPC) }
        }
    }

    func json(_ context: ScanContext) -> [(String, JSONValue)] {
        let list = ranked().map { key, count in
            JSONValue.object(context.pcJSON(key.pc, key: "filter-pc", infoKey: "filter-info") + [
                ("count", .unsigned(count)),
                ("call-stack", .array(key.frames.map { f in
                    .object([("type", .string("call"))] + context.pcJSON(f.target, key: "target-pc", infoKey: "target-info")
                            + context.pcJSON(f.returnPC, key: "return-pc", infoKey: "return-info"))
                })),
            ])
        }
        return [("call-stacks", .array(list))]
    }

    func text(_ context: ScanContext, top: Int) -> String {
        var out = "call stacks of the accesses at \(pcs.map { context.pcText($0) }.joined(separator: ", "))\n"
        let list = ranked()
        if list.isEmpty { return out + "  no access at these pcs\n" }
        for pc in pcs {
            let mine = list.filter { $0.0.pc == pc }
            guard !mine.isEmpty else { continue }
            out += "  pc \(hex(pc))\(context.describe(pc: pc).map { " \($0)" } ?? ""): \(mine.count) distinct stack\(mine.count == 1 ? "" : "s")\n"
            for (key, count) in mine.prefix(top) {
                out += "    \(count) access\(count == 1 ? "" : "es")"
                if key.frames.isEmpty {
                    out += ", no call records\n"
                    continue
                }
                out += ":\n"
                for (depth, f) in key.frames.enumerated() {
                    out += "      #\(depth) \(context.pcText(f.target)) called from \(context.pcText(f.returnPC))\n"
                }
            }
            if mine.count > top { out += "    … \(mine.count - top) more (raise --top, or see --json)\n" }
        }
        return out
    }
}
