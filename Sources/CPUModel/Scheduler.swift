import MTrace

extension Machine {
    /// Runs the guest until it exits, faults, deadlocks or reaches the instruction limit.
    ///
    /// Recorded accesses go to `sink` in batches of ``MachineConfiguration/traceBatchSize``
    /// (and a final partial batch); with no sink nothing is traced and the untraced loop
    /// runs. Annotation entries the guest registers go to `annotations`, each after the
    /// accesses recorded before it. A machine runs once: later calls return the first
    /// result (or rethrow the first error). Throws only what a sink throws; guest problems
    /// are reported in ``RunResult/outcome``.
    public func run(trace sink: AccessSink? = nil, annotations: AnnotationSink? = nil) throws -> RunResult {
        if let result { return result }
        if let sinkError { throw sinkError }
        self.sink = sink
        self.annotationSink = annotations
        schedule()
        flushTrace(count: state.pointee.traceCount)
        self.sink = nil
        self.annotationSink = nil
        if let sinkError { throw sinkError }
        let result = RunResult(
            outcome: outcome ?? .instructionLimit(configuration.maxInstructions ?? 0),
            instructions: (0..<hartCount).map { harts[$0].retired },
            console: console,
            tracedAccesses: tracedAccesses,
            mtime: mtime(executed: 0),
            usesAnnotations: usesAnnotations,
            annotations: annotationCount,
            operations: operations,
            traceName: traceName)
        self.result = result
        return result
    }

    /// Runs `budget` instructions of hart `h` in the loop specialised for what is traced
    /// now: nothing without a sink or while recording is off; calls and returns too when
    /// the guest turned call tracing on for the hart and annotations have a sink.
    private func slice(hart h: Int, budget: Int) -> Int {
        if harts[h].translated { return slice(TranslatedAddressing.self, hart: h, budget: budget) }
        return slice(DirectAddressing.self, hart: h, budget: budget)
    }

    /// The loop for how the hart reaches memory now (directly or through the MMU).
    private func slice<A: AddressingPolicy>(_ addressing: A.Type, hart h: Int, budget: Int) -> Int {
        if sink == nil || !recording { return runSlice(TraceNothing.self, A.self, hart: h, budget: budget) }
        let calls = annotationSink != nil && callTracing[h]
        switch (configuration.traceFetches, calls) {
        case (false, false): return runSlice(TraceData.self, A.self, hart: h, budget: budget)
        case (true, false): return runSlice(TraceDataAndFetch.self, A.self, hart: h, budget: budget)
        case (false, true): return runSlice(TraceDataAndCalls.self, A.self, hart: h, budget: budget)
        case (true, true): return runSlice(TraceDataFetchAndCalls.self, A.self, hart: h, budget: budget)
        }
    }

    /// Deterministic round-robin: each hart in turn runs a quantum (optionally jittered by
    /// the seeded generator). Idle harts (in `wfi`) let their turn pass as time.
    ///
    /// A turn that switches recording continues in the other loop with the rest of its
    /// quantum, so recording never changes the interleaving.
    private func schedule() {
        var random = SplitMix64(seed: configuration.seed)
        let quantum = configuration.quantum
        let jitter = configuration.quantumJitter
        let limit = configuration.maxInstructions ?? .max
        var idleTurns = 0
        var h = 0
        while !state.pointee.stop {
            if state.pointee.executed >= limit {
                finish(.instructionLimit(limit))
                break
            }
            var turn = quantum
            if jitter > 0 {
                turn = max(1, quantum + Int(random.next() % UInt64(2 * jitter + 1)) - jitter)
            }
            turn = Int(min(UInt64(turn), limit - state.pointee.executed))

            let hs = harts + h
            let now = mtime(executed: 0)
            if hs.pointee.waiting && pendingInterrupts(h, mtime: now) & hs.pointee.mie != 0 {
                hs.pointee.waiting = false
            }
            if hs.pointee.waiting {
                state.pointee.clock &+= UInt64(turn)
                idleTurns += 1
                if idleTurns >= hartCount && !fastForwardToTimer() { break }
            } else {
                idleTurns = 0
                if let handler = takeInterrupt(h, at: hs.pointee.pc, mtime: now) {
                    hs.pointee.pc = handler
                }
                if state.pointee.stop { break }
                state.pointee.reschedule = false
                var budget = turn
                while true {
                    let executed = slice(hart: h, budget: budget)
                    state.pointee.clock &+= UInt64(executed)
                    state.pointee.executed &+= UInt64(executed)
                    budget -= executed
                    guard state.pointee.reschedule else { break }
                    state.pointee.reschedule = false
                    if budget <= 0 || state.pointee.stop || hs.pointee.waiting { break }
                }
            }
            h = h + 1 == hartCount ? 0 : h + 1
        }
    }

    /// Every hart waits: jump the clock to the earliest timer that can wake one. Returns
    /// false (and ends the run) when no timer can.
    private func fastForwardToTimer() -> Bool {
        var earliest = UInt64.max
        for h in 0..<hartCount where harts[h].waiting && harts[h].mie & Interrupt.timer != 0 {
            earliest = min(earliest, harts[h].mtimecmp)
        }
        let raw = earliest &- state.pointee.mtimeOffset
        guard earliest != .max, raw <= UInt64.max / slotsPerTick else {
            finish(.deadlock("every hart waits in wfi and no enabled interrupt can wake one (mtime \(mtime(executed: 0)))"))
            return false
        }
        state.pointee.clock = max(state.pointee.clock, raw * slotsPerTick)
        return true
    }
}
