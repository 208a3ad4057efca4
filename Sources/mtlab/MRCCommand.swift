import ArgumentParser
import Experiments
import Foundation
import Reports

/// `mtlab mrc CONFIG`: one-pass LRU miss-ratio curves per CPU, as CSV.
struct MRCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrc",
        abstract: "Compute LRU miss-ratio curves for every cache size in one pass (Mattson stack distances).",
        discussion: """
            Each CPU's line accesses go to its own private LRU cache (as with protocol none), \
            whatever the config's protocol and replacement say. The set count is fixed (the \
            config's, or --sets; 1 is fully associative) and the associativity runs from one way \
            to the point where misses stop falling, then the working set. The counts equal those \
            of separate `mtlab run`s with coherence.protocol=none and cache.replacement=lru. \
            Columns: cpu (a number or total), sets, ways, lines, bytes, accesses, misses, miss_ratio.
            """)

    @Argument(help: "The run's TOML config file (its workload, CPUs, line size and set count are used).")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key before validation (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Sets of every cache on the curve, a power of two (default: the config's; 1 = fully associative).", valueName: "n"))
    var sets: Int?

    @Flag(help: "Only ways that are powers of two (plus the saturation point and the working set).")
    var powersOfTwo = false

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the CSV to this file instead of stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
        if let sets, sets < 1 || sets & (sets - 1) != 0 || sets > 1 << 30 {
            throw ValidationError("--sets must be a power of two from 1 to 2^30, got \(sets)")
        }
    }

    func run() throws {
        try reportingErrors {
            let configuration = try RunConfiguration.load(path: config, overrides: overrides)
            if let output { try OutputFiles.checkFile(output) }
            // The profiles are checked against the machine's memory before anything is
            // allocated; the message names what asked for their sets.
            let cpus = "\(configuration.cpus) CPU\(configuration.cpus == 1 ? "" : "s")"
            let profiler: MissRatioProfiler
            if let sets {
                profiler = try MissRatioProfiler(cpus: configuration.cpus, sets: sets, lineSize: configuration.geometry.lineSize,
                                                 keys: "--sets \(sets) × \(cpus)")
            } else {
                do {
                    profiler = try MissRatioProfiler(cpus: configuration.cpus, sets: configuration.geometry.sets,
                                                     lineSize: configuration.geometry.lineSize,
                                                     keys: "cache.sets × system.cpus: \(configuration.geometry.sets) sets × \(cpus)")
                } catch {
                    throw ConfigError(.outOfRange, place: configuration.file, key: "cache.sets", message: String(describing: error))
                }
            }
            try Runner.feed(configuration, into: profiler)
            let csv = profiler.curve(powersOfTwo: powersOfTwo).csv()
            if let output {
                var files = OutputFiles()
                files.add(path: output, contents: csv)
                try files.commit()
            } else {
                try writeOut(csv)
            }
            if configuration.replacement != .lru || configuration.coherence != .none {
                printError("mtlab: note: the curve is for private LRU caches (protocol none); the config's "
                    + "\(configuration.replacement.rawValue) replacement and \(configuration.coherence.rawValue) protocol are not used\n")
            }
        }
    }
}
