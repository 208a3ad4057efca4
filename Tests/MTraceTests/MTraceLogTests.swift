import Foundation
import Testing
@testable import MTrace

/// One record of every type, as spec bytes and as the model says they read.
private let everyType: [(bytes: [UInt8], record: MTraceRecord)] = [
    (specLabel(cpu: 1, ac: 2, ts: 3, host: 0x7f00, type: 1, name: "struct file", guest: 0x1000, bytes: 64, pc: 0x4010),
     MTraceRecord(cpu: 1, accessCount: 2, timestamp: 3, .label(MTraceLabel(
        hostAddress: 0x7f00, labelType: .heap, name: "struct file", guestAddress: 0x1000, bytes: 64, pc: 0x4010)))),
    (specAccess(cpu: 3, ac: 9, type: 2, flags: 3, pc: 0x401234, host: 0x7f0000001000, guest: 0xffff_8000_0000_1008, bytes: 8),
     MTraceRecord(cpu: 3, accessCount: 9, .access(MTraceAccessEntry(
        accessType: .store, flags: [.traffic, .lock], pc: 0x401234, hostAddress: 0x7f0000001000,
        guestAddress: 0xffff_8000_0000_1008, bytes: 8)))),
    (specHostMode(ac: 5, globalTS: 1234, mode: 1, name: "fops"),
     MTraceRecord(accessCount: 5, .host(.recordMode(.movement, name: "fops", globalTS: 1234)))),
    (specHostCPU(hostType: 3, globalTS: 77, targetCPU: 2),
     MTraceRecord(.host(MTraceHost(hostType: .callTracingOn, globalTS: 77, cpu: 2)))),
    (specFcall(cpu: 2, ts: 100, tid: 42, pc: 0x8000_1000, tag: 0xabc, depth: 3, state: 1),
     MTraceRecord(cpu: 2, timestamp: 100, .fcall(MTraceFcall(tid: 42, pc: 0x8000_1000, tag: 0xabc, depth: 3, state: .start)))),
    (specSegment(base: 0x10000, end: 0x12000, segmentCPU: 1),
     MTraceRecord(.segment(MTraceSegment(baseAddress: 0x10000, endAddress: 0x12000, cpu: 1, objectType: .percpu)))),
    (specCall(cpu: 1, ac: 4, target: 0x5000, ret: 0x4008, isReturn: true),
     MTraceRecord(cpu: 1, accessCount: 4, .call(MTraceCall(targetPC: 0x5000, returnPC: 0x4008, kind: .return)))),
    (specLock(cpu: 1, ts: 500, pc: 0x4444, lock: 0x2000, name: "runq", op: 2, read: 1),
     MTraceRecord(cpu: 1, timestamp: 500, .lock(MTraceLock(pc: 0x4444, lock: 0x2000, name: "runq", op: .acquired, read: 1)))),
    (specTask(tid: 7, tgid: 6, type: 3, name: "worker"),
     MTraceRecord(.task(MTraceTask(tid: 7, tgid: 6, taskType: .exit, name: "worker")))),
    (specSched(cpu: 2, tid: 7), MTraceRecord(cpu: 2, .sched(MTraceSched(tid: 7)))),
    (specMachine(cpu: 1, cpus: 4, ram: 1 << 30, quantum: 10, sample: 2, flags: 3),
     MTraceRecord(cpu: 1, .machine(MTraceMachine(numCPUs: 4, numRAM: 1 << 30, quantum: 10, sample: 2, flags: [.locked, .calls])))),
    (specAppdata(type: 1, value: 1000), MTraceRecord(.appdata(MTraceAppData(appdataType: 1, value: 1000)))),
    (specAScope(exit: true, name: "syscall:open"), MTraceRecord(.ascope(MTraceAScope(exit: true, name: "syscall:open")))),
    (specAVar(write: true, name: "inode"), MTraceRecord(.avar(MTraceAVar(write: true, name: "inode")))),
    (specGC(base: 0x9000, nbytes: 128, name: "dentry", flags: 1),
     MTraceRecord(.gc(MTraceGC(base: 0x9000, nbytes: 128, name: "dentry", flags: 1)))),
    (specGCEpoch(cpu: 3, begin: true), MTraceRecord(cpu: 3, .gcEpoch(MTraceGCEpoch(begin: true)))),
]

private func readRecords(_ path: String, keepUnknown: Bool = false, chunkSize: Int = 1 << 20) throws -> [MTraceRecord] {
    let reader = try MTraceLogReader(path: path, chunkSize: chunkSize)
    reader.keepsUnknownRecords = keepUnknown
    var out: [MTraceRecord] = []
    while let r = try reader.next() { out.append(r) }
    return out
}

private func readAccesses(_ path: String, cpus: Int = 16, chunkSize: Int = 1 << 20, batch: Int = 4096) throws -> [Access] {
    var source = MTraceAccessSource(reader: try MTraceLogReader(path: path, chunkSize: chunkSize), cpus: cpus)
    return try readAll(&source, batchSize: batch)
}

@Suite struct MTraceLogTests {
    @Test func sizesMatchTheSpecTable() {
        let sizes = MTraceEntryType.allCases.map(\.recordSize)
        #expect(sizes == [124, 54, 108, 54, 46, 44, 109, 108, 32, 51, 34, 89, 89, 105, 25])
        for (bytes, record) in everyType { #expect(bytes.count == record.size) }
        #expect(Set(everyType.compactMap { $0.record.entry.type }) == Set(MTraceEntryType.allCases))
    }

    @Test func readsEveryEntryTypeRawAndGzip() throws {
        try withTemporaryDirectory { folder throws in
            let bytes = everyType.flatMap(\.bytes)
            for name in ["a.mtrace", "a.mtrace.gz"] {
                try writeFile(folder + "/" + name, bytes)
                // Chunks smaller than a record force records to straddle reads.
                for chunk in [124, 125, 200, 1 << 20] {
                    #expect(try readRecords(folder + "/" + name, chunkSize: chunk) == everyType.map(\.record))
                }
            }
        }
    }

    @Test func writerMatchesTheSpecBytesAndRoundTrips() throws {
        try withTemporaryDirectory { folder throws in
            for name in ["w.mtrace", "w.mtrace.gz"] {
                let path = folder + "/" + name
                let writer = try MTraceLogWriter(path: path)
                for (_, record) in everyType { try writer.write(record) }
                #expect(!FileManager.default.fileExists(atPath: path), "the file appears only on finish")
                try writer.finish()
                #expect(writer.recordsWritten == UInt64(everyType.count))
                let read = try readRecords(path)
                #expect(read == everyType.map(\.record))
                if name.hasSuffix(".gz") {
                    #expect(Array(try readBytes(path).prefix(2)) == [0x1F, 0x8B])
                } else {
                    #expect(try readBytes(path) == everyType.flatMap(\.bytes))
                }
                // Write what was read: the same bytes again.
                let again = folder + "/again-" + name
                let copy = try MTraceLogWriter(path: again)
                for r in read { try copy.write(r) }
                try copy.finish()
                #expect(try readRecords(again) == read)
            }
            #expect(try readBytes(folder + "/again-w.mtrace") == readBytes(folder + "/w.mtrace"))
        }
    }

    @Test func encodedZeroesEveryUnusedByte() {
        let host = MTraceRecord(.host(MTraceHost(hostType: .callTracingOff, globalTS: 1, mode: .ascope, name: "ignored", cpu: 5)))
        #expect(host.encoded() == specHostCPU(hostType: 2, globalTS: 1, targetCPU: 5))
        for (bytes, record) in everyType { #expect(record.encoded() == bytes) }
    }

    @Test func unknownTypesAreSkippedAndCounted() throws {
        try withTemporaryDirectory { folder throws in
            let odd = specRecord(type: 99, size: 40, cpu: 1, ac: 7, [(24, .u64(0xdead_beef))])
            let empty = specRecord(type: 16, size: 24)
            let bytes = everyType[0].bytes + odd + everyType[1].bytes + empty + odd
            let path = folder + "/u.mtrace"
            try writeFile(path, bytes)
            let reader = try MTraceLogReader(path: path)
            var read: [MTraceRecord] = []
            while let r = try reader.next() { read.append(r) }
            #expect(read == [everyType[0].record, everyType[1].record])
            #expect(reader.unknownRecords == 3 && reader.unknownTypes == [99: 2, 16: 1])
            #expect(reader.recordsRead == 2)

            // Kept, they write back byte for byte.
            let kept = try readRecords(path, keepUnknown: true)
            #expect(kept.count == 5)
            #expect(kept[1] == MTraceRecord(cpu: 1, accessCount: 7, .unknown(type: 99, payload: Array(odd[24...]))))
            let copy = folder + "/copy.mtrace"
            let writer = try MTraceLogWriter(path: copy)
            for r in kept { try writer.write(r) }
            try writer.finish()
            #expect(try readBytes(copy) == bytes)

            // The access source skips them too.
            #expect(try readAccesses(path).count == 1)
        }
    }

    @Test func rawRecordsCopyByteForByte() throws {
        try withTemporaryDirectory { folder throws in
            // Garbage after a name's NUL and in a host record's unused arm: the typed model
            // writes zeros there, the raw path keeps it.
            let odd = specRecord(type: 1, size: 124, [(32, .u32(1)), (36, .raw([0x61, 0, 0xEE])), (108, .u64(8))])
                + specRecord(type: 3, size: 108, [(24, .u32(3)), (36, .u64(2)), (90, .u64(0x1234))])
                + specRecord(type: 77, size: 30)
            try writeFile(folder + "/in.mtrace", odd)
            let reader = try MTraceLogReader(path: folder + "/in.mtrace")
            let writer = try MTraceLogWriter(path: folder + "/out.mtrace")
            var raw: [UInt8] = []
            var records: [MTraceRecord] = []
            while let r = try reader.next(rawBytes: &raw) {
                records.append(r)
                try writer.write(rawRecord: raw)
            }
            try writer.finish()
            #expect(records.count == 2 && reader.unknownRecords == 1)
            #expect(try readBytes(folder + "/out.mtrace") == Array(odd.prefix(232)))
            #expect(records[0].encoded() != Array(odd.prefix(124)), "the typed model canonicalises")

            let bad = try MTraceLogWriter(path: folder + "/bad.mtrace")
            var wrongSize = specAccess(type: 1, guest: 0, bytes: 1)
            wrongSize[4] = 60
            #expect(throws: TraceError.self) { try bad.write(rawRecord: wrongSize) }
            #expect(!FileManager.default.fileExists(atPath: folder + "/bad.mtrace"))
        }
    }

    @Test func writerRefusesUnknownRecordsThatCannotBeFramed() throws {
        try withTemporaryDirectory { folder throws in
            let writer = try MTraceLogWriter(path: folder + "/x.mtrace")
            let error = traceError { try writer.write(MTraceRecord(.unknown(type: 3, payload: []))) }
            #expect(error?.message.contains("outside 1...15") == true)
            #expect(try filesIn(folder).isEmpty)
        }
    }

    @Test func truncatedRecordsNameTheirOffset() throws {
        try withTemporaryDirectory { folder throws in
            let good = everyType[0].bytes + everyType[1].bytes  // 124 + 54
            for name in ["t.mtrace", "t.mtrace.gz"] {
                let path = folder + "/" + name
                try writeFile(path, good + Array(everyType[2].bytes.prefix(60)))
                let error = traceError { _ = try readRecords(path) }
                #expect(error?.offset == 178)
                #expect(error?.description == "\(path): byte 178: log ends inside a host record (60 of 108 bytes): the last record is cut short")
                // The records before the fault were delivered first.
                let reader = try MTraceLogReader(path: path)
                #expect(try reader.next() == everyType[0].record)
                #expect(try reader.next() == everyType[1].record)
                #expect(throws: TraceError.self) { try reader.next() }
                #expect(throws: TraceError.self) { try reader.next() }  // sticky

                try writeFile(path, good + [3, 0, 0])
                let header = traceError { _ = try readAccesses(path) }
                #expect(header?.offset == 178)
                #expect(header?.message.contains("inside a record header (3 of 24 bytes)") == true)
            }
        }
    }

    @Test func sizesOutOfRangeAreErrors() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/s.mtrace"
            for (size, words) in [(8, "below the 24-byte header"), (0, "below the 24-byte header"), (125, "above the largest record"),
                                  (60000, "above the largest record")] {
                var bad = specRecord(type: 77, size: 124)
                bad[4] = UInt8(size & 0xFF); bad[5] = UInt8(size >> 8)
                try writeFile(path, everyType[1].bytes + bad + everyType[1].bytes)
                for read in [{ _ = try readRecords(path) }, { _ = try readAccesses(path) }] {
                    let error = traceError(read)
                    #expect(error?.offset == 54)
                    #expect(error?.message.contains(words) == true, "\(String(describing: error))")
                }
            }
            // A known type must have its own size.
            var wrong = specAccess(type: 1, guest: 0, bytes: 1) + [0, 0]
            wrong[4] = 56
            try writeFile(path, wrong)
            #expect(traceError { _ = try readRecords(path) }?.message == "access record has size 56, but access records are 54 bytes")
            #expect(traceError { _ = try readAccesses(path) }?.offset == 0)
        }
    }

    @Test func unterminatedStringsAreErrors() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/n.mtrace"
            let full = [UInt8](repeating: 0x41, count: 64)
            // mtrace's guest API terminates these four (ascope, avar and gc names may fill
            // their field: see fullNamesOfAScopeAVarAndGCAreRead).
            let cases: [[UInt8]] = [
                specRecord(type: 1, size: 124, [(36, .raw(full))]),
                specRecord(type: 3, size: 108, [(24, .u32(1)), (40, .raw(full))]),
                specRecord(type: 3, size: 104, [(24, .u32(1)), (40, .raw(full))]),
                specRecord(type: 7, size: 109, [(40, .raw(full))]),
                specRecord(type: 8, size: 108, [(44, .raw(full))]),
            ]
            for bad in cases {
                try writeFile(path, everyType[1].bytes + bad)
                let error = traceError { _ = try readRecords(path) }
                #expect(error?.offset == 54)
                #expect(error?.message.contains("is not NUL-terminated") == true)
                #expect(traceError { _ = try readAccesses(path) }?.offset == 54)
            }
            // 63 bytes and a NUL is fine; a host record that does not set the mode has no string.
            try writeFile(path, specRecord(type: 1, size: 124, [(36, .raw(Array(full.prefix(63))))])
                + specRecord(type: 3, size: 108, [(24, .u32(2)), (40, .raw(full))]))
            let read = try readRecords(path)
            guard case .label(let label) = read[0].entry else { Issue.record("not a label"); return }
            #expect(label.name.bytes.count == 63)
        }
    }

    /// mtrace copies ascope, avar and gc names with strncpy, so a 64-character name fills the
    /// field with no NUL; the original tools read such records, and so does mtlab.
    @Test func fullNamesOfAScopeAVarAndGCAreRead() throws {
        try withTemporaryDirectory { folder throws in
            let full = Array("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".utf8)
            #expect(full.count == 64)
            let name = try #require(MTraceName(bytes: full))
            let bytes = specRecord(type: 12, size: 89, [(24, .u8(1)), (25, .raw(full))])
                + specRecord(type: 13, size: 89, [(24, .u8(0)), (25, .raw(full))])
                + specRecord(type: 14, size: 105, [(24, .u64(0x9000)), (32, .u64(64)), (40, .raw(full)), (104, .u8(1))])
                + specAccess(type: 1, guest: 0x9000, bytes: 8)
            let expected = [MTraceRecord(.ascope(MTraceAScope(exit: true, name: name))),
                            MTraceRecord(.avar(MTraceAVar(write: false, name: name))),
                            MTraceRecord(.gc(MTraceGC(base: 0x9000, nbytes: 64, name: name, flags: 1))),
                            MTraceRecord(.access(MTraceAccessEntry(accessType: .load, guestAddress: 0x9000, bytes: 8)))]
            for file in ["f.mtrace", "f.mtrace.gz"] {
                let path = folder + "/" + file
                try writeFile(path, bytes)
                #expect(try readRecords(path) == expected)
                #expect(try readAccesses(path).count == 1)
            }
            // They write back byte for byte.
            let writer = try MTraceLogWriter(path: folder + "/w.mtrace")
            for record in expected { try writer.write(record) }
            try writer.finish()
            #expect(try readBytes(folder + "/w.mtrace") == bytes)
            #expect(MTraceName(bytes: full + [0x41]) == nil)

            // A field that must be terminated cannot take such a name.
            for record in [MTraceRecord(.label(MTraceLabel(labelType: .heap, name: name, guestAddress: 0, bytes: 8))),
                           MTraceRecord(.lock(MTraceLock(pc: 0, lock: 0, name: name, op: .acquire))),
                           MTraceRecord(.task(MTraceTask(tid: 1, tgid: 1, taskType: .initial, name: name))),
                           MTraceRecord(.host(.recordMode(.movement, name: name)))] {
                let refused = try MTraceLogWriter(path: folder + "/r.mtrace")
                let error = traceError { try refused.write(record) }
                #expect(error?.message.contains("of 64 bytes: that field must end with a NUL") == true,
                        "\(String(describing: error))")
                #expect(!FileManager.default.fileExists(atPath: folder + "/r.mtrace"))
            }
        }
    }

    /// A 32-bit guest's host record is 104 bytes (its union is padded to 68, not 72); the
    /// original tools read it, and so does mtlab, at the same offsets.
    @Test func hostRecordsOfA32BitGuestAreRead() throws {
        try withTemporaryDirectory { folder throws in
            let mode = specRecord(type: 3, size: 104, ac: 2, ts: 9,
                                  [(24, .u32(1)), (28, .u64(1234)), (36, .u32(1)), (40, .raw(Array(repeating: 0x61, count: 63)))])
            let call = specRecord(type: 3, size: 104, [(24, .u32(3)), (28, .u64(77)), (36, .u64(2))])
            let access = specAccess(cpu: 1, type: 2, guest: 0x40, bytes: 4)
            let bytes = specMachine(cpus: 2) + mode + access + call + access
            for file in ["h.mtrace", "h.mtrace.gz"] {
                let path = folder + "/" + file
                try writeFile(path, bytes)
                for chunk in [124, 150, 1 << 20] {
                    let read = try readRecords(path, chunkSize: chunk)
                    #expect(read.count == 5)
                    #expect(read[1] == MTraceRecord(accessCount: 2, timestamp: 9, .host(.recordMode(
                        .movement, name: MTraceName(String(repeating: "a", count: 63)), globalTS: 1234))))
                    #expect(read[3] == MTraceRecord(.host(MTraceHost(hostType: .callTracingOn, globalTS: 77, cpu: 2))))
                    #expect(try readAccesses(path, chunkSize: chunk).count == 2)
                }
            }
            // Copied raw, it stays 104 bytes.
            _ = try convertTrace(from: folder + "/h.mtrace", format: .mtrace, to: folder + "/c.mtrace", format: .mtrace)
            #expect(try readBytes(folder + "/c.mtrace") == bytes)
            // Other sizes are still wrong, and the error names both.
            var odd = call
            odd[4] = 100
            try writeFile(folder + "/o.mtrace", access + Array(odd.prefix(100)))
            let error = traceError { _ = try readRecords(folder + "/o.mtrace") }
            #expect(error?.offset == 54)
            #expect(error?.message == "host record has size 100, but host records are 108 bytes (104 from a 32-bit guest)")
            #expect(traceError { _ = try readAccesses(folder + "/o.mtrace") }?.offset == 54)
            // A 104-byte record of another type is wrong.
            try writeFile(folder + "/t.mtrace", specRecord(type: 8, size: 104))
            #expect(traceError { _ = try readRecords(folder + "/t.mtrace") }?.message
                    == "task record has size 104, but task records are 108 bytes")
        }
    }

    /// mtrace logged a locked read-modify-write as a load and a store, both with the lock
    /// flag; the access source reads such a pair as one atomic, wherever the chunk and batch
    /// boundaries fall, and only such a pair.
    @Test func lockedLoadAndStorePairsAreOneAtomic() throws {
        try withTemporaryDirectory { folder throws in
            let pair = specAccess(cpu: 1, ac: 5, type: 1, flags: 2, pc: 0x40, guest: 0x100, bytes: 8)
                + specAccess(cpu: 1, ac: 6, type: 2, flags: 3, pc: 0x40, guest: 0x100, bytes: 8)
            let atomic = Access(cpu: 1, kind: .atomic, address: 0x100, size: 8, pc: 0x40, flags: .locked)
            let lockedLoad = Access(cpu: 1, kind: .load, address: 0x100, size: 8, pc: 0x40, flags: .locked)
            let filler = specAccess(cpu: 0, type: 1, guest: 0x2000, bytes: 4)
            let fillerAccess = Access(cpu: 0, kind: .load, address: 0x2000, size: 4)
            let cases: [(String, [UInt8], [Access])] = [
                ("pair", pair, [atomic]),
                ("old single locked store", specAccess(cpu: 1, type: 2, flags: 2, pc: 0x40, guest: 0x100, bytes: 8),
                 [Access(cpu: 1, kind: .atomic, address: 0x100, size: 8, pc: 0x40, flags: .locked)]),
                ("other cpu", Array(pair.prefix(54)) + specAccess(cpu: 2, type: 2, flags: 2, guest: 0x100, bytes: 8),
                 [lockedLoad, Access(cpu: 2, kind: .atomic, address: 0x100, size: 8, flags: .locked)]),
                ("other address", Array(pair.prefix(54)) + specAccess(cpu: 1, type: 2, flags: 2, guest: 0x108, bytes: 8),
                 [lockedLoad, Access(cpu: 1, kind: .atomic, address: 0x108, size: 8, flags: .locked)]),
                ("other size", Array(pair.prefix(54)) + specAccess(cpu: 1, type: 2, flags: 2, guest: 0x100, bytes: 4),
                 [lockedLoad, Access(cpu: 1, kind: .atomic, address: 0x100, size: 4, flags: .locked)]),
                ("unlocked store", Array(pair.prefix(54)) + specAccess(cpu: 1, type: 2, guest: 0x100, bytes: 8),
                 [lockedLoad, Access(cpu: 1, kind: .store, address: 0x100, size: 8)]),
                ("record between", Array(pair.prefix(54)) + specSched(cpu: 1, tid: 3) + Array(pair.suffix(54)),
                 [lockedLoad, Access(cpu: 1, kind: .atomic, address: 0x100, size: 8, pc: 0x40, flags: .locked)]),
                ("load last", Array(pair.prefix(54)), [lockedLoad]),
                ("two pairs", pair + pair, [atomic, atomic]),
            ]
            for (name, records, expected) in cases {
                for file in ["p.mtrace", "p.mtrace.gz"] {
                    let path = folder + "/" + file
                    // Alone (the careful path at the end of the log) and amid other records (the fast path).
                    for padding in [0, 1, 3, 7] {
                        let fill = Array(repeating: filler, count: padding).flatMap { $0 }
                        try writeFile(path, fill + records + fill)
                        let want = Array(repeating: fillerAccess, count: padding) + expected
                            + Array(repeating: fillerAccess, count: padding)
                        for (chunk, batch) in [(1 << 20, 4096), (124, 1), (130, 2), (200, 3)] {
                            #expect(try readAccesses(path, cpus: 4, chunkSize: chunk, batch: batch) == want,
                                    "\(name), padding \(padding), chunk \(chunk), batch \(batch)")
                        }
                    }
                }
            }
            // Pairs count as two records read.
            try writeFile(folder + "/c.mtrace", pair + filler + pair)
            var source = MTraceAccessSource(reader: try MTraceLogReader(path: folder + "/c.mtrace"), cpus: 4)
            #expect(try readAll(&source).count == 3)
            #expect(source.reader.recordsRead == 5 && source.reader.lockedPairs == 2)
        }
    }

    /// What the writer makes of accesses: the host address is the guest address (as in
    /// labels), and an atomic is a locked load and a locked store with one access count.
    @Test func writerWritesAtomicsAsLockedPairs() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/a.mtrace"
            let writer = try MTraceLogWriter(path: path)
            writer.accessClock = 10
            let accesses = [Access(cpu: 1, kind: .load, address: 0x1000, size: 8, pc: 0x44),
                            Access(cpu: 2, kind: .atomic, address: 0x2000, size: 4, pc: 0x48, flags: .locked),
                            Access(cpu: 3, kind: .store, address: 0x3000, size: 2, pc: 0x4c),
                            Access(cpu: 0, kind: .load, address: 0x4000, size: 1, flags: .locked)]
            try accesses.withUnsafeBufferPointer { try writer.consume($0) }
            try writer.finish()
            #expect(writer.accessClock == 14 && writer.recordsWritten == 5)
            let expected = specAccess(cpu: 1, ac: 10, type: 1, pc: 0x44, host: 0x1000, guest: 0x1000, bytes: 8)
                + specAccess(cpu: 2, ac: 11, type: 1, flags: 2, pc: 0x48, host: 0x2000, guest: 0x2000, bytes: 4)
                + specAccess(cpu: 2, ac: 11, type: 2, flags: 2, pc: 0x48, host: 0x2000, guest: 0x2000, bytes: 4)
                + specAccess(cpu: 3, ac: 12, type: 2, pc: 0x4c, host: 0x3000, guest: 0x3000, bytes: 2)
                + specAccess(cpu: 0, ac: 13, type: 1, flags: 2, host: 0x4000, guest: 0x4000, bytes: 1)
            #expect(try readBytes(path) == expected)
            #expect(try readAccesses(path) == accesses)
        }
    }

    /// With checksAccessRanges (what scan sets), the typed reader refuses an access that
    /// runs past 2^64 with the access source's error; without, it returns it.
    @Test func typedReaderCanRefuseAccessesPastTheAddressSpace() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/w.mtrace"
            let good = specAccess(type: 1, guest: 0, bytes: 1)
            let edge = specAccess(type: 1, guest: UInt64.max - 7, bytes: 8) + specAccess(type: 1, guest: UInt64.max, bytes: 0)
            try writeFile(path, good + edge + specAccess(type: 2, guest: UInt64.max - 2, bytes: 8))
            #expect(try readRecords(path).count == 4)
            let reader = try MTraceLogReader(path: path)
            reader.checksAccessRanges = true
            let error = traceError { while try reader.next() != nil {} }
            #expect(error?.offset == 162)
            #expect(error?.message == "access at 0xfffffffffffffffd of 8 bytes runs past the end of the 64-bit address space")
            #expect(reader.recordsRead == 3)
            try writeFile(path, good + specAccess(type: 2, guest: UInt64.max - 2, bytes: 8))
            #expect(error?.message == traceError { _ = try readAccesses(path) }?.message)
        }
    }

    @Test func randomBytesAreAnErrorNotACrash() throws {
        try withTemporaryDirectory { folder throws in
            var random = SplitMix64(seed: 99)
            for trial in 0..<20 {
                let bytes = (0..<(1000 + trial * 37)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let path = folder + "/r\(trial).mtrace"
                try writeFile(path, bytes)
                let a = traceError { _ = try readRecords(path) }
                let b = traceError { _ = try readAccesses(path) }
                #expect(a?.offset != nil && a?.offset == b?.offset)
            }
            try writeFile(folder + "/text.mtrace", "0 R 0x1000 8\n1 W 0x1008 8\n")
            let text = traceError { _ = try readRecords(folder + "/text.mtrace") }
            #expect(text?.offset == 0 && text?.message.contains("is this an mtrace log?") == true)
        }
    }

    @Test func gzipCutShortIsAnError() throws {
        try withTemporaryDirectory { folder throws in
            let bytes = (0..<5000).flatMap { i in specAccess(cpu: UInt16(i % 4), type: 1, guest: UInt64(i) * 64, bytes: 8) }
            let whole = folder + "/whole.mtrace.gz"
            try writeFile(whole, bytes)
            let compressed = try readBytes(whole)
            let cut = folder + "/cut.mtrace.gz"
            try writeFile(cut, Array(compressed.prefix(compressed.count / 2)), compress: false)
            let error = traceError { _ = try readAccesses(cut) }
            #expect(error?.message.contains("truncated .gz") == true)
            #expect(error?.offset != nil)
            #expect(try readAccesses(whole).count == 5000)
        }
    }

    @Test func accessRecordsBecomeAccesses() throws {
        try withTemporaryDirectory { folder throws in
            let bytes = specMachine(cpus: 4)
                + specAccess(cpu: 0, type: 1, pc: 0x10, guest: 0x1000, bytes: 8)
                + specAccess(cpu: 1, type: 2, flags: 1, pc: 0x14, guest: 0x1008, bytes: 4)
                + specAccess(cpu: 2, type: 3, guest: 0x2000, bytes: 64)
                + specAccess(cpu: 3, type: 2, flags: 2, guest: 0x1000, bytes: 8)
                + specAccess(cpu: 3, type: 1, flags: 3, guest: 0x1000, bytes: 8)
                + specAccess(cpu: 1, type: 3, flags: 2, guest: 0x3000, bytes: 1)
                + specLabel(type: 1, name: "x", guest: 0, bytes: 8)
                + specAccess(cpu: 2, type: 1, guest: UInt64.max, bytes: 1)
            let expected = [
                Access(cpu: 0, kind: .load, address: 0x1000, size: 8, pc: 0x10),
                Access(cpu: 1, kind: .store, address: 0x1008, size: 4, pc: 0x14),
                Access(cpu: 2, kind: .store, address: 0x2000, size: 64),
                Access(cpu: 3, kind: .atomic, address: 0x1000, size: 8, flags: .locked),
                Access(cpu: 3, kind: .load, address: 0x1000, size: 8, flags: .locked),
                Access(cpu: 1, kind: .atomic, address: 0x3000, size: 1, flags: .locked),
                Access(cpu: 2, kind: .load, address: UInt64.max, size: 1),
            ]
            for name in ["a.mtrace", "a.mtrace.gz"] {
                try writeFile(folder + "/" + name, bytes)
                for (chunk, batch) in [(1 << 20, 4096), (124, 1), (130, 3), (200, 2)] {
                    #expect(try readAccesses(folder + "/" + name, cpus: 4, chunkSize: chunk, batch: batch) == expected)
                }
                var opened = try openTrace(path: folder + "/" + name, format: nil, cpus: 4)
                #expect(try readAll(&opened) == expected)
            }
            #expect(TraceFormat.infer(fromPath: "x.MTRACE.gz") == .mtrace && TraceFormat.infer(fromPath: "x.mtrace") == .mtrace)
            #expect(TraceFormat(rawValue: "mtrace") == .mtrace)
        }
    }

    @Test func badAccessesNameTheirOffset() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/b.mtrace"
            let good = specAccess(cpu: 0, type: 1, guest: 0, bytes: 1)
            let cases: [([UInt8], String)] = [
                (specAccess(cpu: 4, type: 1, guest: 0, bytes: 1), "access record by cpu 4: cpu is out of range, system.cpus is 4"),
                (specAccess(cpu: 0, type: 1, guest: 0, bytes: 0), "access record of 0 bytes: an access covers 1...255 bytes"),
                (specAccess(cpu: 0, type: 4, guest: 0, bytes: 1), "access record with access_type 4: expected 1 (load), 2 (store) or 3 (I/O write)"),
                (specAccess(cpu: 0, type: 0, guest: 0, bytes: 1), "access record with access_type 0: expected 1 (load), 2 (store) or 3 (I/O write)"),
                (specAccess(cpu: 0, type: 2, guest: UInt64.max - 2, bytes: 8), "access at 0xfffffffffffffffd of 8 bytes runs past the end of the 64-bit address space"),
            ]
            for (bad, message) in cases {
                // Far from the end (fast path) and as the last record (careful path).
                for tail in [[], Array(repeating: good, count: 10).flatMap { $0 }] {
                    try writeFile(path, good + good + bad + tail)
                    let error = traceError { _ = try readAccesses(path, cpus: 4) }
                    #expect(error?.offset == 108)
                    #expect(error?.message == message)
                }
            }
            // The typed reader does not judge field values.
            try writeFile(path, cases.flatMap(\.0))
            #expect(try readRecords(path).count == cases.count)
        }
    }

    @Test func descriptionsAreOneLinePerRecord() {
        let lines = everyType.map(\.record.description)
        #expect(lines[0] == #"label    cpu=1 ac=2 ts=3 heap name="struct file" guest=0x1000 bytes=64 pc=0x4010 host=0x7f00"#)
        #expect(lines[1] == "access   cpu=3 ac=9 ts=0 store guest=0xffff800000001008 bytes=8 pc=0x401234 host=0x7f0000001000 flags=traffic,lock")
        #expect(lines[2] == #"host     cpu=0 ac=5 ts=0 set-record-mode mode=movement name="fops" global_ts=1234"#)
        #expect(lines[3] == "host     cpu=0 ac=0 ts=0 call-tracing-on cpu=2 global_ts=77")
        #expect(lines[10] == "machine  cpu=1 ac=0 ts=0 cpus=4 ram=1073741824 quantum=10 sample=2 flags=locked,calls")
        #expect(lines[15] == "gcepoch  cpu=3 ac=0 ts=0 begin flags=0x1")
        #expect(lines.allSatisfy { !$0.contains("\n") })
        let odd = MTraceRecord(.unknown(type: 99, payload: [1, 0xab]))
        #expect(odd.description == "unknown  cpu=0 ac=0 ts=0 type=99 size=26 payload=01ab")
        #expect(MTraceName(bytes: [0x61, 0x22, 0xff, 0x0a])!.quoted == #""a\x22\xff\x0a""#)
        #expect(MTraceName("a\"b").quoted == #""a\"b""#)
    }

    @Test func namesAreCutToTheirField() {
        #expect(MTraceName(String(repeating: "x", count: 100)).bytes.count == 63)
        #expect(MTraceName(String(repeating: "é", count: 40)).bytes.count == 62)  // never half a character
        #expect(MTraceName("ab\0cd").string == "ab")
        #expect(MTraceName(bytes: [0x61, 0]) == nil)
    }
}
