import CPUModel
import Foundation
import Testing
import Scan
@testable import Experiments
@testable import MTrace

/// `mtlab trace` of an emulated guest: its accesses and annotation records, in order, in a
/// log that simulates to the emulated run's own counters and scans with the guest's symbols.
@Suite struct ScanGuestRecordingTests {
    @Test func aRecordedGuestRunsAndScansLikeTheGuest() throws {
        let configuration = try GuestFixtures.workload("per_cpu_counters.c")
        let log = GuestFixtures.scratch + "/counters-\(UUID().uuidString).mtrace.gz"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let (summary, outcome) = try recordLog(configuration, to: log, mode: .all, emulator: GuestFixtures.options)
        let guest = try #require(outcome?.guest)
        #expect(guest.succeeded)
        #expect(summary.accessesRecorded == outcome!.workloadAccesses && summary.accessesSeen == summary.accessesRecorded)
        #expect(summary.annotations == guest.annotations && summary.annotations > 0)

        let reader = try MTraceLogReader(path: log)
        var records: [MTraceRecord] = []
        while let r = try reader.next() { records.append(r) }
        // As QEMU wrote them: one per CPU, all with header CPU 0; a guest may turn call tracing
        // on, so the machine says call records may follow (mtrace's -mtrace-calls).
        #expect(records.prefix(4).allSatisfy { record in
            guard case .machine(let m) = record.entry else { return false }
            return m.numCPUs == 4 && record.cpu == 0 && m.flags == [.locked, .calls]
        })
        // The access clock never runs backwards: annotations sit among the accesses in order.
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.accessCount <= $1.accessCount })

        // Simulating the log gives the emulated run's counters exactly.
        let replay = try RunConfiguration.parse("""
            [system]
            cpus = 4
            [workload]
            trace = "\(log)"
            [cache]
            size = 32768
            ways = 8
            """, file: GuestFixtures.scratch + "/replay.toml")
        let replayed = try Runner.run(replay).result
        #expect(replayed.cpus == outcome!.result.cpus)
        #expect(Array(replayed.lines) == Array(outcome!.result.lines))

        // Scanned with the guest's symbols, the bouncing line is the counters array's.
        let elf = try GuestFixtures.cache.elf(for: GuestFixtures.guests + "/workloads/per_cpu_counters.c",
                                              flags: ["-DMTLAB_CPUS=4"]).path
        var options = ScanOptions()
        options.analyses = [.summary, .allSharing]
        options.symbolsPath = elf
        let report = try scanLog(path: log, options: options)
        let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
        #expect(json.list("shared_cachelines").first?.string("label") == "counters")
        #expect(json.dict("summary").int("app-ops") == Int(guest.operations))
        #expect(json.dict("summary").int("total-instructions") ?? 0 > 0)
    }
}
