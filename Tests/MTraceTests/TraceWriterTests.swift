import Foundation
import Testing
@testable import MTrace

@Suite struct TraceWriterTests {
    /// A varied, reproducible mix of loads, stores and atomics on `cpus` CPUs.
    private func sampleAccesses(_ count: Int, cpus: Int, sizes: [Int], aligned: Bool) -> [Access] {
        var random = SplitMix64(seed: 1234)
        return (0..<count).map { i in
            let r = random.next()
            let size = sizes[Int(r % UInt64(sizes.count))]
            var address = (r >> 8) % 0x1_0000_0000_0000
            if aligned { address &= ~3 }
            let cpu = i % cpus
            switch (r >> 4) % 3 {
            case 0: return load(address, cpu: cpu, size: size)
            case 1: return store(address, cpu: cpu, size: size)
            default: return atomic(address, cpu: cpu, size: size)
            }
        }
    }

    private func write(_ accesses: [Access], to writer: AccessSink, batch: Int = 1000) throws {
        var start = 0
        while start < accesses.count {
            let end = min(start + batch, accesses.count)
            try accesses[start..<end].withUnsafeBufferPointer { try writer.consume($0) }
            start = end
        }
    }

    @Test func textRoundTripRawAndGzip() throws {
        try withTemporaryDirectory { folder throws in
            let accesses = sampleAccesses(50_000, cpus: 8, sizes: [1, 2, 4, 8, 64, 4096], aligned: false)
                + [load(UInt64.max), store(0xFFFF_FFFF_FFFF_F000, cpu: 7, size: 4096), load(0)]
            for name in ["r.trace", "r.trace.gz"] {
                let path = folder + "/" + name
                let writer = try TextTraceWriter(path: path)
                try write(accesses, to: writer, batch: 777)
                #expect(writer.accessesWritten == UInt64(accesses.count))
                #expect(!FileManager.default.fileExists(atPath: path), "the file appears only on finish")
                try writer.finish()
                #expect(try readText(path, cpus: 8) == accesses)
                let magic = Array(try readBytes(path).prefix(2))
                #expect((magic == [0x1F, 0x8B]) == name.hasSuffix(".gz"))
            }
            #expect(try filesIn(folder) == ["r.trace", "r.trace.gz"])
        }
    }

    @Test func textLinesAreCanonical() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/c.trace"
            let writer = try TextTraceWriter(path: path)
            try writer.write(load(0x10, size: 4))
            try writer.write(store(0xABC, cpu: 12))
            try writer.write(atomic(0, cpu: 3, size: 8))
            try writer.finish()
            #expect(String(decoding: try readBytes(path), as: UTF8.self) == "0 R 0x10 4\n12 W 0xabc 1\n3 A 0x0 8\n")
        }
    }

    @Test func textWriterRefusesWhatTheFormatCannotHold() throws {
        try withTemporaryDirectory { folder throws in
            let fetch = traceError {
                let writer = try TextTraceWriter(path: folder + "/f.trace")
                try writer.write(load(0x10))
                try writer.write(Access(cpu: 0, kind: .fetch, address: 0x10, size: 4))
            }
            #expect(fetch?.message.contains("only loads, stores and atomics") == true)
            let size = traceError {
                let writer = try TextTraceWriter(path: folder + "/s.trace")
                try writer.write(load(0x10, size: 5000))
            }
            #expect(size?.message.contains("sizes are 1...4096") == true)
            #expect(try filesIn(folder).isEmpty, "a failed writer leaves nothing behind")
        }
    }

    @Test func dinTraditionalWhenEveryAccessIsAnAlignedWord() throws {
        try withTemporaryDirectory { folder throws in
            var accesses = sampleAccesses(20_000, cpus: 1, sizes: [4], aligned: true)
            accesses += [Access(cpu: 0, kind: .fetch, address: 0x400, size: 4),
                         Access(cpu: 0, kind: .copyBack, address: 0x800, size: 4),
                         Access(cpu: 0, kind: .invalidate, address: 0xC00, size: 4)]
            // Din has no atomics: they come back as the stores coherence treats them as.
            let expected = accesses.map { $0.kind == .atomic ? store($0.address, size: 4) : $0 }
            for name in ["t.din", "t.din.gz"] {
                let path = folder + "/" + name
                let writer = try DinTraceWriter(path: path)
                try write(accesses, to: writer)
                try writer.finish()
                #expect(writer.form == .traditional)
                var reader = try DinTraceReader(path: path)
                #expect(try readAll(&reader) == expected)
                #expect(reader.form == .traditional)
            }
            let first = String(decoding: try readBytes(folder + "/t.din").prefix(40), as: UTF8.self)
            let a = expected[0]
            #expect(first.hasPrefix("\(a.kind == .store ? 1 : 0) \(String(a.address, radix: 16))\n"))
        }
    }

    @Test func dinBecomesExtendedWhenAnAccessNeedsIt() throws {
        try withTemporaryDirectory { folder throws in
            let words = sampleAccesses(30_000, cpus: 1, sizes: [4], aligned: true)
            let odd = [load(0x1001, size: 2), Access(cpu: 0, kind: .copyBack, address: 0, size: 0)]
            let more = sampleAccesses(5000, cpus: 1, sizes: [1, 4, 8], aligned: false)
            let all = (words + odd + more).map { $0.kind == .atomic ? store($0.address, size: Int($0.size)) : $0 }
            for name in ["x.din", "x.din.gz"] {
                for batch in [1000, 30_001] {
                    let path = folder + "/" + name
                    let writer = try DinTraceWriter(path: path)
                    try write(words + odd + more, to: writer, batch: batch)
                    #expect(writer.form == .extended)
                    #expect(writer.accessesWritten == UInt64(all.count))
                    try writer.finish()
                    var reader = try DinTraceReader(path: path)
                    #expect(try readAll(&reader) == all)
                    #expect(reader.form == .extended)
                }
            }
            #expect(try filesIn(folder) == ["x.din", "x.din.gz"], "no temporary file is left over")
        }
    }

    @Test func dinExtendedFromTheStart() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/e.din"
            let writer = try DinTraceWriter(path: path)
            try writer.write(store(0x13, size: 8))
            try writer.write(load(0x20, size: 4))
            try writer.write(Access(cpu: 0, kind: .invalidate, address: 0, size: 0))
            try writer.finish()
            #expect(String(decoding: try readBytes(path), as: UTF8.self) == "w 13 8\nr 20 4\nv 0 0\n")
        }
    }

    @Test func dinForcedForms() throws {
        try withTemporaryDirectory { folder throws in
            let extended = try DinTraceWriter(path: folder + "/e.din", form: .extended)
            try extended.write(load(0x20, size: 4))
            try extended.finish()
            #expect(String(decoding: try readBytes(folder + "/e.din"), as: UTF8.self) == "r 20 4\n")

            let error = traceError {
                let traditional = try DinTraceWriter(path: folder + "/t.din", form: .traditional)
                try traditional.write(load(0x20, size: 4))
                try traditional.write(load(0x22, size: 4))
            }
            #expect(error?.message.contains("as traditional din") == true)
            #expect(try filesIn(folder) == ["e.din"])
        }
    }

    @Test func dinHoldsOnlyCPUZero() throws {
        try withTemporaryDirectory { folder throws in
            let error = traceError {
                let writer = try DinTraceWriter(path: folder + "/m.din", displayName: "m.din")
                try writer.write(load(0x20, size: 4))
                try writer.write(load(0x20, cpu: 1, size: 4))
            }
            #expect(error?.file == "m.din")
            #expect(error?.message.contains("only CPU 0's accesses, found one by CPU 1") == true)
            #expect(try filesIn(folder).isEmpty)
        }
    }

    @Test func unfinishedWriterLeavesNothing() throws {
        try withTemporaryDirectory { folder throws in
            do {
                let text = try TextTraceWriter(path: folder + "/a.trace.gz")
                try text.write(load(1))
                let din = try DinTraceWriter(path: folder + "/a.din")
                try din.write(load(4, size: 4))
                #expect(try filesIn(folder).count == 2, "temporary files while writing")
            }
            #expect(try filesIn(folder).isEmpty)
        }
    }

    @Test func finishedFileReplacesAnOldOneAtOnce() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/w.trace"
            try writeFile(path, "old contents\n")
            let writer = try TextTraceWriter(path: path)
            try writer.write(load(1))
            #expect(String(decoding: try readBytes(path), as: UTF8.self) == "old contents\n")
            try writer.finish()
            try writer.finish()  // a second finish does nothing
            #expect(String(decoding: try readBytes(path), as: UTF8.self) == "0 R 0x1 1\n")
            let late = traceError { try writer.write(load(2)) }
            #expect(late?.message == "cannot write: the trace file is already finished")
        }
    }

    @Test func missingFolderCannotBeCreated() throws {
        try withTemporaryDirectory { folder throws in
            let error = traceError { _ = try TextTraceWriter(path: folder + "/no/such/x.trace", displayName: "x.trace") }
            #expect(error?.description == "x.trace: cannot be written: folder \(folder)/no/such does not exist")
        }
    }

    @Test func emptyTraceIsAnEmptyFile() throws {
        try withTemporaryDirectory { folder throws in
            try TextTraceWriter(path: folder + "/e.trace").finish()
            try DinTraceWriter(path: folder + "/e.din.gz").finish()
            #expect(try readBytes(folder + "/e.trace").isEmpty)
            #expect(try readDin(folder + "/e.din.gz").isEmpty)
        }
    }
}
