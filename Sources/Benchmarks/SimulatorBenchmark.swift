import CacheModels
import Coherence
import Foundation
import MTrace
import Reports

/// The simulator benchmark on the synthetic SplitMix64 reference trace
/// (spec/synthetic-trace.md): (a) one CPU, protocol none; (b) eight CPUs under MESI,
/// reference i issued by CPU i mod 8; (c) as (a) but parsed from a din file on disk.
///
/// Every case is timed in the same run as a baseline, so the ratios stay meaningful on a
/// shared, noisy machine where absolute rates swing: `base`, the bare tag-array loop (LRU
/// lookups and fills with no counters, statistics or protocol), and for (b) `base8`, the
/// bare 8-CPU MESI loop, the least work (b) itself could do.
public struct SimulatorBenchmark {
    public struct Case: Sendable {
        public var name: String
        public var description: String
        /// Simulated line accesses (or references, for (c)) per second of thread CPU time.
        public var rate: Double
        /// The target, if any.
        public var target: Double?
        /// Misses the case simulated (a check that the work was real).
        public var misses: UInt64

        public init(name: String, description: String, rate: Double, target: Double?, misses: UInt64) {
            self.name = name
            self.description = description
            self.rate = rate
            self.target = target
            self.misses = misses
        }
    }

    public var references: Int
    public var repeats: Int
    /// Folder for the din file of case (c); it is removed afterwards.
    public var scratchFolder: URL

    public init(references: Int = 10_000_000, repeats: Int = 3, scratchFolder: URL) {
        self.references = references
        self.repeats = repeats
        self.scratchFolder = scratchFolder
    }

    /// Runs the cases named in `cases` (letters a, b, c, p for (c)'s parsing alone, t for
    /// (c) from a text trace, h and m for hierarchies) and the baselines.
    public func run(cases: String = "abc") throws -> [Case] {
        let geometry = try CacheGeometry(size: 32768, ways: 8, lineSize: 64)
        var trace = [Access](repeating: Access(cpu: 0, kind: .load, address: 0), count: references)
        var source = SyntheticReferenceTrace(references: references)
        _ = trace.withUnsafeMutableBufferPointer { source.read(into: $0) }
        let single = SimulatorConfiguration(cpus: 1, geometry: geometry, replacement: .lru, coherence: .none)

        var results = [try baseline(trace, geometry)]
        if cases.contains("a") {
            results.append(try simulate(trace, single, "a", "1 CPU, 32 KiB 8-way 64 B LRU, none (in memory)", target: 60e6))
        }
        if cases.contains("b") {
            let shared = trace.enumerated().map { i, a in var a = a; a.cpu = UInt16(i % 8); return a }
            results.append(try bareMESI(shared, geometry))
            results.append(try simulate(shared, SimulatorConfiguration(cpus: 8, geometry: geometry, replacement: .lru,
                                                                       coherence: .mesi),
                                        "b", "8 CPUs, MESI, same caches (in memory)", target: 30e6))
        }
        if cases.contains("h") {
            results.append(try twoLevels(trace))
        }
        if cases.contains("m") {
            let shared = trace.enumerated().map { i, a in var a = a; a.cpu = UInt16(i % 8); return a }
            results.append(try bareThreeLevels(shared))
            results.append(try threeLevels(shared))
        }
        if cases.contains("c") || cases.contains("p") {
            try withFile("synthetic.din", SyntheticReferenceTrace.writeDin) { din in
                if cases.contains("c") {
                    results.append(try simulateFile(din, .din, single, "c", "as (a), parsed from a din file", target: 25e6))
                }
                if cases.contains("p") { results.append(try parseDin(din)) }
            }
        }
        if cases.contains("t") {
            try withFile("synthetic.trace", SyntheticReferenceTrace.writeText) { text in
                results.append(try simulateFile(text, .text, single, "t", "as (a), parsed from a text trace (0 R 0x… 4)",
                                                target: nil))
            }
        }
        return results
    }

    /// Writes the trace with `write` to `name` in the scratch folder for `body`, then removes it.
    private func withFile(_ name: String, _ write: (String, Int, UInt64) throws -> Void,
                          _ body: (String) throws -> Void) throws {
        try FileManager.default.createDirectory(at: scratchFolder, withIntermediateDirectories: true)
        let path = scratchFolder.appendingPathComponent(name).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try write(path, references, SyntheticReferenceTrace.defaultSeed)
        try body(path)
    }

    /// The fastest of `repeats` runs of `body`, which sets up, times its work with
    /// ``timed(_:)`` and returns the seconds and a count to check (misses, writes).
    func fastest(_ body: () throws -> (seconds: Double, count: UInt64)) rethrows -> (seconds: Double, count: UInt64) {
        var best = (seconds: Double.infinity, count: UInt64(0))
        for _ in 0..<repeats {
            let run = try body()
            if run.seconds < best.seconds { best = run }
        }
        return best
    }

    /// Seconds of thread CPU time that `work` takes, and its result.
    func timed<T>(_ work: () throws -> T) rethrows -> (seconds: Double, count: T) {
        let start = threadCPUNanoseconds()
        let result = try work()
        return (Double(threadCPUNanoseconds() - start) / 1e9, result)
    }

    /// Cases (a) and (b): the accesses, in batches, through a simulator.
    private func simulate(_ accesses: [Access], _ config: SimulatorConfiguration, _ name: String, _ description: String,
                          target: Double) throws -> Case {
        let best = try fastest {
            let sim = try CoherenceSimulator(config)
            let seconds = try timed { try feed(accesses, to: sim) }.seconds
            return (seconds, try sim.result().totals.misses)
        }
        return Case(name: name, description: description, rate: Double(accesses.count) / best.seconds, target: target,
                    misses: best.count)
    }

    /// Hands `accesses` to `sink` in batches of the default size, as a trace reader would.
    func feed(_ accesses: [Access], to sink: some AccessSink) throws {
        try accesses.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let n = min(defaultBatchSize, all.count - i)
                try sink.consume(UnsafeBufferPointer(rebasing: all[i..<i + n]))
                i += n
            }
        }
    }

    /// Cases (c) and (t): the file parsed and simulated as (a).
    private func simulateFile(_ path: String, _ format: TraceFormat, _ single: SimulatorConfiguration,
                              _ name: String, _ description: String, target: Double?) throws -> Case {
        let best = try fastest {
            let sim = try CoherenceSimulator(single)
            let seconds = try timed {
                var reader = try openTrace(path: path, format: format, cpus: 1)
                try pump(&reader, into: sim)
            }.seconds
            return (seconds, try sim.result().totals.misses)
        }
        return Case(name: name, description: description, rate: Double(references) / best.seconds, target: target,
                    misses: best.count)
    }

    /// Case (p): the din file of (c) parsed alone, to split (c) into reading and simulating.
    private func parseDin(_ din: String) throws -> Case {
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: defaultBatchSize)
        defer { buffer.deallocate() }
        let best = try fastest {
            try timed {
                var reader = try openTrace(path: din, format: .din, cpus: 1)
                var writes: UInt64 = 0
                while true {
                    let n = try reader.read(into: buffer)
                    if n == 0 { break }
                    for a in buffer[..<n] where a.kind != .load { writes &+= 1 }
                }
                return writes
            }
        }
        return Case(name: "p", description: "the din file of (c) parsed alone (the count is of writes)",
                    rate: Double(references) / best.seconds, target: nil, misses: best.count)
    }

    /// The baseline a case's ratio is taken against: `base8` for (b) and `base8h` for (m)
    /// when they were measured (the same multi-CPU work), (a) for (h) (the same first level
    /// alone), `base` for every other case.
    public static func baselineName(of name: String, in results: [Case]) -> String {
        let own = ["b": "base8", "m": "base8h", "h": "a"][name]
        return own.map { o in results.contains { $0.name == o } ? o : "base" } ?? "base"
    }

    /// The results as an aligned table: rate, ratio to the case's baseline and its name
    /// (``baselineName(of:in:)``), target.
    public static func render(_ results: [Case]) -> String {
        func rate(of name: String) -> Double {
            results.first { $0.name == name }?.rate ?? results.first?.rate ?? 1
        }
        var table = TextTable([
            .init(header: "case", rightAligned: false), .init(header: "M/s", rightAligned: true),
            .init(header: "× baseline", rightAligned: true), .init(header: "baseline", rightAligned: false),
            .init(header: "target M/s", rightAligned: true), .init(header: "misses", rightAligned: true),
            .init(header: "what", rightAligned: false),
        ])
        table.rows = results.map { r in
            let baseline = baselineName(of: r.name, in: results)
            return [r.name, String(format: "%.1f", r.rate / 1e6), String(format: "%.2f", r.rate / rate(of: baseline)), baseline,
                    r.target.map { String(format: "%.0f", $0 / 1e6) } ?? "-", String(r.misses), r.description]
        }
        return table.render(indent: "")
    }

    /// The least any MESI simulator of (b) does per access: the baseline's tag arrays, one
    /// per CPU, with a state per line; a miss looks the line up in every peer's cache and
    /// downgrades or invalidates it there, a store hit in S invalidates the peers' copies.
    /// No counters, statistics or snoop filter. Its misses must equal (b)'s.
    private func bareMESI(_ accesses: [Access], _ geometry: CacheGeometry) throws -> Case {
        let cpus = 8
        let shared: UInt8 = 1, exclusive: UInt8 = 2, modified: UInt8 = 3
        let best = try fastest {
            let caches = UnsafeMutablePointer<CacheArray>.allocate(capacity: cpus)
            for c in 0..<cpus {
                (caches + c).initialize(to: try CacheArray(geometry: geometry, replacement: .lru, seed: 1))
            }
            defer {
                for c in 0..<cpus { caches[c].deallocate() }
                caches.deinitialize(count: cpus)
                caches.deallocate()
            }
            return timed { accesses.withUnsafeBufferPointer { all -> UInt64 in
                var misses: UInt64 = 0
                for a in all {
                    let c = Int(a.cpu)
                    let line = a.address &>> UInt64(geometry.lineShift)
                    let set = geometry.setIndex(ofLine: line)
                    let write = a.kind != .load
                    let own = caches + c
                    let slot = own.pointee.lookup(line: line, set: set)
                    if slot >= 0 {
                        own.pointee.touch(slot: slot, LRUReplacement.self)
                        guard write else { continue }
                        if own.pointee.states[slot] == shared {
                            for p in 0..<cpus where p != c {
                                let peer = caches[p].lookup(line: line, set: set)
                                if peer >= 0 { caches[p].invalidate(slot: peer) }
                            }
                        }
                        own.pointee.states[slot] = modified
                        continue
                    }
                    misses &+= 1
                    var held = false
                    for p in 0..<cpus where p != c {
                        let peer = caches[p].lookup(line: line, set: set)
                        guard peer >= 0 else { continue }
                        held = true
                        if write { caches[p].invalidate(slot: peer) } else { caches[p].states[peer] = shared }
                    }
                    own.pointee.fill(slot: own.pointee.victim(set: set, LRUReplacement.self), line: line,
                                     state: write ? modified : held ? shared : exclusive, payload: 0, LRUReplacement.self)
                }
                return misses
            } }
        }
        return Case(name: "base8", description: "bare MESI tag arrays of (b), snooping every peer, no statistics",
                    rate: Double(accesses.count) / best.seconds, target: nil, misses: best.count)
    }

    /// The least any trace-driven cache simulator does per access: find the set, scan its
    /// tags, update LRU, fill on a miss.
    private func baseline(_ accesses: [Access], _ geometry: CacheGeometry) throws -> Case {
        let best = try fastest {
            var cache = try CacheArray(geometry: geometry, replacement: .lru, seed: 1)
            defer { cache.deallocate() }
            return timed { accesses.withUnsafeBufferPointer { all -> UInt64 in
                var misses: UInt64 = 0
                for a in all {
                    let line = a.address &>> UInt64(geometry.lineShift)
                    let set = geometry.setIndex(ofLine: line)
                    let slot = cache.lookup(line: line, set: set)
                    if slot >= 0 {
                        cache.touch(slot: slot, LRUReplacement.self)
                    } else {
                        misses &+= 1
                        cache.fill(slot: cache.victim(set: set, LRUReplacement.self), line: line, state: 1, payload: 0, LRUReplacement.self)
                    }
                }
                return misses
            } }
        }
        return Case(name: "base", description: "bare LRU tag array, no statistics (baseline)",
                    rate: Double(accesses.count) / best.seconds, target: nil, misses: best.count)
    }
}

/// CPU time of the calling thread: unlike wall time, it leaves out the time this process
/// waits while other processes hold the machine's cores.
public func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
