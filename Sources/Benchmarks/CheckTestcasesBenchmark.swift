import Foundation
import MTrace
import Scan

/// `mtlab scan --check-testcases` on its worst shape: one test window of `pcs` accesses,
/// each from a pc of its own, all to the same 8 bytes; pc i runs on CPU i mod 8 and writes
/// in alternate rounds of the CPUs. Pairing every two accesses made this quadratic in the
/// pcs (millions of rows); by class of pcs it is a sort.
public struct CheckTestcasesBenchmark {
    public struct Result: Sendable {
        public var pcs: Int
        /// Thread CPU seconds of the scan (reading the log and the analysis), best of the repeats.
        public var seconds: Double
        /// Conflict rows reported, and the access pairs they stand for.
        public var rows: Int
        public var pairs: UInt64
    }

    public var pcs: Int
    public var repeats: Int
    /// Folder for the log; it is removed afterwards.
    public var scratchFolder: URL

    public init(pcs: Int = 32_000, repeats: Int = 3, scratchFolder: URL) {
        self.pcs = pcs
        self.repeats = repeats
        self.scratchFolder = scratchFolder
    }

    /// Writes the log with mtlab's log writer.
    public static func writeLog(path: String, pcs: Int) throws {
        let recorder = try MTraceRecorder(writer: try MTraceLogWriter(path: path), cpus: 8, mode: .all, name: "same-bytes")
        var batch: [Access] = []
        for i in 0..<pcs {
            batch.append(Access(cpu: i % 8, kind: (i / 8) % 2 == 0 ? .store : .load, address: 0x2000, size: 8,
                                pc: 0x10_0000 + UInt64(i) * 4))
            if batch.count == defaultBatchSize || i == pcs - 1 {
                try batch.withUnsafeBufferPointer { try recorder.consume($0) }
                batch.removeAll(keepingCapacity: true)
            }
        }
        try recorder.finish()
    }

    public func run() throws -> Result {
        try FileManager.default.createDirectory(at: scratchFolder, withIntermediateDirectories: true)
        let path = scratchFolder.appendingPathComponent("same-bytes.mtrace").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeLog(path: path, pcs: pcs)
        var options = ScanOptions()
        options.analyses = [.checkTestcases]
        var best = Result(pcs: pcs, seconds: .infinity, rows: 0, pairs: 0)
        for _ in 0..<repeats {
            let start = threadCPUNanoseconds()
            let report = try scanLog(path: path, options: options)
            let seconds = Double(threadCPUNanoseconds() - start) / 1e9
            guard let conflicts = report.checkTestcasesConflicts else { continue }
            if seconds < best.seconds {
                best = Result(pcs: pcs, seconds: seconds, rows: conflicts.rows, pairs: conflicts.pairs)
            }
        }
        return best
    }

    public static func render(_ r: Result) -> String {
        String(format: "scan --check-testcases: %d accesses from distinct pcs to the same 8 bytes (8 CPUs)\n"
               + "  %.3f s of CPU (%.1f k accesses/s), %d conflict rows standing for %llu access pairs\n",
               r.pcs, r.seconds, Double(r.pcs) / r.seconds / 1e3, r.rows, r.pairs)
    }
}
