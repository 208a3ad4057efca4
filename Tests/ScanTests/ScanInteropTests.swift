import Foundation
import Testing
@testable import Scan
@testable import MTrace

/// What scan shares with MIT's mtrace tools: locked load/store pairs, accesses past 2^64,
/// mscan's JSON shape, and the stamps mscan relies on in the logs mtlab writes.
@Suite struct ScanInteropTests {
    /// The same accesses with each atomic as mtrace logged it (a locked load, then the locked
    /// store) and as mtlab used to write it (one locked store) scan alike.
    @Test func lockedPairsScanAsOneAtomic() throws {
        func log(pairs: Bool) -> SpecLog {
            var log = SpecLog()
            log.machine(cpus: 2)
            log.enable("atomics")
            log.label("counter", at: 0x100, bytes: 8)
            for i in 0..<6 {
                let cpu = i % 2
                if pairs {
                    log.access(cpu: cpu, 1, 0x100, 8, pc: 0x40, locked: true)
                    log.clock -= 1  // one access count for both records, as mtlab writes them
                }
                log.access(cpu: cpu, 2, 0x100, 8, pc: 0x40, moved: true, locked: true)
                log.load(cpu: cpu, 0x108, 4, pc: 0x44)
            }
            // A locked load on its own stays a load, and so does one followed by another CPU's store.
            log.access(cpu: 0, 1, 0x100, 8, pc: 0x48, locked: true)
            log.access(cpu: 1, 1, 0x100, 8, pc: 0x4c, locked: true)
            log.access(cpu: 0, 2, 0x100, 8, pc: 0x50, locked: true)
            log.disable()
            return log
        }
        let choose: (inout ScanOptions) -> Void = { $0.analyses = [.summary, .sharedAddresses, .allSharing] }
        let single = try scan(log(pairs: false), choose)
        let paired = try scan(log(pairs: true), choose)
        let summary = paired.json.dict("summary")
        #expect(summary.int("accesses") == 15)
        #expect(summary.list("accesses-by-cpu").map { "\($0.int("loads")!) \($0.int("stores")!) \($0.int("locked")!)" }
                == ["4 4 5", "4 3 4"])
        // Records are counted as they are: six more access records in the paired log.
        #expect(summary.dict("records-by-type").int("access") == 21)
        #expect(single.json.dict("summary").dict("records-by-type").int("access") == 15)
        var pairedSummary = summary, singleSummary = single.json.dict("summary")
        pairedSummary["records"] = nil; pairedSummary["records-by-type"] = nil
        singleSummary["records"] = nil; singleSummary["records-by-type"] = nil
        #expect(NSDictionary(dictionary: pairedSummary) == NSDictionary(dictionary: singleSummary))
        for key in ["shared-addresses", "shared_cachelines"] {
            #expect(NSArray(array: paired.json.list(key)) == NSArray(array: single.json.list(key)), "\(key)")
        }
    }

    /// An access running past 2^64 is refused by scan as by run, naming its byte offset;
    /// --partial reports what came before it.
    @Test func accessesPastTheAddressSpaceAreErrors() throws {
        var log = SpecLog()
        log.machine(cpus: 1)
        log.store(cpu: 0, UInt64.max - 7, 8)  // the last 8 bytes: fine
        let at = log.bytes.count
        log.store(cpu: 0, UInt64.max - 2, 8)
        log.load(cpu: 0, 0x40)
        try withScanFolder { folder in
            let path = folder + "/w.mtrace"
            try writeLog(log.bytes, to: path)
            var options = ScanOptions()
            let error = #expect(throws: TraceError.self) { try scanLog(path: path, displayName: "w.mtrace", options: options) }
            #expect(error?.offset == UInt64(at))
            #expect(error?.description
                    == "w.mtrace: byte \(at): access at 0xfffffffffffffffd of 8 bytes runs past the end of the 64-bit address space")
            // The simulation's reader refuses it with the same words.
            var source = try openTrace(path: path, format: nil, cpus: 1)
            let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 16)
            defer { buffer.deallocate() }
            let run = #expect(throws: TraceError.self) { while try source.read(into: buffer) > 0 {} }
            #expect(run?.offset == error?.offset && run?.message == error?.message)

            options.partial = true
            let report = try scanLog(path: path, displayName: "w.mtrace", options: options)
            #expect(report.fault?.offset == UInt64(at))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
            #expect(json.dict("summary").int("accesses") == 1)
        }
    }

    /// `mscanJSON()`: false sharing per pc, as mscan wrote it, checked against output made by
    /// hand from mscan's rules: each access whose first byte's line holds two or more labeled
    /// objects (blocks aside) adds those objects to its pc; pcs ascend, objects go by name
    /// (bytewise) and then allocation pc; alloc-info is addr2line's answer without line tables.
    @Test func mscanShapedFalseSharing() throws {
        var log = SpecLog()
        log.machine(cpus: 2)
        log.enable("fs")
        log.label("a", at: 0x1000, bytes: 8, pc: 0x400100)
        log.label("b", at: 0x1008, bytes: 8, pc: 0x400200)
        log.label("Z", at: 0x1018, bytes: 4, pc: 0x400100)
        log.label("a", at: 0x1020, bytes: 8, pc: 0x400050)
        log.label("blk", at: 0x1030, bytes: 16, type: 2, pc: 0x400300)
        log.label("c", at: 0x2000, bytes: 64, pc: 0x400300)
        log.store(cpu: 1, 0x1008, pc: 0x20)
        log.store(cpu: 0, 0x1000, pc: 0x10)
        log.load(cpu: 0, 0x2000, pc: 0x30)  // a line with one object
        log.store(cpu: 0, 0xffc, 8, pc: 0x8)  // starts on a line with no object
        log.load(cpu: 1, 0x1038, 4, pc: 0x20)  // in the block, on the shared line
        log.disable()
        let expected = """
            {
              "log": "fs.mtrace",
              "false-sharing": [
                {
                  "pc": "0x10",
                  "instances": [
                    {"name": "Z", "alloc-pc": "0x400100", "alloc-info": "alloc_a at ??:0"},
                    {"name": "a", "alloc-pc": "0x400050", "alloc-info": "0x400050 at ??:0"},
                    {"name": "a", "alloc-pc": "0x400100", "alloc-info": "alloc_a at ??:0"},
                    {"name": "b", "alloc-pc": "0x400200", "alloc-info": "0x400200 at ??:0"}
                  ]
                },
                {
                  "pc": "0x20",
                  "instances": [
                    {"name": "Z", "alloc-pc": "0x400100", "alloc-info": "alloc_a at ??:0"},
                    {"name": "a", "alloc-pc": "0x400050", "alloc-info": "0x400050 at ??:0"},
                    {"name": "a", "alloc-pc": "0x400100", "alloc-info": "alloc_a at ??:0"},
                    {"name": "b", "alloc-pc": "0x400200", "alloc-info": "0x400200 at ??:0"}
                  ]
                }
              ]
            }

            """
        try withScanFolder { folder in
            let path = folder + "/fs.mtrace"
            try writeLog(log.bytes, to: path)
            try Data(elfFile(symbols: [("alloc_early", 0x400000, 0x40, 2), ("alloc_a", 0x400100, 0x80, 2)]))
                .write(to: URL(fileURLWithPath: folder + "/k.elf"))
            var options = ScanOptions()
            options.analyses = [.falseSharing]
            options.symbolsPath = folder + "/k.elf"
            let report = try scanLog(path: path, displayName: "fs.mtrace", options: options)
            #expect(report.mscanJSON() == expected)
            // mtlab's own shape is unchanged: per line.
            let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
            #expect(json.list("false-sharing").map { $0.string("line") } == ["0x1000"])
            // Other analyses keep their shape in the mscan report.
            options.analyses = [.summary, .falseSharing]
            let both = try scanLog(path: path, displayName: "fs.mtrace", options: options)
            let mscan = try #require(try JSONSerialization.jsonObject(with: Data(both.mscanJSON().utf8)) as? [String: Any])
            let mine = try #require(try JSONSerialization.jsonObject(with: Data(both.json().utf8)) as? [String: Any])
            #expect(NSDictionary(dictionary: mscan.dict("summary")) == NSDictionary(dictionary: mine.dict("summary")))
            #expect(mscan.list("false-sharing").count == 2)
        }
    }
}
