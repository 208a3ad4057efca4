import Testing
@testable import MTrace

/// Every access of a source, read `batch` at a time.
private func drain(_ source: any TraceSource, batch: Int = 4096) throws -> [Access] {
    var source = source
    let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: batch)
    defer { buffer.deallocate() }
    var out: [Access] = []
    while true {
        let n = try source.read(into: buffer)
        if n == 0 { return out }
        out.append(contentsOf: buffer[0..<n])
    }
}

private func trace(_ spec: GeneratorSpec, cpus: Int, seed: UInt64 = 1, batch: Int = 4096) throws -> [Access] {
    try spec.validate()
    return try drain(spec.makeSource(cpus: cpus, seed: seed), batch: batch)
}

@Suite struct Generators {
    @Test(arguments: GeneratorKind.allCases) func deterministicInTheSeed(_ kind: GeneratorKind) throws {
        let spec = GeneratorSpec(kind: kind, operations: 500, workingSet: 4096, writeFraction: kind == .reference ? nil : 0.5)
        let a = try trace(spec, cpus: 3, seed: 7)
        #expect(a == (try trace(spec, cpus: 3, seed: 7)))
        // Batch boundaries must not matter, even a buffer smaller than one operation.
        #expect(a == (try trace(spec, cpus: 3, seed: 7, batch: 1)))
        #expect(a == (try trace(spec, cpus: 3, seed: 7, batch: 3)))
        #expect(a != (try trace(spec, cpus: 3, seed: 8)), "the seed must change the trace")
        #expect(spec.usesSeed(cpus: 3))
        #expect(a.allSatisfy { Int($0.cpu) < 3 && $0.kind.isDataAccess })
    }

    @Test func referenceIsTheSpecTrace() throws {
        var spec = SyntheticReferenceTrace(references: 3000, seed: 0x5EED)
        let expected = try drain(spec)
        _ = spec.next()
        #expect(try trace(GeneratorSpec(kind: .reference, operations: 3000), cpus: 1, seed: 0x5EED) == expected)
    }

    @Test func perCPUCountersArePackedOrPadded() throws {
        for stride in [8, 64] {
            let a = try trace(GeneratorSpec(kind: .perCPUCounters, operations: 100, stride: stride), cpus: 4)
            #expect(a.count == 800)
            for cpu in 0..<4 {
                let mine = a.filter { $0.cpu == cpu }
                #expect(mine.count == 200)
                #expect(mine.allSatisfy { $0.address == GeneratorSpec.baseAddress + UInt64(cpu * stride) && $0.size == 8 })
                // Load then store, operation after operation.
                #expect(mine.enumerated().allSatisfy { $1.kind == ($0 % 2 == 0 ? .load : .store) })
            }
        }
        // One CPU, every operation writing: no random draw at all, so seeds repeat the run.
        let one = GeneratorSpec(kind: .perCPUCounters, operations: 10)
        #expect(!one.usesSeed(cpus: 1))
        #expect(try trace(one, cpus: 1, seed: 1) == trace(one, cpus: 1, seed: 2))
    }

    @Test func sharedAndLockedCounters() throws {
        let shared = try trace(GeneratorSpec(kind: .sharedCounter, operations: 50), cpus: 2)
        #expect(shared.count == 100 && shared.allSatisfy { $0.kind == .atomic && $0.address == GeneratorSpec.baseAddress })
        let locked = try trace(GeneratorSpec(kind: .lockCounter, operations: 50, stride: 64), cpus: 2)
        #expect(locked.count == 400)
        for i in stride(from: 0, to: locked.count, by: 4) {
            let op = Array(locked[i..<i + 4])
            #expect(Set(op.map(\.cpu)).count == 1, "a critical section is never interleaved")
            #expect(op.map(\.kind) == [.atomic, .load, .store, .store])
            #expect(op.map(\.address) == [0x1000_0000, 0x1000_0040, 0x1000_0040, 0x1000_0000])
        }
        let reads = try trace(GeneratorSpec(kind: .lockCounter, operations: 50, writeFraction: 0), cpus: 2)
        #expect(reads.count == 300 && !reads.contains { $0.kind == .store && $0.address != GeneratorSpec.baseAddress })
    }

    @Test func regionsStayInTheirWorkingSets() throws {
        let ws = 4096 + 64  // rounds up to two pages per CPU
        let uniform = try trace(GeneratorSpec(kind: .uniform, operations: 2000, workingSet: ws), cpus: 3)
        for a in uniform {
            let start = GeneratorSpec.baseAddress + UInt64(a.cpu) * 8192
            #expect(a.address >= start && a.address + 8 <= start + UInt64(ws) && a.address % 8 == 0)
        }
        let writes = uniform.filter { $0.kind == .store }.count
        #expect(abs(Double(writes) / Double(uniform.count) - 0.3) < 0.05)

        let stream = try trace(GeneratorSpec(kind: .stream, operations: 10, accessSize: 16, stride: 32, workingSet: 96, writeFraction: 0), cpus: 1)
        #expect(stream.map { $0.address - GeneratorSpec.baseAddress } == [0, 32, 64, 0, 32, 64, 0, 32, 64, 0])

        let table = try trace(GeneratorSpec(kind: .readMostly, operations: 5000, workingSet: 1024), cpus: 4)
        #expect(table.allSatisfy { $0.address >= GeneratorSpec.baseAddress && $0.address < GeneratorSpec.baseAddress + 1024 })
        let tableWrites = table.filter { $0.kind == .store }.count
        #expect(tableWrites > 0 && tableWrites < 600, "about 1% of 20000 operations write")
    }

    @Test func writeFractionIsExactAtTheEnds() throws {
        let none = try trace(GeneratorSpec(kind: .uniform, operations: 1000, workingSet: 512, writeFraction: 0), cpus: 2)
        #expect(!none.contains { $0.kind == .store })
        let all = try trace(GeneratorSpec(kind: .uniform, operations: 1000, workingSet: 512, writeFraction: 1), cpus: 2)
        #expect(all.allSatisfy { $0.kind == .store })
    }

    @Test func invalidParametersNameTheirKey() {
        func failure(_ spec: GeneratorSpec) -> GeneratorError? {
            do { try spec.validate(); return nil } catch { return error as? GeneratorError }
        }
        #expect(failure(GeneratorSpec(kind: .uniform, operations: 0))?.parameter == .operations)
        #expect(failure(GeneratorSpec(kind: .perCPUCounters, stride: 4))?.parameter == .stride)
        #expect(failure(GeneratorSpec(kind: .lockCounter, stride: 4))?.description.contains("lock and the counter") == true)
        #expect(failure(GeneratorSpec(kind: .uniform, workingSet: 100))?.parameter == .workingSet)
        #expect(failure(GeneratorSpec(kind: .stream, accessSize: 5000))?.parameter == .accessSize)
        #expect(failure(GeneratorSpec(kind: .stream, writeFraction: 1.5))?.parameter == .writeFraction)
        // Parameters a generator does not read are not checked.
        #expect(failure(GeneratorSpec(kind: .sharedCounter, stride: 1, workingSet: 3)) == nil)
    }
}
