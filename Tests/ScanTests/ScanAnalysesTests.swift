import Foundation
import Testing
@testable import Scan
@testable import MTrace

/// Two CPUs; objects a and b share line 0x1000, c has line 0x1040 to itself.
private func sharingLog() -> SpecLog {
    var log = SpecLog()
    log.machine(cpus: 2)
    log.enable("t1", globalTS: 1000)
    log.label("a", at: 0x1000, bytes: 8, pc: 0x500)
    log.label("b", at: 0x1008, bytes: 8, pc: 0x504)
    log.label("c", at: 0x1040, bytes: 64, type: 3)
    log.store(cpu: 0, 0x1000, pc: 0x10, moved: true)
    log.store(cpu: 1, 0x1008, pc: 0x20, moved: true)
    log.load(cpu: 0, 0x1000, pc: 0x14)
    log.load(cpu: 1, 0x1008, pc: 0x24)
    log.load(cpu: 0, 0x1040, 4, pc: 0x30)
    log.load(cpu: 1, 0x1040, 4, pc: 0x34)
    log.store(cpu: 1, 0x1044, 4, pc: 0x38, moved: true)
    log.store(cpu: 0, 0x1042, 2, pc: 0x3c, moved: true)
    log.disable(globalTS: 1600)
    return log
}

@Suite struct ScanAnalysesTests {
    @Test func defaultsAreSummarySharedAddressesAndFalseSharing() throws {
        let (json, text) = try scan(sharingLog())
        #expect(Array(json.keys).sorted() == ["false-sharing", "log", "shared-addresses", "summary"])
        #expect(text.hasPrefix("summary\n"))
        #expect(text.contains("shared addresses") && text.contains("false sharing"))
    }

    @Test func summaryCountsRecordsAccessesAndInstructions() throws {
        for name in ["s.mtrace", "s.mtrace.gz"] {
            var log = sharingLog()
            log.unknown(type: 40, size: 30)
            log.appdata(5)
            let (json, _) = try scan(log, name: name) { $0.analyses = [.summary] }
            let s = json.dict("summary")
            #expect(s.int("records") == 16)  // known records; the unknown one is counted apart
            let types = s.dict("records-by-type")
            #expect(types.int("machine") == 2 && types.int("host") == 2 && types.int("label") == 3 && types.int("access") == 8)
            #expect(types.int("appdata") == 1 && types.int("gcepoch") == 0)
            #expect(s.int("unknown-records") == 1 && s.dict("unknown-types").int("40") == 1)
            #expect(s.int("cpus") == 2 && s.int("accesses") == 8)
            let cpus = s.list("accesses-by-cpu")
            #expect(cpus.map { $0.int("loads") } == [2, 2] && cpus.map { $0.int("stores") } == [2, 2])
            #expect(cpus.map { $0.int("moved") } == [2, 2])
            #expect(s.int("total-instructions") == 600)
            #expect(s.dict("access-count-window").int("first") == 0 && s.dict("access-count-window").int("last") == 8)
            #expect(s.string("app-name") == "t1" && s.int("app-ops") == 5 && s.int("recording-windows") == 1)
        }
    }

    @Test func sharedAddressesAreThoseOfSeveralCPUs() throws {
        let (json, text) = try scan(sharingLog()) { $0.analyses = [.sharedAddresses] }
        let list = json.list("shared-addresses")
        #expect(list.count == 1)
        #expect(list[0].string("address") == "0x1040" && list[0].string("label") == "c" && list[0].int("count") == 2)
        #expect(list[0].ints("count-per-cpu") == [1, 1])
        #expect(list[0].list("count-per-pc").map { $0.string("pc") } == ["0x30", "0x34"])
        #expect(text.contains("0x1040   c"))
    }

    @Test func falseSharingChecksBytes() throws {
        let (json, text) = try scan(sharingLog()) { $0.analyses = [.falseSharing] }
        let list = json.list("false-sharing")
        #expect(list.count == 1)
        let line = list[0]
        #expect(line.string("line") == "0x1000" && line.int("accesses") == 4 && line.ints("cpus") == [0, 1])
        #expect(line.bool("disjoint-bytes") == true && line.string("shared-bytes") == "")
        let objects = line.list("objects")
        #expect(objects.map { $0.string("name") } == ["a", "b"])
        #expect(objects[0].string("bytes-on-line") == "0-7" && objects[1].string("bytes-on-line") == "8-15")
        #expect(objects[0].string("alloc-pc") == "0x500")
        #expect(objects[0].list("cpus").map { [$0.int("cpu"), $0.int("reads"), $0.int("writes")] } == [[0, 1, 1]])
        #expect(objects[1].list("cpus").map { [$0.int("cpu"), $0.int("reads"), $0.int("writes")] } == [[1, 1, 1]])
        #expect(objects[0].list("pcs").map { $0.string("pc") } == ["0x10", "0x14"])
        #expect(text.contains("CPUs touch disjoint bytes: false sharing only"))

        // CPU 1 also reads a's bytes: the line is now truly shared too.
        var log = sharingLog()
        log.load(cpu: 1, 0x1004, 2, pc: 0x28)
        let (again, text2) = try scan(log) { $0.analyses = [.falseSharing] }
        let shared = again.list("false-sharing")[0]
        #expect(shared.bool("disjoint-bytes") == false && shared.string("shared-bytes") == "4-5")
        #expect(text2.contains("also true sharing: bytes 4-5"))

        // Read-only sharing of two objects is not false sharing.
        var reads = SpecLog()
        reads.label("p", at: 0, bytes: 8)
        reads.label("q", at: 8, bytes: 8)
        reads.load(cpu: 0, 0)
        reads.load(cpu: 1, 8)
        #expect(try scan(reads) { $0.analyses = [.falseSharing] }.json.list("false-sharing").isEmpty)
    }

    @Test func allSharingListsWrittenLinesTouchedBySeveralCPUs() throws {
        var log = sharingLog()
        log.load(cpu: 0, 0x2000)
        log.load(cpu: 1, 0x2000)  // read-shared only: not listed
        log.store(cpu: 0, 0x3000)  // one CPU only: not listed
        let (json, text) = try scan(log) { $0.analyses = [.allSharing] }
        let list = json.list("shared_cachelines")
        #expect(list.map { $0.string("line") } == ["0x1000", "0x1040"])
        #expect(list[0].ints("cpureads") == [1, 1] && list[0].ints("cpuwrites") == [1, 1] && list[0].int("accesses") == 4)
        #expect(list[1].ints("cpureads") == [1, 1] && list[1].ints("cpuwrites") == [1, 1] && list[1].string("label") == "c")
        #expect(list[0].string("label") == "a")
        #expect(text.contains("cpu0 R1 W1  cpu1 R1 W1"))
    }

    @Test func checkTestcasesByByteAndByLine() throws {
        let (bytes, text) = try scan(sharingLog()) { $0.analyses = [.checkTestcases] }
        let tests = bytes.list("testcases")
        #expect(tests.count == 1 && tests[0].string("name") == "t1" && tests[0].bool("complete") == true)
        #expect(tests[0].bool("conflict-free") == false)
        let shared = tests[0].list("shared")
        #expect(shared.count == 1)
        #expect(shared[0].string("address") == "0x1042" && shared[0].int("bytes") == 2 && shared[0].string("label") == "c+0x2")
        #expect(shared[0].dict("a").int("cpu") == 0 && shared[0].dict("a").string("access") == "write")
        #expect(shared[0].dict("a").string("pc") == "0x3c")
        #expect(shared[0].dict("b").int("cpu") == 1 && shared[0].dict("b").string("pc") == "0x34")
        #expect(text.contains("test \"t1\": 1 conflict"))

        let (lines, _) = try scan(sharingLog()) {
            $0.analyses = [.checkTestcases]
            $0.granularity = .line
        }
        let lineConflicts = lines.list("testcases")[0].list("shared")
        #expect(lineConflicts.count == 6)
        #expect(lineConflicts.filter { $0.string("address") == "0x1000" }.count == 3)
        #expect(lineConflicts.allSatisfy { $0.int("bytes") == 64 })

        // Two windows; accesses outside windows do not count; a window left open is reported.
        var log = SpecLog()
        log.store(cpu: 0, 0x100)
        log.store(cpu: 1, 0x100)
        log.enable("quiet")
        log.store(cpu: 0, 0x100)
        log.load(cpu: 1, 0x108)
        log.disable()
        log.enable("open", mode: 2)
        log.store(cpu: 1, 0x200, 4)
        log.load(cpu: 0, 0x202, 1)
        let (two, _) = try scan(log) { $0.analyses = [.checkTestcases] }
        let windows = two.list("testcases")
        #expect(windows.map { $0.string("name") } == ["quiet", "open"])
        #expect(windows.map { $0.bool("conflict-free") } == [true, false])
        #expect(windows.map { $0.bool("complete") } == [true, false])
    }

    @Test func serialSectionsPerLockAndPerPC() throws {
        var log = SpecLog()
        log.machine(cpus: 2)
        log.enable("locks", globalTS: 0)
        log.lock(cpu: 0, 0x2000, "biglock", op: 1, ts: 100, pc: 0x900)
        log.lock(cpu: 0, 0x2000, "biglock", op: 2, ts: 110, pc: 0x900)
        log.store(cpu: 0, 0x3000, pc: 0x40, moved: true)
        log.load(cpu: 0, 0x3008, pc: 0x44)
        log.lock(cpu: 0, 0x2000, "biglock", op: 3, ts: 150)
        log.lock(cpu: 1, 0x2000, "biglock", op: 1, ts: 200)
        log.store(cpu: 1, 0x3000, pc: 0x40, moved: true)
        log.lock(cpu: 1, 0x2000, "biglock", op: 1, ts: 210)
        log.lock(cpu: 1, 0x2000, "biglock", op: 3, ts: 220)
        log.lock(cpu: 1, 0x2000, "biglock", op: 3, ts: 260)
        log.lock(cpu: 0, 0x2000, "biglock", op: 3, ts: 300)  // not held by CPU 0: a mismatch
        log.load(cpu: 1, 0x5000, pc: 0x60, moved: true)
        log.load(cpu: 0, 0x5000, pc: 0x60)
        log.store(cpu: 0, 0x5000, pc: 0x64, moved: true)
        log.disable(globalTS: 1000)
        let (json, text) = try scan(log) { $0.analyses = [.serialSections] }
        let list = json.list("serial-sections")
        #expect(list.count == 3)
        let lock = list[0]
        #expect(lock.string("name") == "biglock" && lock.string("section-type") == "lock" && lock.string("lock") == "0x2000")
        #expect(lock.int("acquires") == 2 && lock.int("total-instructions") == 100 && lock.int("mismatches") == 1)
        #expect(lock.double("benchmark-fraction") == 0.1)
        #expect((lock["per-cpu-percent"] as? [NSNumber])?.map(\.doubleValue) == [40, 60])
        #expect(lock.int("coherence-miss") == 2)
        #expect(lock.list("coherence-miss-list").map { [$0.string("pc"), $0.int("count").map(String.init)] } == [["0x40", "2"]])
        #expect(list[1].string("section-type") == "instruction" && list[1].string("pc") == "0x60" && list[1].int("coherence-miss") == 1)
        #expect(list[2].string("pc") == "0x64")
        #expect(text.contains("biglock") && text.contains("10.00%"))
    }

    @Test func distinctLinesPerCallAndPerOperation() throws {
        var log = SpecLog()
        log.machine(cpus: 2)
        log.appdata(2)
        log.fcall(cpu: 0, tid: 1, pc: 0x7000, tag: 1, state: 1)
        log.load(cpu: 0, 0x100, moved: true)
        log.load(cpu: 0, 0x108, moved: true)
        log.store(cpu: 0, 0x140, moved: true)
        log.fcall(cpu: 0, tid: 1, pc: 0x7000, tag: 1, state: 5)
        log.load(cpu: 0, 0x200, moved: true)
        log.fcall(cpu: 0, tid: 1, pc: 0x7000, tag: 1, state: 4)
        log.load(cpu: 0, 0x180, moved: true)
        log.load(cpu: 0, 0x1c0)  // not moved
        log.fcall(cpu: 0, tid: 1, pc: 0x7000, tag: 1, state: 2)
        log.fcall(cpu: 1, tid: 2, pc: 0x7000, tag: 2, state: 1)
        log.store(cpu: 1, 0x100, moved: true)
        log.fcall(cpu: 1, tid: 2, pc: 0x7000, tag: 2, state: 3)
        log.fcall(cpu: 1, tid: 3, pc: 0x7100, tag: 3, state: 1)
        log.store(cpu: 1, 0x300, moved: true)
        log.store(cpu: 1, 0x340, moved: true)
        log.fcall(cpu: 1, tid: 3, pc: 0x7100, tag: 3, state: 2)
        log.appdata(4)
        let (json, text) = try scan(log) { $0.analyses = [.distinctOps] }
        let entries = json.list("distinct-per-entry")
        #expect(entries.map { $0.string("pc") ?? "outside" } == ["0x7000", "0x7100", "outside"])
        #expect(entries.map { $0.int("calls") } == [2, 1, 1])
        #expect(entries.map { $0.int("distinct") } == [4, 2, 1])
        #expect(entries.map { $0.double("ave") } == [2, 2, 1])
        #expect(entries[2].string("entry") == "(outside calls)")
        let perOp = json.dict("distinct-per-op")
        #expect(perOp.int("ops") == 4 && perOp.int("distinct") == 7 && perOp.double("ave") == 1.75)
        #expect(text.contains("7 lines / 4 ops = 1.75"))
    }

    @Test func callStacksOfAPC() throws {
        var log = SpecLog()
        log.call(cpu: 0, target: 0x9000, returnPC: 0x8004)
        log.call(cpu: 0, target: 0xa000, returnPC: 0x9008)
        log.load(cpu: 0, 0x100, pc: 0xa010)
        log.load(cpu: 0, 0x100, pc: 0xa010)
        log.call(cpu: 0, target: 0xa000, returnPC: 0x9008, isReturn: true)
        log.load(cpu: 0, 0x100, pc: 0xa010)
        log.load(cpu: 1, 0x100, pc: 0xa010)
        log.load(cpu: 1, 0x100, pc: 0xb000)
        // Inside an fcall, the stack is the fcall's, and it ends with it.
        log.fcall(cpu: 1, tid: 5, pc: 0x7000, tag: 5, state: 1)
        log.call(cpu: 1, target: 0xc000, returnPC: 0xb004)
        log.load(cpu: 1, 0x100, pc: 0xa010)
        log.fcall(cpu: 1, tid: 5, pc: 0x7000, tag: 5, state: 2)
        log.load(cpu: 1, 0x100, pc: 0xa010)
        let (json, text) = try scan(log) {
            $0.analyses = [.callStacks]
            $0.callStackPCs = [0xa010]
        }
        let stacks = json.list("call-stacks")
        #expect(stacks.map { $0.int("count") } == [2, 2, 1, 1])
        #expect(stacks.allSatisfy { $0.string("filter-pc") == "0xa010" })
        let targets = stacks.map { $0.list("call-stack").map { $0.string("target-pc")! } }
        // Ties in count go to the shorter (then lower) stack.
        #expect(targets == [[], ["0xa000", "0x9000"], ["0x9000"], ["0xc000"]])
        #expect(stacks[1].list("call-stack").first?.string("return-pc") == "0x9008")
        #expect(text.contains("#1 0x9000 called from 0x8004"))
    }

    @Test func checkGCReportsAccessesOutsideEpochs() throws {
        var log = SpecLog()
        log.gc("dentry", base: 0x6000, nbytes: 32)
        log.gcEpoch(cpu: 0, begin: true)
        log.load(cpu: 0, 0x6008, pc: 0x6c)
        log.gcEpoch(cpu: 0, begin: false)
        log.load(cpu: 0, 0x6008, pc: 0x70)
        log.load(cpu: 0, 0x6008, pc: 0x70)
        log.store(cpu: 1, 0x601c, 8, pc: 0x74)
        log.load(cpu: 1, 0x7000, pc: 0x78)
        // An epoch belongs to the thread: task 9 holds one on CPU 1, then runs on CPU 0.
        log.sched(cpu: 1, tid: 9)
        log.gcEpoch(cpu: 1, begin: true)
        log.sched(cpu: 0, tid: 9)
        log.load(cpu: 0, 0x6010, pc: 0x7c)
        let (json, text) = try scan(log) { $0.analyses = [.checkGC] }
        let reports = json.dict("checkgc").list("dentry")
        #expect(reports.count == 2)
        #expect(reports[0].int("count") == 2 && reports[0].dict("access").string("pc") == "0x70")
        #expect(reports[0].dict("access").string("access") == "read" && reports[0].string("object_base") == "0x6000")
        #expect(reports[1].dict("access").int("cpu") == 1 && reports[1].dict("access").string("access") == "write")
        #expect(reports[1].int("object_bytes") == 32)
        #expect(text.contains("dentry"))
    }

    @Test func cacheAssocUsesTheGivenGeometry() throws {
        var log = SpecLog()
        log.machine(cpus: 2)
        log.label("x", at: 0, bytes: 64)
        log.label("y", at: 0x80, bytes: 64)
        log.load(cpu: 0, 0x0)
        log.load(cpu: 0, 0x80)
        log.load(cpu: 0, 0x0)
        log.store(cpu: 0, 0x40)
        log.load(cpu: 1, 0x0)
        let (json, text) = try scan(log) {
            $0.analyses = [.cacheAssoc]
            for s in ["cache.sets=2", "cache.ways=1", "cache.replacement=lru"] { try $0.apply(setting: s) }
        }
        let sim = json.dict("cachesim_cpus")
        #expect(sim.dict("geometry").int("sets") == 2 && sim.dict("geometry").int("ways") == 1)
        #expect(sim.dict("geometry").string("replacement") == "lru")
        let cpu0 = sim.list("cpu0")
        #expect(cpu0.map { $0.int("set") } == [0, 1] && cpu0.map { $0.int("misses") } == [3, 1])
        #expect(cpu0[0].list("lines").map { $0.string("line") } == ["0x0", "0x80"])
        #expect(cpu0[0].list("lines").map { $0.int("misses") } == [2, 1])
        #expect(cpu0[0].list("lines")[0]["objects"] as? [String] == ["x"])
        #expect(sim.list("cpu1").map { $0.int("misses") } == [1])
        #expect(text.contains("x 2, y 1"))
    }

    @Test func settingsAreChecked() throws {
        var options = ScanOptions()
        #expect(options.geometry.sets == 512 && options.geometry.ways == 8 && options.replacement == .fifo)
        try options.apply(setting: "cache.line_size=128")
        try options.apply(setting: "cache.size=65536")
        #expect(options.geometry.lineSize == 128 && options.geometry.sets == 64)
        #expect(throws: ScanError.self) { try options.apply(setting: "cache.sets=3") }
        #expect(throws: ScanError.self) { try options.apply(setting: "system.cpus=4") }
        #expect(throws: ScanError.self) { try options.apply(setting: "cache.replacement=lfru") }
        #expect(throws: ScanError.self) { try options.apply(setting: "cache.ways") }
    }

    /// The way rule of a policy is `mtlab run`'s, in its words, whichever of ways and
    /// replacement comes last.
    @Test func policyWaysRuleIsTheConfigsRule() throws {
        var options = ScanOptions()
        try options.apply(setting: "cache.ways=12")
        #expect(throws: ScanError(message: "--set cache.replacement=plru: cache.ways must be a power of two ≤ 64 for plru replacement, got 12")) {
            try options.apply(setting: "cache.replacement=plru")
        }
        #expect(options.replacement == .fifo)
        try options.apply(setting: "cache.ways=16")
        try options.apply(setting: "cache.replacement=plru")
        #expect(throws: ScanError(message: "--set cache.ways=24: cache.ways must be a power of two ≤ 64 for plru replacement, got 24")) {
            try options.apply(setting: "cache.ways=24")
        }
        #expect(options.geometry.ways == 16 && options.replacement == .plru)
    }

    @Test func symbolsLabelAddressesAndNamePCs() throws {
        let elf = elfFile(symbols: [("worker", 0x10, 0x20, 2), ("counters", 0x1000, 16, 1), ("pcpu_var", 0x100, 8, 1),
                                    ("__per_cpu_start", 0x100, 0, 0), ("__per_cpu_end", 0x140, 0, 0), ("unsized", 0x3000, 0, 1)])
        var log = SpecLog()
        log.segment(cpu: 0, base: 0x20000, end: 0x20040)
        log.segment(cpu: 1, base: 0x30000, end: 0x30040)
        log.store(cpu: 0, 0x1008, pc: 0x14)
        log.load(cpu: 1, 0x1008, pc: 0x30)
        log.store(cpu: 0, 0x30004, 4, pc: 0x10)
        log.load(cpu: 1, 0x30004, 4, pc: 0x99)
        let (json, text) = try withScanFolder { folder -> ([String: Any], String) in
            try Data(elf).write(to: URL(fileURLWithPath: folder + "/prog.elf"))
            return try scan(log) {
                $0.analyses = [.sharedAddresses]
                $0.symbolsPath = folder + "/prog.elf"
            }
        }
        let list = json.list("shared-addresses")
        #expect(list.map { $0.string("label") } == ["counters+0x8", "pcpu_var@cpu1+0x4"])
        let pcs = list[0].list("count-per-pc")
        #expect(pcs.map { $0.string("info") } == ["worker+0x4", nil])
        #expect(list[1].list("count-per-pc").map { $0.string("info") } == ["worker", nil])
        #expect(text.contains("worker+0x4 ×1"))

        let symbols = try ScanSymbols(elf: elf, name: "prog.elf")
        #expect(symbols.objects.map(\.name) == ["pcpu_var", "counters"])
        #expect(symbols.perCPURange == 0x100..<0x140)
        #expect(symbols.describe(pc: 0x2f) == "worker+0x1f" && symbols.describe(pc: 0x30) == nil)
    }

    @Test func labelsComeAndGo() throws {
        var log = SpecLog()
        log.label("old", at: 0x100, bytes: 16)
        log.load(cpu: 0, 0x104)
        log.load(cpu: 1, 0x104)
        log.label("", at: 0x100, bytes: 0)
        log.label("new", at: 0x100, bytes: 16)
        log.load(cpu: 0, 0x104)
        log.load(cpu: 1, 0x104)
        log.label("blk", at: 0x1000, bytes: 4096, type: 2)
        log.label("inner", at: 0x1100, bytes: 8)
        log.load(cpu: 0, 0x1100)
        log.load(cpu: 1, 0x1100)
        log.load(cpu: 0, 0x1200)
        log.load(cpu: 1, 0x1200)
        log.label("", at: 0x9999, bytes: 0)
        let (json, _) = try scan(log) { $0.analyses = [.summary, .sharedAddresses] }
        let labels = json.list("shared-addresses").map { $0.string("label") }
        #expect(labels.sorted { ($0 ?? "") < ($1 ?? "") } == ["blk+0x200", "inner", "new+0x4", "old+0x4"])
        #expect(json.dict("summary").int("unmatched-unlabels") == 1)
    }
}
