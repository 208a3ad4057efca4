import Foundation
import TOML
import Experiments
import MTrace

/// A sweep file, read and checked: a base run config, an output folder, seeds, and a grid
/// of dotted config keys, each with the list of values to try.
///
/// ```toml
/// base = "lru-8way.toml"              # relative to this file
/// output = "results/ways-vs-protocol" # folder, relative to this file
/// seeds = [1, 2, 3]                   # optional; default [1]
/// [grid]
/// "cache.ways" = [1, 2, 4, 8, 16]
/// "coherence.protocol" = ["msi", "mesi", "moesi"]
/// ```
public struct SweepDefinition: Sendable {
    /// The sweep file as named on the command line.
    public let file: String
    /// `base` resolved against the sweep file's folder.
    public let basePath: String
    /// `output` resolved against the sweep file's folder.
    public let outputPath: String
    /// Values of `system.seed`, in order; each grid point runs once per seed.
    public let seeds: [UInt64]
    /// The grid's keys in the order the file lists them, each with its values.
    public let grid: [(key: String, values: [ConfigValue])]

    /// The top-level keys a sweep file may have.
    public static let topLevelKeys = ["base", "output", "seeds", "grid"]

    /// Reads the sweep file at `path`. Throws ``SweepError`` naming the file and the key.
    public static func load(path: String) throws -> SweepDefinition {
        let data: Data
        switch readInputFile(path) {
        case let .success(bytes): data = bytes
        case let .failure(problem): throw SweepError(place: path, message: "cannot read the sweep file: \(problem.reason)")
        }
        // The TOML reader checks the encoding, naming the line and byte offset of bad UTF-8.
        return try parse(bytes: Array(data), file: path)
    }

    /// Checks sweep text as if read from `file` (which anchors relative paths).
    public static func parse(_ text: String, file: String) throws -> SweepDefinition {
        try parse(bytes: Array(text.utf8), file: file)
    }

    static func parse(bytes: [UInt8], file: String) throws -> SweepDefinition {
        let root: TOMLTable
        do {
            root = try TOMLTable(parsing: bytes)
        } catch {
            throw SweepError(place: "\(file):\(error.line):\(error.column)", message: error.message)
        }
        if let unknown = root.keys.sorted().first(where: { !topLevelKeys.contains($0) }) {
            throw SweepError(place: file, message: "unknown key \(unknown) in the sweep file; valid keys are base, output, seeds and the [grid] table")
        }
        func path(_ key: String) throws -> String {
            guard let node = root[key] else {
                throw SweepError(place: file, message: "\(key) is required: \(key == "base" ? "the base run config" : "the output folder"), relative to the sweep file")
            }
            guard let value = node.string, !value.isEmpty else {
                throw SweepError(place: file, message: "\(key) must be a non-empty string (a path relative to the sweep file), got \(ConfigValue(toml: node).typedDescription)")
            }
            return resolve(value, against: file)
        }
        let basePath = try path("base")
        let outputPath = try path("output")
        let seeds = try readSeeds(root["seeds"], file: file)
        var grid: [(key: String, values: [ConfigValue])] = []
        if let node = root["grid"] {
            guard let table = node.table else {
                throw SweepError(place: file, message: "grid must be a table ([grid]) of dotted config keys with lists of values")
            }
            grid = try flatten(table, file: file)
        }
        return SweepDefinition(file: file, basePath: basePath, outputPath: outputPath, seeds: seeds, grid: grid)
    }

    /// The number of grid points (the product of the list lengths; 1 for an empty grid).
    public var pointCount: Int { grid.reduce(1) { $0 * $1.values.count } }

    // MARK: Parts

    static func readSeeds(_ node: TOMLValue?, file: String) throws -> [UInt64] {
        guard let node else { return [1] }
        guard let array = node.array, !array.isEmpty else {
            throw SweepError(place: file, message: "seeds must be a non-empty list of integers, such as [1, 2, 3]")
        }
        var seeds: [UInt64] = []
        for element in array {
            guard case let .integer(v) = ConfigValue(toml: element), v >= 0 else {
                throw SweepError(place: file, message: "seeds must hold integers 0…2^63−1, got \(ConfigValue(toml: element).typedDescription)")
            }
            guard !seeds.contains(UInt64(v)) else {
                throw SweepError(place: file, message: "seeds lists \(v) twice")
            }
            seeds.append(UInt64(v))
        }
        return seeds
    }

    /// `[grid]` entries as dotted keys, in the order the file lists them: `"cache.ways" = [...]`
    /// and `cache.ways = [...]` (a nested table in TOML) are the same key, and a key's place
    /// is where its list is written, even when another table's keys came between
    /// (`cache.ways`, `coherence.protocol`, `cache.sets`).
    static func flatten(_ table: TOMLTable, file: String) throws -> [(key: String, values: [ConfigValue])] {
        var leaves: [(key: String, node: TOMLValue)] = []
        func collect(_ table: TOMLTable, prefix: String) {
            for (name, node) in table {
                if let inner = node.table {
                    collect(inner, prefix: prefix + name + ".")
                } else {
                    leaves.append((prefix + name, node))
                }
            }
        }
        collect(table, prefix: "")
        // Distinct values start at distinct places, so the order is total.
        leaves.sort { ($0.node.position.line, $0.node.position.column) < ($1.node.position.line, $1.node.position.column) }
        return try leaves.map { ($0.key, try gridValues(key: $0.key, $0.node, file: file)) }
    }

    static func gridValues(key: String, _ node: TOMLValue, file: String) throws -> [ConfigValue] {
        guard ConfigKey.named(key) != nil else {
            let valid = ConfigKey.all.map(\.name).filter { $0 != "system.seed" }.joined(separator: ", ")
            throw SweepError(place: file, message: "grid key \(key) is not a config key the base can take; valid keys are \(valid)")
        }
        guard key != "system.seed" else {
            throw SweepError(place: file, message: "grid key system.seed: list the seeds in the top-level seeds = [...] instead")
        }
        guard let array = node.array else {
            throw SweepError(place: file, message: "grid key \(key) must be a list of values, such as [1, 2, 4], got \(ConfigValue(toml: node).typedDescription)")
        }
        guard !array.isEmpty else {
            throw SweepError(place: file, message: "grid key \(key) has an empty list: a sweep over no values has no points")
        }
        var values: [ConfigValue] = []
        for element in array {
            let value = ConfigValue(toml: element)
            if case .other = value {
                throw SweepError(place: file, message: "grid key \(key) lists \(value.description); values must be integers, numbers, strings or booleans")
            }
            guard !values.contains(value) else {
                throw SweepError(place: file, message: "grid key \(key) lists \(value.description) twice")
            }
            values.append(value)
        }
        return values
    }

    static func resolve(_ path: String, against file: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }
}
