import CPUModel
import MTrace
import Testing

/// One stream of what the machine hands out: access batches and annotation records, in order.
final class StreamSink: AccessSink, AnnotationSink {
    enum Event: Equatable {
        case access(Access)
        case annotation(AnnotationRecord)
    }
    var events: [Event] = []
    var accesses: [Access] { events.compactMap { if case .access(let a) = $0 { return a } else { return nil } } }
    var records: [AnnotationRecord] {
        events.compactMap { if case .annotation(let r) = $0 { return r } else { return nil } }
    }
    func consume(_ accesses: UnsafeBufferPointer<Access>) throws { events += accesses.map(Event.access) }
    func annotate(_ record: AnnotationRecord) throws { events.append(.annotation(record)) }
}

/// The magic instruction: recording control by host entries, appdata, stamped records in
/// access order, and malformed requests.
@Suite struct AnnotationTests {
    /// Two harts count into their own (padded) counters inside mtenable/mtdisable, then
    /// register one entry of every kind.
    static let guest = """
        #include "runtime.h"
        #include "mtrace.h"
        static volatile long before, counters[2][8], after;
        static barrier_t barrier;
        int main(unsigned hart) {
            before++;
            barrier_wait(&barrier, 2);
            if (hart == 0) mtenable("counting");
            barrier_wait(&barrier, 2);
            for (int i = 0; i < 100; i++) counters[hart][0]++;
            barrier_wait(&barrier, 2);
            if (hart == 0) mtdisable("counting");
            mtops(100);
            if (hart == 0) {
                after++;
                mtlabel(mtrace_label_static, (void *)counters, sizeof counters, "counters");
                mtunlabel(mtrace_label_static, (void *)counters);
                mtlock(&barrier); mtacquired(&barrier); mtunlock(&barrier);
                mtstart(1, 7, 0); mtpause(1, 7); mtresume(1, 7); mtstop(1, 7);
                mtascope_enter("scope"); mtavar_read("x"); mtavar_write("x"); mtascope_exit("scope");
                mtrace_task_register(1, 1, mtrace_task_init, "task");
                mtrace_sched_record(1);
                mtrace_segment_register(0x80000000, 0x80001000, mtrace_label_static, 0);
                mtgcregister(counters, 16, "gc"); mtgcdead(counters); mtrcubegin(); mtrcuend();
            }
            barrier_wait(&barrier, 2);
            return 0;
        }
        """

    func run(_ configuration: MachineConfiguration = MachineConfiguration(harts: 2)) throws
        -> (RunResult, StreamSink, ELFImage) {
        let elf = try Guests.build(source: AnnotationTests.guest, name: "annotated", suffix: "c", runtime: true)
        let image = try ELFImage(contentsOf: elf)
        let sink = StreamSink()
        let machine = try Machine(configuration: configuration, program: image)
        let result = try machine.run(trace: sink, annotations: sink)
        return (result, sink, image)
    }

    @Test func recordingFollowsHostEntries() throws {
        let (result, sink, image) = try run()
        #expect(result.outcome == .passed, "\(result.outcome) \(result.consoleText)")
        #expect(result.usesAnnotations)
        #expect(result.traceName == "counting")
        #expect(result.operations == 200)
        let counters = try #require(image.address(of: "counters"))
        let before = try #require(image.address(of: "before")), after = try #require(image.address(of: "after"))
        let accesses = sink.accesses
        #expect(UInt64(accesses.count) == result.tracedAccesses)
        // Only the counted region: no access to `before` or `after`, 100 load + store pairs per hart.
        #expect(!accesses.contains { $0.address == before || $0.address == after })
        for hart in 0..<2 {
            let mine = accesses.filter { $0.cpu == hart && $0.address == counters + UInt64(64 * hart) }
            #expect(mine.count == 200)
        }
        // The measured region holds no stores of annotation entries (the host entries are constants).
        #expect(accesses.count < 600, "\(accesses.count)")
    }

    @Test func recordsAreStampedAndOrderedByAccessCount() throws {
        let (_, sink, _) = try run()
        var seen: UInt64 = 0
        var lastTimestamp: [UInt16: UInt64] = [:]
        for event in sink.events {
            switch event {
            case .access: seen += 1
            case .annotation(let record):
                #expect(record.accessCount == seen, "\(record.type)")
                #expect(record.timestamp >= lastTimestamp[record.cpu] ?? 0)
                lastTimestamp[record.cpu] = record.timestamp
                #expect(record.bytes.count == record.type.recordSize)
            }
        }
        let records = sink.records
        let types = records.map(\.type)
        #expect(types.first == .host)
        #expect(records.first?.accessCount == 0)
        #expect(records.first?.cpu == 0)
        #expect(types.filter { $0 == .appdata }.count == 2)
        #expect(Set(records.filter { $0.type == .appdata }.map(\.cpu)) == [0, 1])
        #expect(Set(types) == [.host, .appdata, .label, .lock, .fcall, .ascope, .avar, .task, .sched, .segment,
                               .gc, .gcEpoch])
        // Header stamps and payload fields at the spec's offsets.
        let enable = records[0].bytes
        #expect(enable[0..<4] == [3, 0, 0, 0])
        #expect(enable[4..<6] == [108, 0])
        #expect(records[0].string(at: 40, length: 64) == "counting")
        #expect(records[0].field(at: 36, as: UInt32.self) == 1)
        let label = try #require(records.first { $0.type == .label })
        #expect(label.string(at: 36, length: 64) == "counters")
        #expect(label.field(at: 24, as: UInt64.self) == label.field(at: 100, as: UInt64.self)) // host_addr stamped
        #expect(label.field(at: 108, as: UInt64.self) == 128)
        let locks = records.filter { $0.type == .lock }
        #expect(locks.map { $0.field(at: 104, as: UInt32.self) } == [1, 2, 3])
        #expect(locks.first?.string(at: 40, length: 64) == "&barrier")
        #expect(records.filter { $0.type == .fcall }.map { $0.field(at: 50, as: UInt32.self) } == [1, 5, 4, 2])
    }

    @Test func recordingDoesNotChangeTheInterleaving() throws {
        let (annotated, _, _) = try run(MachineConfiguration(harts: 2, quantum: 37, quantumJitter: 11, seed: 5))
        let (whole, sink, _) = try run(MachineConfiguration(harts: 2, quantum: 37, quantumJitter: 11, seed: 5,
                                                            recording: .enabled))
        #expect(annotated.instructions == whole.instructions)
        #expect(whole.tracedAccesses > annotated.tracedAccesses)
        #expect(sink.records.first?.accessCount ?? 0 > 0)
        let elf = try Guests.build(source: AnnotationTests.guest, name: "annotated", suffix: "c", runtime: true)
        let untraced = try Machine(configuration: MachineConfiguration(harts: 2, quantum: 37, quantumJitter: 11, seed: 5),
                                   program: ELFImage(contentsOf: elf)).run()
        #expect(untraced.instructions == annotated.instructions)
        #expect(untraced.operations == 200)
    }

    @Test func guestsWithoutAnnotationsAreRecordedWhole() throws {
        let elf = try Guests.build(["tests/hello.c"], runtime: true, name: "hello_unannotated")
        let image = try ELFImage(contentsOf: elf)
        let machine = try Machine(program: image)
        let sink = CountingSink()
        let result = try machine.run(trace: sink)
        #expect(!result.usesAnnotations)
        #expect(result.tracedAccesses > 100)
        #expect(!image.codeRanges.isEmpty)
    }

    /// A bare program that registers one entry: `setup` fills memory at `entry` (a 128-byte
    /// buffer) and the registers; then the magic instruction.
    func register(_ name: String, _ setup: String) throws -> RunResult {
        let source = """
            .section .text.init, "ax"
            .globl _start
            .option norvc
        _start:
            la a1, entry
        \(setup)
        magic:
            .insn i 0x0b, 0, x0, x0, 0
            li t0, 0x100000
            li t1, 0x5555
            sw t1, 0(t0)
            .data
            .align 3
        entry:
            .skip 128
        """
        let elf = try Guests.build(source: source, name: "magic_" + name)
        let machine = try Machine(configuration: MachineConfiguration(maxInstructions: 10_000),
                                  program: ELFImage(contentsOf: elf))
        return try machine.run(trace: CountingSink(), annotations: AnnotationList())
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        var name: String
        var setup: String
        var expected: String
        var testDescription: String { name }
    }

    static let malformed: [Malformed] = [
        Malformed(name: "unknown request", setup: "li a0, 2\nli a2, 11\nli a3, 34", expected: "a0 = 2 is not a request"),
        Malformed(name: "unknown type", setup: "li a0, 1\nli a2, 16\nli a3, 34", expected: "entry type a2 = 16 is unknown"),
        Malformed(name: "type 0", setup: "li a0, 1\nli a2, 0\nli a3, 34", expected: "entry type a2 = 0 is unknown"),
        Malformed(name: "access entry", setup: "li a0, 1\nli a2, 2\nli a3, 54", expected: "type 2 (access) is recorded by mtlab itself"),
        Malformed(name: "short length", setup: "li a0, 1\nli a2, 11\nli a3, 33",
                  expected: "length a3 = 33 is wrong for a appdata entry (type 11), which is 34 bytes"),
        Malformed(name: "long length", setup: "li a0, 1\nli a2, 3\nli a3, 200", expected: "length a3 = 200 is wrong for a host entry"),
        Malformed(name: "outside RAM", setup: "li a0, 1\nli a1, 0x1000\nli a2, 11\nli a3, 34",
                  expected: "the appdata entry at a1 = 0x00001000 (34 bytes) does not lie in RAM"),
        Malformed(name: "bad host type", setup: "li t0, 9\nsw t0, 24(a1)\nli a0, 1\nli a2, 3\nli a3, 108",
                  expected: "host_type 9 at offset 24 is not one of"),
        Malformed(name: "bad record mode", setup: "li t0, 1\nsw t0, 24(a1)\nli t0, 7\nsw t0, 36(a1)\nli a0, 1\nli a2, 3\nli a3, 108",
                  expected: "mode 7 at offset 36"),
        Malformed(name: "ascope mode", setup: "li t0, 1\nsw t0, 24(a1)\nli t0, 2\nsw t0, 36(a1)\nli a0, 1\nli a2, 3\nli a3, 108",
                  expected: "record mode 2 (ascope) is not supported"),
        Malformed(name: "call tracing of no hart", setup: "li t0, 3\nsw t0, 24(a1)\nli t0, 1\nsd t0, 36(a1)\nli a0, 1\nli a2, 3\nli a3, 108",
                  expected: "call tracing names cpu 1, but the machine has harts 0…0"),
        Malformed(name: "bad label type", setup: "li a0, 1\nli a2, 1\nli a3, 124", expected: "label_type 0 at offset 32"),
        Malformed(name: "bad lock op", setup: "li a0, 1\nli a2, 7\nli a3, 109", expected: "op 0 at offset 104"),
        Malformed(name: "unterminated name",
                  setup: "li t0, -1\naddi t1, a1, 25\naddi t2, a1, 89\n1: sb t0, 0(t1)\naddi t1, t1, 1\nbne t1, t2, 1b\nsb zero, 24(a1)\nli a0, 1\nli a2, 13\nli a3, 89",
                  expected: "name at offset 25 is not NUL-terminated within its 64 bytes"),
    ]

    @Test(arguments: malformed) func malformedEntriesEndTheRunNamingHartPCAndCause(_ bad: Malformed) throws {
        let result = try register(bad.name.replacingOccurrences(of: " ", with: "_"), bad.setup)
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.hart == 0)
        #expect(fault.pc > 0x8000_0000)
        #expect(fault.description.hasPrefix("hart 0 pc \(String(format: "0x%08llx", fault.pc)): "), "\(fault)")
        #expect(fault.description.contains("malformed mtrace annotation: "), "\(fault)")
        #expect(fault.description.contains(bad.expected), "\(fault)")
    }

    @Test func wellFormedEntryPasses() throws {
        let result = try register("appdata", "li t0, 5\nsd t0, 26(a1)\nli a0, 1\nli a2, 11\nli a3, 34")
        #expect(result.outcome == .passed)
        #expect(result.operations == 5)
        #expect(result.annotations == 1)
    }

    @Test func otherCustom0EncodingsAreIllegal() throws {
        let source = """
            .section .text.init, "ax"
            .globl _start
        _start:
            .word 0x0000100b
        """
        let (result, _) = try Guests.run(try Guests.build(source: source, name: "custom0_other"))
        guard case .fault(let fault) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)"); return
        }
        #expect(fault.cause == .illegalInstruction)
        #expect(fault.description.contains("mtrace magic instruction is exactly 0x0000000b"), "\(fault)")
        #expect(fault.description.contains("mtvec is 0"))
    }

    /// Each annotation names its own site: the label, lock and fcall records made in two
    /// functions carry pcs inside those functions, all different, and one made in main a pc
    /// in main (not main's return address in crt0, for every site alike).
    @Test func annotationsNameTheirOwnSite() throws {
        let source = """
            #include "runtime.h"
            #include "mtrace.h"
            static volatile long a, b;
            __attribute__((noinline)) void first(void) {
                mtlabel(mtrace_label_heap, (void *)&a, sizeof a, "a");
                mtlock(&a);
                mtstart(1, 1, 0);
            }
            __attribute__((noinline)) void second(void) {
                mtlabel(mtrace_label_heap, (void *)&b, sizeof b, "b");
                mtlock(&b);
                mtresume(2, 2);
            }
            int main(unsigned hart) {
                first();
                second();
                mtunlock(&a);
                return 0;
            }
            """
        let elf = try Guests.build(source: source, name: "annotation_sites", suffix: "c", runtime: true)
        let image = try ELFImage(contentsOf: elf)
        let sink = StreamSink()
        let result = try Machine(program: image).run(trace: sink, annotations: sink)
        #expect(result.outcome == .passed, "\(result.outcome)")
        let pcs = sink.records.compactMap { record -> UInt64? in
            switch record.type {
            case .label: return record.field(at: 116, as: UInt64.self)
            case .lock: return record.field(at: 24, as: UInt64.self)
            case .fcall: return record.field(at: 32, as: UInt64.self)
            default: return nil
            }
        }
        let functions = pcs.map { image.symbols.containing($0)?.symbol.name ?? "?" }
        #expect(functions == ["first", "first", "first", "second", "second", "second", "main"], "\(functions)")
        #expect(Set(pcs).count == pcs.count, "every site has its own pc: \(pcs.map { String($0, radix: 16) })")
    }

    /// mtrec/mtign: calls and returns of the hart become call records, in access order.
    @Test func callRecordsFollowCallTracing() throws {
        let source = """
            #include "runtime.h"
            #include "mtrace.h"
            static volatile long sink;
            __attribute__((noinline)) long leaf(long x) { sink = x; return x + 1; }
            __attribute__((noinline)) long outer(long x) { return leaf(x) * 2; }
            int main(unsigned hart) {
                mtenable("calls");
                mtrec(MTRACE_CPU_SELF);
                long r = outer(20);
                mtign(MTRACE_CPU_SELF);
                r += outer(1);
                mtdisable("calls");
                return r == 46 ? 0 : 1;
            }
            """
        let elf = try Guests.build(source: source, name: "call_records", suffix: "c", runtime: true)
        let image = try ELFImage(contentsOf: elf)
        let sink = StreamSink()
        let result = try Machine(program: image).run(trace: sink, annotations: sink)
        #expect(result.outcome == .passed, "\(result.outcome)")
        let calls = sink.records.filter { $0.type == .call }
        let outer = try #require(image.address(of: "outer")), leaf = try #require(image.address(of: "leaf"))
        // outer(20) calls leaf and both return; the second outer runs with call tracing off.
        let shape = calls.map { record -> String in
            let target = record.field(at: 24, as: UInt64.self)
            let name = target == outer ? "outer" : target == leaf ? "leaf" : image.symbols.containing(target)?.symbol.name ?? "?"
            return (record.field(at: 40, as: UInt32.self) == 1 ? "ret to " : "call ") + name
        }
        #expect(shape == ["call outer", "call leaf", "ret to outer", "ret to main"], "\(shape)")
        let firstCall = try #require(calls.first)
        #expect(firstCall.field(at: 32, as: UInt64.self) == firstCall.pc + 4 || firstCall.field(at: 32, as: UInt64.self) == firstCall.pc + 2)
        #expect(calls.allSatisfy { $0.bytes.count == 44 })
        var seen: UInt64 = 0
        for event in sink.events {
            switch event {
            case .access: seen += 1
            case .annotation(let record): #expect(record.accessCount == seen)
            }
        }
        // Without an annotation sink nothing changes in the run.
        let plain = try Machine(program: image).run(trace: CountingSink())
        #expect(plain.instructions == result.instructions)
        #expect(plain.tracedAccesses == result.tracedAccesses)
    }
}
