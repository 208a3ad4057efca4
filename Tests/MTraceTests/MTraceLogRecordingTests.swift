import Foundation
import Testing
@testable import MTrace

private func records(_ path: String) throws -> [MTraceRecord] {
    let reader = try MTraceLogReader(path: path)
    var out: [MTraceRecord] = []
    while let r = try reader.next() { out.append(r) }
    return out
}

private func accessEntries(_ records: [MTraceRecord]) -> [(MTraceRecord, MTraceAccessEntry)] {
    records.compactMap { r in
        if case .access(let a) = r.entry { return (r, a) }
        return nil
    }
}

/// One access through `lines` (a function, since #expect cannot mutate).
private func move(_ lines: inout LineOwnership, cpu: Int, isWrite: Bool, address: UInt64, size: Int) -> Bool {
    lines.apply(cpu: cpu, isWrite: isWrite, address: address, size: size)
}

@Suite struct MTraceLogRecordingTests {
    @Test func movementFollowsTheOwnerBits() {
        var lines = LineOwnership(cpus: 2)
        let steps: [(Int, Bool, UInt64, Int, Bool)] = [
            (0, false, 0x1000, 8, false),  // every line starts shared by every CPU
            (0, true, 0x1000, 8, true),    // CPU 1 also owned it
            (0, true, 0x1008, 8, false),   // sole owner
            (1, false, 0x1010, 8, true),   // CPU 0 wrote since CPU 1 last read
            (0, false, 0x1000, 8, false),
            (1, true, 0x1000, 8, true),
            (0, false, 0x1000, 8, true),
            (1, false, 0x1000, 8, false),
            (1, true, 0x1040, 8, true),    // a fresh line is shared by all
            (1, false, 0x103c, 8, false),  // spans 0x1000 (bit set) and 0x1040 (sole owner)
            (0, false, 0x103c, 8, true),   // 0x1040 moved
        ]
        for (i, (cpu, write, address, size, moved)) in steps.enumerated() {
            let got = lines.apply(cpu: cpu, isWrite: write, address: address, size: size)
            #expect(got == moved, "step \(i)")
        }
        #expect(lines.linesTracked == 2)
    }

    @Test func moreThanEightCPUsAndMoreThanSixtyFour() {
        // mtrace's one-byte mask lost CPUs 8 and up; here every CPU has its bit.
        var twelve = LineOwnership(cpus: 12)
        #expect(move(&twelve, cpu: 9, isWrite: true, address: 0, size: 1))
        #expect(!move(&twelve, cpu: 9, isWrite: true, address: 0, size: 1))
        #expect(move(&twelve, cpu: 10, isWrite: false, address: 0, size: 1))
        #expect(!move(&twelve, cpu: 9, isWrite: false, address: 0, size: 1))
        #expect(move(&twelve, cpu: 1, isWrite: false, address: 0, size: 1))
        #expect(!move(&twelve, cpu: 11, isWrite: false, address: 64, size: 1))

        var seventy = LineOwnership(cpus: 70)
        #expect(!move(&seventy, cpu: 69, isWrite: false, address: 0, size: 1))
        #expect(move(&seventy, cpu: 69, isWrite: true, address: 0, size: 1))
        #expect(!move(&seventy, cpu: 69, isWrite: true, address: 0, size: 1))
        #expect(move(&seventy, cpu: 5, isWrite: false, address: 0, size: 1))
        #expect(move(&seventy, cpu: 69, isWrite: true, address: 0, size: 1))
        #expect(!move(&seventy, cpu: 69, isWrite: true, address: 0, size: 1))
        #expect(move(&seventy, cpu: 64, isWrite: false, address: 0, size: 1))
    }

    @Test func recorderWritesMachineHostAndTheAccessesTheModeKeeps() throws {
        try withTemporaryDirectory { folder throws in
            let accesses = [
                load(0x1000, cpu: 0, size: 8), store(0x1000, cpu: 0, size: 8), store(0x1008, cpu: 0, size: 8),
                load(0x1010, cpu: 1, size: 8), atomic(0x1000, cpu: 0, size: 8), atomic(0x1000, cpu: 0, size: 8),
            ]
            for mode in MTraceRecordingMode.allCases {
                let path = folder + "/\(mode).mtrace"
                let recorder = try MTraceRecorder(writer: try MTraceLogWriter(path: path), cpus: 3, mode: mode, name: "demo")
                try accesses.withUnsafeBufferPointer { try recorder.consume($0) }
                try recorder.finish()
                #expect(recorder.accessesSeen == 6)
                let log = try records(path)
                // As QEMU wrote them: one per CPU, every one with header CPU 0.
                #expect(Array(log.prefix(3)) == Array(repeating: MTraceRecord(cpu: 0, .machine(
                    MTraceMachine(numCPUs: 3, sample: 1, flags: .locked))), count: 3))
                // CPU 0 made 5 of the 6 accesses; each host record counts as one instruction of CPU 0.
                #expect(log[3] == MTraceRecord(timestamp: 1, .host(.recordMode(.movement, name: "demo", globalTS: 1))))
                #expect(log.last == MTraceRecord(accessCount: 6, timestamp: 7,
                                                 .host(.recordMode(.disable, name: "demo", globalTS: 8))))
                let kept = accessEntries(log).map { r, a in
                    "\(r.cpu) \(r.accessCount) \(a.accessType) \(String(a.guestAddress, radix: 16)) \(a.flags.rawValue)"
                }
                // An atomic is a locked load and a locked store with one access count, each with
                // its own traffic flag: the first atomic's load finds CPU 0's bit set (no
                // movement), its store finds CPU 1 sharing the line (movement).
                if mode == .all {
                    #expect(kept == ["0 0 load 1000 0", "0 1 store 1000 1", "0 2 store 1008 0", "1 3 load 1010 1",
                                     "0 4 load 1000 2", "0 4 store 1000 3", "0 5 load 1000 2", "0 5 store 1000 2"])
                } else {
                    // Moved lines, and locked accesses whether they moved or not.
                    #expect(kept == ["0 1 store 1000 1", "1 3 load 1010 1", "0 4 load 1000 2", "0 4 store 1000 3",
                                     "0 5 load 1000 2", "0 5 store 1000 2"])
                }
                #expect(recorder.accessesRecorded == (mode == .all ? 6 : 4))
                // The host address is the guest address, as in the label records of a guest.
                #expect(accessEntries(log).allSatisfy { $0.1.hostAddress == $0.1.guestAddress })
                // Read back, each pair is the atomic again.
                var source = try MTraceAccessSource(path: path, cpus: 3)
                let back = try readAll(&source)
                let expected = mode == .all ? accesses : [accesses[1], accesses[3], accesses[4], accesses[5]]
                #expect(back == expected)
                #expect(source.reader.lockedPairs == 2)
            }
        }
    }

    @Test func recorderRefusesWhatAnAccessRecordCannotHold() throws {
        try withTemporaryDirectory { folder throws in
            for (access, words) in [(load(0, cpu: 3), "cpu is out of range"), (load(0, size: 256), "1...255 bytes"),
                                    (Access(cpu: 0, kind: .fetch, address: 0, size: 4), "only loads, stores and atomics")] {
                let path = folder + "/x.mtrace"
                let recorder = try MTraceRecorder(writer: try MTraceLogWriter(path: path), cpus: 2, mode: .all, name: "x")
                let error = traceError { try [access].withUnsafeBufferPointer { try recorder.consume($0) } }
                #expect(error?.message.contains(words) == true, "\(String(describing: error))")
                #expect(try filesIn(folder).isEmpty, "nothing is left behind")
            }
        }
    }

    @Test func convertsTextToMTraceAndBack() throws {
        try withTemporaryDirectory { folder throws in
            let text = "0 R 0x1000 8\n2 W 0x1008 4\n1 A 0x1010 8\n0 R 0xffffffffffffffff 1\n2 W 0x40 255\n"
            try writeFile(folder + "/in.trace", text)
            let summary = try convertTrace(from: folder + "/in.trace", format: .text, to: folder + "/out.mtrace.gz", format: .mtrace)
            #expect(summary.cpus == 3 && summary.accessesRead == 5 && summary.accessesWritten == 5)
            let log = try records(folder + "/out.mtrace.gz")
            #expect(log.count == 3 + 1 + 6 + 1)  // the atomic is a load and a store
            #expect(log[3] == MTraceRecord(timestamp: 1, .host(.recordMode(.movement, name: "in.trace", globalTS: 1))))

            let back = try convertTrace(from: folder + "/out.mtrace.gz", format: .mtrace, to: folder + "/back.trace", format: .text)
            #expect(back.accessesRead == 5 && back.recordsDropped == 5)
            #expect(String(decoding: try readBytes(folder + "/back.trace"), as: UTF8.self) == text)

            // Explicit CPUs, and movement mode: the repeated store of a sole owner is dropped.
            try writeFile(folder + "/m.trace", "0 W 0x0 8\n0 W 0x8 8\n1 R 0x0 8\n")
            let moved = try convertTrace(from: folder + "/m.trace", format: .text, to: folder + "/m.mtrace", format: .mtrace,
                                         cpus: 4, mode: .movement)
            #expect(moved.cpus == 4 && moved.accessesRead == 3 && moved.accessesWritten == 2)
            #expect(try records(folder + "/m.mtrace").filter { if case .machine = $0.entry { return true }; return false }.count == 4)
        }
    }

    /// Host records carry the CPU's and the global instruction count, as QEMU stamped them:
    /// mscan takes the first host record whose `ts` is not 0 as the enabling one, and aborts
    /// on a log whose host records all carry 0.
    @Test func hostRecordsCountInstructions() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/h.mtrace"
            let recorder = try MTraceRecorder(writer: try MTraceLogWriter(path: path), cpus: 2, mode: .movement, name: "h")
            // CPU 0 makes 3 accesses, CPU 1 makes 4; movement mode keeps only some, but all count.
            let accesses = [store(0, cpu: 0), store(0, cpu: 0), load(64, cpu: 1), load(64, cpu: 1), store(8, cpu: 0),
                            load(128, cpu: 1), atomic(256, cpu: 1)]
            try accesses.withUnsafeBufferPointer { try recorder.consume($0) }
            try recorder.finish()
            let hosts = try records(path).compactMap { r -> String? in
                if case .host(let h) = r.entry { return "cpu \(r.cpu) ts \(r.timestamp) global_ts \(h.globalTS) \(h.mode)" }
                return nil
            }
            // Enabling: the first instruction. Disabling: CPU 0's 3 accesses and 2 host
            // records; all 7 accesses and both host records.
            #expect(hosts == ["cpu 0 ts 1 global_ts 1 movement", "cpu 0 ts 5 global_ts 9 disable"])
            // Without host records of its own (an emulated guest writes them), none are written.
            let bare = try MTraceRecorder(writer: try MTraceLogWriter(path: folder + "/b.mtrace"), cpus: 1, mode: .all,
                                          name: "b", hostRecords: false)
            try bare.finish()
            #expect(try records(folder + "/b.mtrace").allSatisfy { if case .host = $0.entry { return false }; return true })
        }
    }

    /// The machine records say whether call records may follow (mtrace's `-mtrace-calls`).
    @Test func machineRecordsCarryTheCallsFlag() throws {
        try withTemporaryDirectory { folder throws in
            for calls in [false, true] {
                let path = folder + "/m\(calls).mtrace"
                let recorder = try MTraceRecorder(writer: try MTraceLogWriter(path: path), cpus: 4, mode: .all, name: "m",
                                                  ram: 1 << 20, quantum: 3, calls: calls)
                try recorder.finish()
                let machines = try records(path).filter { if case .machine = $0.entry { return true }; return false }
                let flags: MTraceMachineFlags = calls ? [.locked, .calls] : .locked
                #expect(machines == Array(repeating: MTraceRecord(cpu: 0, .machine(
                    MTraceMachine(numCPUs: 4, numRAM: 1 << 20, quantum: 3, sample: 1, flags: flags))), count: 4))
            }
        }
    }

    @Test func convertsDinAndMTraceToMTrace() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/a.din", "0 1000\n1 2004\n")
            _ = try convertTrace(from: folder + "/a.din", format: .din, to: folder + "/a.mtrace", format: .mtrace)
            _ = try convertTrace(from: folder + "/a.mtrace", format: .mtrace, to: folder + "/b.din", format: .din)
            #expect(String(decoding: try readBytes(folder + "/b.din"), as: UTF8.self) == "0 1000\n1 2004\n")

            // mtrace to mtrace keeps every record, unknown ones too, byte for byte.
            // Bytes no field covers (a string's tail, the host union's other arm) are copied too.
            let bytes = specMachine(cpus: 2) + specRecord(type: 50, size: 30) + specAccess(cpu: 1, type: 2, guest: 8, bytes: 8)
                + specLabel(type: 3, name: "g", guest: 0, bytes: 16)
                + specRecord(type: 1, size: 124, [(32, .u32(3)), (36, .raw([0x67, 0, 0xAA, 0xBB])), (108, .u64(4))])
                + specRecord(type: 3, size: 108, [(24, .u32(2)), (36, .u64(1)), (100, .u64(0xDEAD_BEEF))])
            try writeFile(folder + "/c.mtrace", bytes)
            let copied = try convertTrace(from: folder + "/c.mtrace", format: .mtrace, to: folder + "/c.mtrace.gz", format: .mtrace)
            #expect(copied.unknownRecords == 1 && copied.accessesWritten == 1)
            #expect(try readBytes(folder + "/c.mtrace.gz").count < bytes.count)
            _ = try convertTrace(from: folder + "/c.mtrace.gz", format: .mtrace, to: folder + "/d.mtrace", format: .mtrace)
            #expect(try readBytes(folder + "/d.mtrace") == bytes)

            // din has no CPU field.
            let error = traceError {
                _ = try convertTrace(from: folder + "/c.mtrace", format: .mtrace, to: folder + "/e.din", format: .din)
            }
            #expect(error?.message.contains("din traces have no CPU field") == true)
            #expect(!FileManager.default.fileExists(atPath: folder + "/e.din"))
        }
    }
}
