extension CoherenceEngine {
    /// Checks, across every cache, that line `line` has at most one writer (M or E, alone)
    /// or one owner (O) beside readers (S), and that the snoop filter matches the caches.
    func checkInvariant(line: UInt64, index: Int, after cpu: Int) throws {
        let set = Int(truncatingIfNeeded: line & setMask)
        var states: [(cpu: Int, state: LineState)] = []
        var holders: UInt64 = 0
        for c in 0..<cpus {
            let slot = caches[c].lookup(line: line, set: set)
            guard slot >= 0 else { continue }
            states.append((c, LineState(rawValue: caches[c].states[slot])!))
            holders |= 1 << UInt64(c)
        }
        func fail(_ message: String) -> InvariantViolation {
            InvariantViolation(line: line, cpu: cpu, states: states, message: message)
        }
        if holders != lines.present(index).pointee {
            throw fail("the snoop filter says \(CPUSet(bits: lines.present(index).pointee)) hold it")
        }
        guard coherent else { return }
        let exclusive = states.filter { $0.state == .modified || $0.state == .exclusive }.count
        let owners = states.filter { $0.state == .owned }.count
        if exclusive > 1 || (exclusive == 1 && states.count > 1) {
            throw fail("an M or E copy must be the only copy")
        }
        if owners > 1 { throw fail("at most one cache may own the line") }
    }
}
