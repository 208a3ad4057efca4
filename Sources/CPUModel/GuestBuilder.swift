import Foundation

/// Why a guest could not be built.
public struct GuestBuildError: Error, CustomStringConvertible, Sendable {
    /// The command line that failed.
    public var command: [String]
    /// The compiler's exit status (-1 when it could not be started).
    public var status: Int32
    /// What the compiler printed.
    public var output: String

    public var description: String {
        "building a guest failed (exit status \(status)): \(command.joined(separator: " "))\n\(output)"
    }
}

/// Compiles C and assembly guests into bare-metal RV64IMAC ELF executables with the
/// toolchain's clang and ld.lld, linked for the `virt` memory map by `guests/link.ld`.
public struct GuestBuilder: Sendable {
    /// The `guests/` folder: `link.ld`, `runtime/`.
    public var guestsDirectory: String
    /// The C compiler; a bare name is looked up on PATH.
    public var clang: String
    /// Optimisation level and any other flags added to every compilation.
    public var extraFlags: [String]

    /// Flags that make clang produce guests for this machine (and for QEMU `virt`).
    public static let targetFlags = [
        "--target=riscv64-unknown-elf", "-march=rv64imac", "-mabi=lp64", "-mcmodel=medany",
        "-nostdlib", "-ffreestanding", "-fuse-ld=lld", "-static",
    ]

    /// A builder for the guests in `guestsDirectory`, compiling with `clang` and `extraFlags`.
    public init(guestsDirectory: String, clang: String = "clang", extraFlags: [String] = ["-O2"]) {
        self.guestsDirectory = guestsDirectory
        self.clang = clang
        self.extraFlags = extraFlags
    }

    /// The linker script every guest is linked with.
    public var linkerScript: String { guestsDirectory + "/link.ld" }

    /// The runtime's sources: start-up (per-hart stacks, bss clearing) and the C library
    /// subset (UART console, printf-lite, exit, barrier).
    public var runtimeSources: [String] {
        [guestsDirectory + "/runtime/crt0.S", guestsDirectory + "/runtime/runtime.c"]
    }

    /// Compiles and links `sources` into the ELF file `output` and returns its path. With
    /// `runtime`, the guest runtime is linked in and provides `_start`; without it the
    /// sources must define `_start` themselves. Throws ``GuestBuildError`` when clang fails.
    @discardableResult
    public func build(sources: [String], output: String, runtime: Bool = true, flags: [String] = []) throws -> String {
        var arguments = GuestBuilder.targetFlags + extraFlags + ["-g", "-T", linkerScript]
        arguments += ["-I", guestsDirectory + "/runtime"]
        arguments += flags + (runtime ? runtimeSources : []) + sources + ["-o", output]
        let process = Process()
        if clang.contains("/") {
            process.executableURL = URL(fileURLWithPath: clang)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [clang] + arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let command = [clang] + arguments
        do {
            try process.run()
        } catch {
            throw GuestBuildError(command: command, status: -1, output: "cannot start \(clang): \(error)")
        }
        // Read before waiting, so a chatty compiler cannot fill the pipe and block.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GuestBuildError(command: command, status: process.terminationStatus,
                                  output: String(decoding: data, as: UTF8.self))
        }
        return output
    }
}
