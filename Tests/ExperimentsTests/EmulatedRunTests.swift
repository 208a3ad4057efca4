import CPUModel
import Coherence
import MTrace
import Foundation
import Testing
@testable import Experiments

/// Emulated workloads end to end through the Runner: the workloads' sharing patterns,
/// determinism, jitter, recording, and every kind of bad program.
@Suite struct EmulatedRuns {
    typealias F = GuestFixtures

    func falselySharedLines(_ outcome: CompletedRun) -> [LineSummary] {
        outcome.result.lines.filter(\.isFalselyShared)
    }

    /// The pair the README shows: packed counters share a line falsely; padded ones share nothing.
    @Test func perCPUCountersPackedAndPadded() throws {
        let packed = try F.run(try F.workload("per_cpu_counters.c", cflags: "-DITERATIONS=300"))
        let padded = try F.run(try F.workload("per_cpu_counters.c", cflags: "-DITERATIONS=300 -DPADDED"))
        for outcome in [packed, padded] {
            let guest = try #require(outcome.guest)
            #expect(guest.succeeded, "\(guest.message)")
            #expect(guest.usesAnnotations && guest.traceName == "per-cpu-counters")
            #expect(guest.operations == 1200)
            #expect(!outcome.isPartial)
        }
        let shared = falselySharedLines(packed)
        #expect(shared.count == 1)
        #expect(shared.first?.falseSharingMisses ?? 0 > 1000)
        #expect(packed.result.totals.falseSharingMisses == shared.first?.falseSharingMisses)
        #expect(falselySharedLines(padded).isEmpty)
        #expect(padded.result.totals.falseSharingMisses == 0)
        #expect(padded.result.totals.coherenceMisses < 10)
    }

    /// The bug fixed by a layout change: the same program, falsely shared lines or none.
    @Test func bucketLocksPackedAndPadded() throws {
        let packed = try F.run(try F.workload("bucket_locks.c", cflags: "-DOPERATIONS=200"))
        let padded = try F.run(try F.workload("bucket_locks.c", cflags: "-DOPERATIONS=200 -DPADDED"))
        #expect(packed.guest?.succeeded == true && padded.guest?.succeeded == true)
        #expect(falselySharedLines(packed).count >= 4)
        #expect(packed.result.totals.falseSharingMisses > 100)
        #expect(falselySharedLines(padded).isEmpty)
        #expect(padded.result.totals.falseSharingMisses == 0)
    }

    @Test func sameConfigAndSeedGiveIdenticalReports() throws {
        let config = try F.workload("spinlock.c", cflags: "-DITERATIONS=40", machine: "quantum = 7\njitter = 5")
        let first = JSONReport.render(try F.run(config), top: 20)
        let second = JSONReport.render(try F.run(config), top: 20)
        #expect(first == second)
        #expect(first.contains("\"guest\": {"))
    }

    @Test func jitterSeedsChangeInterleavings() throws {
        func run(seed: Int, jitter: Int) throws -> (instructions: [UInt64], accesses: UInt64) {
            var config = try F.workload("spinlock.c", cflags: "-DITERATIONS=40", machine: "quantum = 8\njitter = \(jitter)")
            config.seed = UInt64(seed)
            let outcome = try F.run(config)
            #expect(outcome.guest?.succeeded == true)
            return (outcome.guest?.instructions ?? [], outcome.result.totals.accesses)
        }
        let base = try run(seed: 1, jitter: 6)
        #expect(try run(seed: 1, jitter: 6) == base)
        let others = try [2, 3, 4].map { try run(seed: $0, jitter: 6) }
        #expect(others.contains { $0 != base }, "jitter made no difference")
        #expect(try run(seed: 1, jitter: 0) == run(seed: 2, jitter: 0), "without jitter the seed must not matter")
    }

    @Test func guestsWithoutAnnotationsAreRecordedWhole() throws {
        let outcome = try F.run(try F.config("guest = \"\(F.guests)/tests/hello.c\"", cpus: 1))
        let guest = try #require(outcome.guest)
        #expect(guest.succeeded)
        #expect(!guest.usesAnnotations && guest.annotations == 0 && guest.operations == 0)
        #expect(guest.recordedAccesses == outcome.workloadAccesses)
        #expect(outcome.result.totals.accesses >= guest.recordedAccesses)
        let text = TextReport.render(outcome, top: 3)
        #expect(text.contains("(no annotations: the whole run)"))
        #expect(!text.contains("PARTIAL"))
    }

    @Test func consoleOutputIsStreamed() throws {
        final class Bytes: @unchecked Sendable { var data: [UInt8] = [] }
        let bytes = Bytes()
        var options = F.options
        options.console = { bytes.data.append($0) }
        let outcome = try Runner.run(try F.config("guest = \"\(F.guests)/tests/hello.c\"", cpus: 1), emulator: options)
        #expect(outcome.guest?.succeeded == true)
        #expect(String(decoding: bytes.data, as: UTF8.self).hasPrefix("hello from hart 0\n"))
    }

    /// The hook a log writer uses: one object, both sinks, one ordered stream.
    @Test func annotationsAndAccessesReachAnObserverInOrder() throws {
        final class Stream: AccessSink, AnnotationSink {
            var accesses: UInt64 = 0
            var records: [AnnotationRecord] = []
            var disordered = 0
            func consume(_ batch: UnsafeBufferPointer<MTrace.Access>) throws { accesses += UInt64(batch.count) }
            func annotate(_ record: AnnotationRecord) throws {
                if record.accessCount != accesses { disordered += 1 }
                records.append(record)
            }
        }
        let stream = Stream()
        var options = F.options
        options.annotations = stream
        options.accessObserver = stream
        let outcome = try Runner.run(try F.workload("spinlock.c", cflags: "-DITERATIONS=20"), emulator: options)
        #expect(outcome.guest?.succeeded == true)
        #expect(stream.accesses == outcome.workloadAccesses)
        #expect(stream.disordered == 0)
        #expect(UInt64(stream.records.count) == outcome.guest?.annotations)
        #expect(stream.records.filter { $0.type == .lock }.count == 4 * 20 * 3)
        #expect(stream.records.first?.type == .host)
    }

    // MARK: Bad programs

    func workloadError(_ config: RunConfiguration, sourceLocation: SourceLocation = #_sourceLocation) -> WorkloadError? {
        do {
            _ = try F.run(config)
            Issue.record("expected a WorkloadError", sourceLocation: sourceLocation)
        } catch let e as WorkloadError {
            return e
        } catch {
            Issue.record("expected a WorkloadError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    func patchedELF(_ name: String, _ patch: (inout [UInt8]) -> Void) throws -> String {
        let good = try F.bareELF("patch_base", "j _start")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        patch(&bytes)
        let path = F.scratch + "/\(name).elf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func nonRISCVAnd32BitELFsAreRefused() throws {
        let x86 = try patchedELF("x86") { $0[18] = 62; $0[19] = 0 }
        let e = workloadError(try F.config("elf = \"\(x86)\"", cpus: 1))
        #expect(e?.key == "workload.elf")
        #expect(e?.description.contains("not a RISC-V executable (e_machine 62, x86-64") == true, "\(String(describing: e))")
        let narrow = try patchedELF("elf32") { $0[4] = 1 }
        #expect(workloadError(try F.config("elf = \"\(narrow)\"", cpus: 1))?.description.contains("32-bit ELF") == true)
        let missing = workloadError(try F.config("elf = \"\(F.scratch)/nowhere.elf\"", cpus: 1))
        #expect(missing?.description.contains("cannot open") == true)
    }

    @Test func segmentOutsideRAMNamesTheRAMSize() throws {
        let e = workloadError(try F.config("guest = \"\(F.guests)/tests/hello.c\"", cpus: 1, extra: "[machine]\nram = 65536\n"))
        #expect(e?.description.contains("lies outside RAM") == true, "\(String(describing: e))")
        #expect(e?.description.contains("(machine.ram is 65536 bytes)") == true)
    }

    @Test func compileErrorsNameTheSourceAndTheError() throws {
        let source = try F.source("broken", "int main(unsigned h) { return not_declared; }\n")
        let e = workloadError(try F.config("guest = \"\(source)\"", cpus: 1))
        #expect(e?.key == "workload.guest")
        #expect(e?.description.contains("does not compile") == true)
        #expect(e?.description.contains("not_declared") == true, "\(String(describing: e))")
        let outside = workloadError(try F.config("guest = \"\(F.scratch)/stray.c\"", cpus: 1))
        #expect(outside?.description.contains("no such file") == true)
    }

    /// A guest that does not end well: reported, with partial counters.
    func failedGuest(_ config: RunConfiguration, _ ending: GuestSummary.Ending,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> GuestSummary {
        let outcome = try F.run(config)
        let guest = try #require(outcome.guest, sourceLocation: sourceLocation)
        #expect(guest.ending == ending, "\(guest.message)", sourceLocation: sourceLocation)
        #expect(outcome.isPartial && !guest.succeeded, sourceLocation: sourceLocation)
        #expect(TextReport.render(outcome, top: 1).hasPrefix("config"), sourceLocation: sourceLocation)
        #expect(TextReport.render(outcome, top: 1).contains("PARTIAL: the guest did not finish"), sourceLocation: sourceLocation)
        #expect(JSONReport.render(outcome, top: 1).contains("\"partial\": true"), sourceLocation: sourceLocation)
        return guest
    }

    @Test func illegalInstructionWithoutHandler() throws {
        let elf = try F.bareELF("illegal", "nop\n.word 0xffffffff")
        let guest = try failedGuest(try F.config("elf = \"\(elf)\"", cpus: 1), .fault)
        #expect(guest.message == "hart 0 pc 0x80000004 (_start+0x4): illegal instruction 0xffffffff (no trap handler: mtvec is 0)")
        #expect(guest.exitCode == nil)
    }

    @Test func writeToUnmappedAddress() throws {
        let elf = try F.bareELF("unmapped", "li t0, 0x40000000\nsd zero, 8(t0)")
        let guest = try failedGuest(try F.config("elf = \"\(elf)\"", cpus: 2), .fault)
        #expect(guest.message.hasPrefix("hart 0 pc 0x80000004 (_start+0x4): store/AMO access fault at 0x40000008"), "\(guest.message)")
    }

    @Test func neverEndingGuestStopsAtTheLimit() throws {
        let elf = try F.bareELF("forever", "1: addi a0, a0, 1\nj 1b")
        let guest = try failedGuest(try F.config("elf = \"\(elf)\"", cpus: 2, extra: "[machine]\nmax_instructions = 10000\n"),
                                    .instructionLimit)
        #expect(guest.totalInstructions == 10000)
        #expect(guest.message.hasPrefix("the guest did not end within machine.max_instructions = 10000 instructions; it was at hart 0 pc 0x8000000"), "\(guest.message)")
        // Each pc is named by its symbol: `(_start)` at its first byte, `(_start+0x8)` further in.
        #expect(guest.message.contains(try Regex(#"hart 0 pc 0x[0-9a-f]+ \(_start(\+0x[0-9a-f]+)?\)"#)))
        #expect(guest.message.contains(", hart 1 pc "))
    }

    @Test func runtimeTrapHandlerFailureQuotesTheConsole() throws {
        let source = try F.source("traps", """
            #include "runtime.h"
            int main(unsigned h) { __asm__ volatile(".word 0xffffffff"); return 0; }
            """)
        let guest = try failedGuest(try F.config("guest = \"\(source)\"", cpus: 1), .failed)
        #expect(guest.exitCode == 0x7f)
        #expect(guest.message.hasPrefix("the guest exited with code 127; its last console line: unhandled trap on hart 0: mcause 2"), "\(guest.message)")
    }

    @Test func malformedAnnotationIsAFault() throws {
        let source = try F.source("bad_annotation", """
            #include "runtime.h"
            #include "mtrace.h"
            int main(unsigned h) {
                struct mtrace_appdata_entry entry = {0};
                mtrace_entry_register(&entry, mtrace_entry_appdata, sizeof(entry) + 1);
                return 0;
            }
            """)
        let guest = try failedGuest(try F.config("guest = \"\(source)\"", cpus: 1), .fault)
        #expect(guest.message.contains("(main+0x"), "\(guest.message)")
        #expect(guest.message.contains("malformed mtrace annotation: length a3 = 35 is wrong for a appdata entry (type 11), which is 34 bytes"))
    }

    /// An ELF program whose header fields overflow arithmetic: one clear error naming the field.
    @Test func runNamesTheBadProgramHeaderField() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try GuestFixtures.bareELF("phoff_base", "j _start"))))
        for i in 0..<8 { bytes[32 + i] = 0xFF }  // e_phoff = 0xffffffffffffffff
        let path = GuestFixtures.scratch + "/phoff.elf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try GuestFixtures.run(try GuestFixtures.config("elf = \"\(path)\"", cpus: 1))
            Issue.record("expected an error")
        } catch let error as WorkloadError {
            #expect(error.key == "workload.elf")
            #expect(error.description.contains("the program header table (e_phoff 0xffffffffffffffff"), "\(error)")
        }
    }
}
