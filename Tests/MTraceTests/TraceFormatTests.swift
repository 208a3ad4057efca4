import Foundation
import Testing
@testable import MTrace

@Suite struct TraceFormatTests {
    @Test func infersFromTheFileName() {
        #expect(TraceFormat.infer(fromPath: "a.trace") == .text)
        #expect(TraceFormat.infer(fromPath: "dir.din/a.trace.gz") == .text)
        #expect(TraceFormat.infer(fromPath: "/x/y.din") == .din)
        #expect(TraceFormat.infer(fromPath: "y.DIN.GZ") == .din)
        #expect(TraceFormat.infer(fromPath: "y.gz") == nil)
        #expect(TraceFormat.infer(fromPath: "y.txt") == nil)
        #expect(TraceFormat.infer(fromPath: "trace") == nil)
        #expect(TraceFormat.infer(fromPath: "a.trace.gz.bak") == nil)
        #expect(TraceFormat(rawValue: "din") == .din && TraceFormat.text.rawValue == "text")
    }

    @Test func opensByExtensionOrExplicitFormat() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/a.trace.gz", "1 W 0x40 8\n")
            try writeFile(folder + "/b.din", "1 40\n")
            try writeFile(folder + "/c.log", "0 R 0x40\n")
            try writeFile(folder + "/d.log", "r 41 2\n")
            var text = try openTrace(path: folder + "/a.trace.gz", format: nil, cpus: 2)
            #expect(try readAll(&text) == [store(0x40, cpu: 1, size: 8)])
            var din = try openTrace(path: folder + "/b.din", format: nil, cpus: 2)
            #expect(try readAll(&din) == [store(0x40, size: 4)])
            var explicitText = try openTrace(path: folder + "/c.log", format: .text, cpus: 1)
            #expect(try readAll(&explicitText) == [load(0x40)])
            var explicitDin = try openTrace(path: folder + "/d.log", format: .din, cpus: 1)
            #expect(try readAll(&explicitDin) == [load(0x41, size: 2)])
        }
    }

    @Test func unknownExtensionAsksForTheFormat() throws {
        try withTemporaryDirectory { folder throws in
            try writeFile(folder + "/c.log", "0 R 0x40\n")
            let error = traceError { _ = try openTrace(path: folder + "/c.log", displayName: "c.log", format: nil, cpus: 1) }
            #expect(error?.file == "c.log")
            #expect(error?.message.contains("set workload.format (text | din | mtrace)") == true)
        }
    }

    @Test func errorsUseTheDisplayName() throws {
        try withTemporaryDirectory { folder throws in
            let missing = traceError { _ = try openTrace(path: folder + "/none.din", displayName: "none.din", format: nil, cpus: 1) }
            #expect(missing?.description == "none.din: cannot open: No such file or directory")
            try writeFile(folder + "/bad.trace", "0 R 0x40\n1 R 0x40\n")
            var source = try openTrace(path: folder + "/bad.trace", displayName: "workloads/bad.trace", format: nil, cpus: 1)
            let error = traceError { _ = try readAll(&source) }
            #expect(error?.description == "workloads/bad.trace:2: cpu 1 is out of range: system.cpus is 1")
        }
    }
}
