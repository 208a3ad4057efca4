import CZlib
import Foundation
import Testing
@testable import MTrace

/// A fresh folder under the system temporary directory, removed when the body returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("mtlab-mtrace-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Writes `text` to `path` as is, or gzip-compressed when `path` ends in `.gz`.
func writeFile(_ path: String, _ text: String) throws {
    try writeFile(path, Array(text.utf8))
}

func writeFile(_ path: String, _ bytes: [UInt8], compress: Bool? = nil) throws {
    if compress ?? path.hasSuffix(".gz") {
        guard let gz = gzopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
        let wrote = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
        #expect(Int(wrote) == bytes.count || bytes.isEmpty)
        #expect(gzclose(gz) == Z_OK)
    } else {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Every access of `source`, read in batches of `batchSize`.
func readAll<S: TraceSource>(_ source: inout S, batchSize: Int = 4096) throws -> [Access] {
    let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: batchSize)
    defer { buffer.deallocate() }
    var result: [Access] = []
    while true {
        let count = try source.read(into: buffer)
        if count == 0 { return result }
        result.append(contentsOf: buffer[0..<count])
    }
}

func readText(_ path: String, cpus: Int = 4, chunkSize: Int = 1 << 20, batchSize: Int = 4096,
              displayName: String? = nil) throws -> [Access] {
    var reader = try TextTraceReader(path: path, displayName: displayName, cpus: cpus, chunkSize: chunkSize)
    return try readAll(&reader, batchSize: batchSize)
}

func readDin(_ path: String, chunkSize: Int = 1 << 20, batchSize: Int = 4096) throws -> [Access] {
    var reader = try DinTraceReader(path: path, chunkSize: chunkSize)
    return try readAll(&reader, batchSize: batchSize)
}

/// The TraceError that `body` throws, or nil (recording a test failure) if it throws none.
func traceError(_ body: () throws -> Void) -> TraceError? {
    do {
        try body()
        Issue.record("expected a TraceError, nothing was thrown")
        return nil
    } catch let error as TraceError {
        return error
    } catch {
        Issue.record("expected a TraceError, got \(error)")
        return nil
    }
}

/// Files in `folder` (temporary files of writers included).
func filesIn(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
}

func load(_ address: UInt64, cpu: Int = 0, size: Int = 1) -> Access {
    Access(cpu: cpu, kind: .load, address: address, size: size)
}

func store(_ address: UInt64, cpu: Int = 0, size: Int = 1) -> Access {
    Access(cpu: cpu, kind: .store, address: address, size: size)
}

func atomic(_ address: UInt64, cpu: Int = 0, size: Int = 1) -> Access {
    Access(cpu: cpu, kind: .atomic, address: address, size: size, flags: .locked)
}
