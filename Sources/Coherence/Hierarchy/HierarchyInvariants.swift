extension HierarchyEngine {
    /// Checks line `line` after `cpu`'s access: at most one writer (M or E, alone) or one
    /// owner (O) among the agents; the snoop filter names exactly the agents holding it;
    /// every private copy of an agent has the agent's one state; an inclusive level holds
    /// the line wherever a cache above it does; an exclusive level never holds a line that
    /// a cache above it holds.
    func checkInvariants(line: UInt64, index: Int, after cpu: Int) throws {
        var states: [(cpu: Int, state: LineState)] = []
        var holders: UInt64 = 0
        func fail(_ message: String) -> InvariantViolation {
            InvariantViolation(line: line, cpu: cpu, states: states, message: message)
        }
        for c in 0..<cpus {
            var agent: UInt8 = 0
            for level in 0..<privateCount {
                let i = c * privateCount + level
                let s = slot(of: line, in: i)
                guard s >= 0 else { continue }
                let state = arrays[i].states[s] & Self.stateMask
                guard state != 0 else { continue }
                if agent != 0 && agent != state {
                    throw fail("cpu \(c)'s private levels disagree on the line's state")
                }
                agent = state
            }
            if agent != 0 {
                states.append((c, LineState(rawValue: agent) ?? .invalid))
                holders |= 1 << UInt64(c)
            }
        }
        if holders != lines.present(index).pointee {
            throw fail("the snoop filter says \(CPUSet(bits: lines.present(index).pointee)) hold it")
        }
        if coherent {
            let exclusive = states.filter { $0.state == .modified || $0.state == .exclusive }.count
            if exclusive > 1 || (exclusive == 1 && states.count > 1) { throw fail("an M or E copy must be the only copy") }
            if states.filter({ $0.state == .owned }).count > 1 { throw fail("at most one agent may own the line") }
        }
        for (level, settings) in configuration.hierarchy.data.enumerated() where level > 0 && settings.inclusion != .nonInclusive {
            for c in level < privateCount ? [cpu] : Array(0..<cpus) {
                let here = slot(of: line, in: cacheIndex(level: level, cpu: c)) >= 0
                var above = false
                for p in level < privateCount ? [c] : Array(0..<cpus) {
                    for l in 0..<min(level, privateCount) where slot(of: line, in: p * privateCount + l) >= 0 { above = true }
                    if let base = instructionBase, slot(of: line, in: base + p) >= 0 { above = true }
                }
                for l in privateCount..<max(level, privateCount) where slot(of: line, in: cacheIndex(level: l, cpu: c)) >= 0 {
                    above = true
                }
                if settings.inclusion == .inclusive && above && !here {
                    throw fail("\(settings.name) is inclusive but a cache above holds the line and it does not")
                }
                if settings.inclusion == .exclusive && above && here {
                    throw fail("\(settings.name) is exclusive but holds the line beside a cache above")
                }
            }
        }
    }
}
