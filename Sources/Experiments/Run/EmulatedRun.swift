import CPUModel
import Coherence
import MTrace
import Reports

/// How emulated workloads run: where the guest's console output goes, where built guests
/// are cached, and who receives the guest's annotation records.
public struct EmulatorOptions {
    /// Called with each byte the guest writes to its console, as it is written.
    public var console: ((UInt8) -> Void)?
    /// Builds and caches `workload.guest` programs.
    public var guestCache: GuestCache
    /// Receives every annotation record (labels, locks, fcalls, call records, …): where an
    /// mtrace log writer plugs in. Host and appdata entries are acted on either way.
    public var annotations: AnnotationSink?
    /// Receives every recorded access batch too, after the simulator. Each annotation
    /// record reaches `annotations` after the batches holding the accesses recorded before
    /// it, so one object that is both sinks sees one stream in mtrace's order.
    public var accessObserver: AccessSink?

    public init(console: ((UInt8) -> Void)? = nil, guestCache: GuestCache = GuestCache(folder: GuestCache.defaultFolder),
                annotations: AnnotationSink? = nil, accessObserver: AccessSink? = nil) {
        self.console = console
        self.guestCache = guestCache
        self.annotations = annotations
        self.accessObserver = accessObserver
    }
}

/// A guest program that cannot be built, loaded or started, located at the config key
/// that names it.
public struct WorkloadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The config file.
    public var place: String
    /// `workload.elf` or `workload.guest`.
    public var key: String
    /// The program's path as the config wrote it.
    public var path: String
    public var message: String

    public var description: String { "\(place): \(key) \(quoted(path)): \(message)" }
}

extension Runner {
    /// Runs the program with the simulator as its trace sink (and `options.accessObserver`
    /// after it); the caller finishes the simulator.
    static func runEmulated(_ configuration: RunConfiguration, _ workload: EmulatedWorkload,
                            into simulator: AccessSink, options: EmulatorOptions) throws -> GuestSummary {
        let sink: AccessSink = options.accessObserver.map { TeeSink(simulator, $0) } ?? simulator
        return try emulate(configuration, workload, into: sink, options: options)
    }

    /// Builds (or finds) the program, loads it into a machine with one hart per CPU and
    /// runs it with `sink` as its trace sink; says how the guest ran.
    static func emulate(_ configuration: RunConfiguration, _ workload: EmulatedWorkload,
                        into sink: AccessSink, options: EmulatorOptions) throws -> GuestSummary {
        let (key, path) = workload.programKey
        func failure(_ message: String) -> WorkloadError {
            WorkloadError(place: configuration.file, key: key, path: path, message: message)
        }
        let elf = try program(configuration, workload, options: options, failure: failure)
        let image: ELFImage
        do {
            image = try ELFImage(contentsOf: elf)
        } catch let e as ELFError {
            throw failure(e.message)
        }
        let machine: Machine
        do {
            machine = try Machine(configuration: workload.machineConfiguration(cpus: configuration.cpus, seed: configuration.seed),
                                  program: image)
        } catch let e as MachineError {
            if case .segmentOutsideRAM = e {
                throw failure("\(e) (machine.ram is \(workload.ramSize) bytes)")
            }
            throw failure(e.description)
        }
        machine.onConsoleOutput = options.console
        let result = try machine.run(trace: sink, annotations: options.annotations)
        var summary = GuestSummary(result, machine: machine, limitKey: "machine.max_instructions")
        summary.elf = elf
        return summary
    }

    /// The ELF to run: `workload.elf` itself, or `workload.guest` built through the cache
    /// with `-DMTLAB_CPUS=<cpus>` and `workload.cflags`.
    private static func program(_ configuration: RunConfiguration, _ workload: EmulatedWorkload,
                                options: EmulatorOptions, failure: (String) -> WorkloadError) throws -> String {
        switch workload.program {
        case let .elf(_, resolvedPath):
            return resolvedPath
        case let .guest(_, resolvedPath, _):
            let flags = ["-DMTLAB_CPUS=\(configuration.cpus)"] + workload.compilerFlags
            do {
                return try options.guestCache.elf(for: resolvedPath, flags: flags).path
            } catch let e as GuestSourceError {
                throw failure(e.message)
            } catch let e as GuestBuildError {
                if e.status < 0 {
                    throw failure("cannot run the compiler (the Swift toolchain's clang must be on PATH): \(e.output)")
                }
                // The compiler's own error lines; the rest (notes, the command) would drown them.
                let lines = e.output.split(separator: "\n").map(String.init)
                let errors = lines.filter { $0.contains("error") }
                let shown = (errors.isEmpty ? Array(lines.prefix(3)) : Array(errors.prefix(5))).joined(separator: "; ")
                throw failure("does not compile: \(shown)")
            }
        }
    }
}

/// Hands each batch to two sinks, in order.
private final class TeeSink: AccessSink {
    let first: AccessSink
    let second: AccessSink
    init(_ first: AccessSink, _ second: AccessSink) {
        self.first = first
        self.second = second
    }
    func consume(_ accesses: UnsafeBufferPointer<Access>) throws {
        try first.consume(accesses)
        try second.consume(accesses)
    }
}
