import CPUModel
import MTrace
import Testing

/// What reaches the trace sink: one access per load, store, AMO, LR and successful SC,
/// with hart, pc, address, size and kind; fetches on request; devices never.
@Suite struct TracingTests {
    static let source = """
        .section .text.init, "ax"
        .globl _start
        .option norvc
    _start:
        la s0, data
    l1: ld a0, 0(s0)
    l2: sw a0, 12(s0)
    l3: lb a1, 3(s0)
        li a2, 1
    l4: amoadd.w a3, a2, (s0)
    l5: lr.d a4, (s0)
    l6: sc.d a5, a2, (s0)
    l7: sc.d a5, a2, (s0)        /* fails: not traced */
    l8: sh a2, 33(s0)            /* misaligned, but completes */
        li t0, 0x100000          /* the finisher store is MMIO: not traced */
        li t1, 0x5555
        sw t1, 0(t0)

        .data
        .align 6
    data:
        .skip 64
    """

    func elf() throws -> (path: String, image: ELFImage) {
        let path = try Guests.build(source: TracingTests.source, name: "tracing")
        return (path, try ELFImage(contentsOf: path))
    }

    @Test func dataAccessesAreTracedExactly() throws {
        let (path, image) = try elf()
        let sink = CollectingSink()
        let (result, _) = try Guests.run(path, MachineConfiguration(traceBatchSize: 3), trace: sink)
        #expect(result.outcome == .passed)
        let data = try #require(image.address(of: "data"))
        func pc(_ label: String) -> UInt64 { image.address(of: label) ?? 0 }
        let expected = [
            Access(cpu: 0, kind: .load, address: data, size: 8, pc: pc("l1")),
            Access(cpu: 0, kind: .store, address: data + 12, size: 4, pc: pc("l2")),
            Access(cpu: 0, kind: .load, address: data + 3, size: 1, pc: pc("l3")),
            Access(cpu: 0, kind: .atomic, address: data, size: 4, pc: pc("l4"), flags: .locked),
            Access(cpu: 0, kind: .atomic, address: data, size: 8, pc: pc("l5"), flags: .locked),
            Access(cpu: 0, kind: .atomic, address: data, size: 8, pc: pc("l6"), flags: .locked),
            Access(cpu: 0, kind: .store, address: data + 33, size: 2, pc: pc("l8")),
        ]
        #expect(sink.accesses == expected)
        #expect(sink.batches == 3) // 3 + 3 + the final partial batch of 1
        #expect(result.tracedAccesses == 7)
    }

    @Test func fetchesAreTracedWhenAsked() throws {
        let (path, _) = try elf()
        let sink = CollectingSink()
        let (result, _) = try Guests.run(path, MachineConfiguration(traceFetches: true), trace: sink)
        let fetches = sink.accesses.filter { $0.kind == .fetch }
        #expect(UInt64(fetches.count) == result.totalInstructions)
        #expect(fetches.first?.address == 0x8000_0000)
        #expect(fetches.allSatisfy { $0.size == 4 && $0.pc == $0.address })
        #expect(sink.accesses.count == fetches.count + 7)
    }

    @Test func sinkErrorsEndTheRunAndAreRethrown() throws {
        struct Refused: Error {}
        final class RefusingSink: AccessSink {
            func consume(_ accesses: UnsafeBufferPointer<Access>) throws { throw Refused() }
        }
        let (_, image) = try elf()
        let machine = try Machine(configuration: MachineConfiguration(traceBatchSize: 2), program: image)
        #expect(throws: Refused.self) { _ = try machine.run(trace: RefusingSink()) }
        #expect(throws: Refused.self) { _ = try machine.run() }
    }

    @Test func untracedAndTracedRunsAgree() throws {
        let elf = try Guests.build(["tests/hello.c"], runtime: true, name: "hello_traced")
        let (plain, _) = try Guests.run(elf)
        let sink = CountingSink()
        let (traced, _) = try Guests.run(elf, trace: sink)
        #expect(plain.console == traced.console)
        #expect(plain.instructions == traced.instructions)
        #expect(sink.count == traced.tracedAccesses)
        #expect(sink.count > 100)
    }
}
