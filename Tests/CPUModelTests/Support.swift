import CPUModel
import Foundation
import MTrace
import Testing

/// Locations and helpers shared by the CPUModel tests.
enum Guests {
    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let directory = root + "/guests"
    static let builder = GuestBuilder(guestsDirectory: directory)

    /// A private scratch folder for this test process.
    static let scratch: String = {
        let path = NSTemporaryDirectory() + "mtlab-cpumodel-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Builds guest files (paths relative to guests/) into an ELF named after the first file.
    static func build(_ files: [String], runtime: Bool, flags: [String] = [], name: String? = nil) throws -> String {
        let base = name ?? (files[0] as NSString).lastPathComponent.replacingOccurrences(of: ".", with: "_")
        let output = scratch + "/" + base + ".elf"
        try buildInPlace(output) { temporary in
            try builder.build(sources: files.map { directory + "/" + $0 }, output: temporary, runtime: runtime,
                              flags: ["-I", directory + "/tests"] + flags)
        }
        return output
    }

    /// Runs `build` into a private path and renames the result to `output`. Tests run in
    /// parallel and some build the same guest; the linker deletes an existing output before
    /// writing it, so building in place would let another test find the file missing.
    private static func buildInPlace(_ output: String, _ build: (String) throws -> Void) throws {
        let temporary = output + ".\(UUID().uuidString).tmp"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try build(temporary)
        guard rename(temporary, output) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output])
        }
    }

    /// Builds an inline source (assembly if `suffix` is "S") into an ELF.
    static func build(source: String, name: String, suffix: String = "S", runtime: Bool = false,
                      flags: [String] = []) throws -> String {
        let path = scratch + "/" + name + "." + suffix
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        let output = scratch + "/" + name + ".elf"
        try buildInPlace(output) { temporary in
            try builder.build(sources: [path], output: temporary, runtime: runtime,
                              flags: ["-I", directory + "/tests"] + flags)
        }
        return output
    }

    /// Loads and runs an ELF; returns the result and the machine (for inspection).
    static func run(_ elf: String, _ configuration: MachineConfiguration = MachineConfiguration(),
                    trace: AccessSink? = nil) throws -> (RunResult, Machine) {
        var configuration = configuration
        if configuration.maxInstructions == nil { configuration.maxInstructions = 50_000_000 }
        let machine = try Machine(configuration: configuration, program: ELFImage(contentsOf: elf))
        let result = try machine.run(trace: trace)
        return (result, machine)
    }
}

/// QEMU, when installed: runs the same ELF on `virt` and reports its exit status and output.
enum QEMU {
    static let path: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/qemu-system-riscv64"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()
    static var available: Bool { path != nil }

    /// Runs `elf` with `harts` harts; a run longer than `timeout` seconds is killed and
    /// reported as status -1.
    static func run(_ elf: String, harts: Int = 1, timeout: Double = 20) throws -> (status: Int32, output: String) {
        let outputPath = elf + ".qemu-output"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = ["-machine", "virt", "-bios", "none", "-nographic", "-smp", "\(harts)",
                             "-monitor", "none", "-serial", "stdio", "-kernel", elf]
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Poll rather than rely on signals: the test process's signal mask is inherited.
        let deadline = Date().addingTimeInterval(timeout)
        var killed = false
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                killed = true
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.waitUntilExit()
        try output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (killed ? -1 : process.terminationStatus, text)
    }
}

/// A sink that keeps every access (small traces only).
final class CollectingSink: AccessSink {
    var accesses: [Access] = []
    var batches = 0
    func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        batches += 1
        self.accesses.append(contentsOf: accesses)
    }
}

/// A sink that only counts, to measure the traced loop.
final class CountingSink: AccessSink {
    var count: UInt64 = 0
    var checksum: UInt64 = 0
    func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        count &+= UInt64(accesses.count)
        for access in accesses { checksum &+= access.address }
    }
}
