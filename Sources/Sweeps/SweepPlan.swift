import Foundation
import CPUModel
import MTrace
import Experiments

/// One combination of grid values.
public struct SweepPoint: Sendable {
    /// Position in the cartesian product, the first grid key varying slowest.
    public let index: Int
    /// One value per grid key, in grid order.
    public let values: [ConfigValue]
    /// The values as `--set key=value` overrides of the base config.
    public let overrides: [String]
}

/// One simulation of a sweep: a point with a seed.
public struct SweepRun {
    public let point: Int
    public let seed: UInt64
    /// Names the result in the output folder: a hash of ``canonical``.
    public let key: String
    /// The point's full resolved configuration with this seed in canonical text; two runs
    /// with the same text are the same simulation and run once.
    public let canonical: String
    /// The configuration to run, or nil when the point's overrides do not give a valid config.
    public let configuration: RunConfiguration?
    /// Why the configuration did not load.
    public let loadError: String?
}

/// A sweep expanded: every point of the grid, every run (point × seed) with the key of its
/// result, and the identity that an output folder must match.
public struct SweepPlan {
    public let definition: SweepDefinition
    public let base: RunConfiguration
    public let points: [SweepPoint]
    /// Point-major: all seeds of point 0, then of point 1, …
    public let runs: [SweepRun]
    /// The base's resolved configuration without the grid keys and the seed, and the grid
    /// keys: what makes two sweeps the same experiment. Adding values or seeds keeps it.
    public let identity: String

    /// Bumped when a result's meaning changes, so that old results are not reused.
    public static let resultVersion = 2

    /// Loads the base config and every point's config. Throws ``SweepError`` when the base
    /// fails to load or no point gives a valid config; points that fail alone become runs
    /// with a ``SweepRun/loadError``, reported as failed without stopping the others.
    public init(_ definition: SweepDefinition) throws {
        self.definition = definition
        do {
            base = try RunConfiguration.load(path: definition.basePath)
        } catch let e as ConfigError {
            throw SweepError(place: definition.file, message: "the base config fails to load: \(e.description)")
        }
        let keys = definition.grid.map(\.key)
        identity = (["mtlab sweep v\(Self.resultVersion)", "grid " + keys.joined(separator: " ")]
            + base.resolvedValues.filter { !keys.contains($0.key) && $0.key != "system.seed" }
                .map { "\($0.key)=\($0.value)" })
            .joined(separator: "\n") + "\n"

        var points: [SweepPoint] = []
        var combination = [Int](repeating: 0, count: keys.count)
        for index in 0..<definition.pointCount {
            let values = definition.grid.indices.map { definition.grid[$0].values[combination[$0]] }
            points.append(SweepPoint(index: index, values: values,
                                     overrides: zip(keys, values).map { "\($0)=\($1.description)" }))
            // Odometer: the last key varies fastest.
            var k = keys.count - 1
            while k >= 0 {
                combination[k] += 1
                if combination[k] < definition.grid[k].values.count { break }
                combination[k] = 0
                k -= 1
            }
        }
        self.points = points

        var runs: [SweepRun] = []
        var fingerprints: [String: String] = [:]
        var loaded = 0
        var firstError: String?
        for point in points {
            var configuration: RunConfiguration?
            var loadError: String?
            do {
                configuration = try RunConfiguration.load(path: definition.basePath, overrides: point.overrides)
                loaded += 1
            } catch {
                loadError = String(describing: error)
                firstError = firstError ?? loadError
            }
            for seed in definition.seeds {
                if var c = configuration {
                    c.seed = seed
                    let canonical = Self.canonical(c, fingerprints: &fingerprints)
                    runs.append(SweepRun(point: point.index, seed: seed, key: stableHash(canonical), canonical: canonical,
                                         configuration: c, loadError: nil))
                } else {
                    let canonical = "unloadable\n" + point.overrides.joined(separator: "\n") + "\nseed=\(seed)\n"
                    runs.append(SweepRun(point: point.index, seed: seed, key: stableHash(canonical), canonical: canonical,
                                         configuration: nil, loadError: loadError))
                }
            }
        }
        if loaded == 0, let firstError {
            throw SweepError(place: definition.file, message: "no point of the grid gives a valid config; the first says: \(firstError)")
        }
        self.runs = runs
    }

    /// A run's configuration as canonical text: every resolved key, the seed only when it can
    /// change the run (otherwise every seed names the same simulation).
    ///
    /// The file the run reads (trace, ELF or guest source) is named by path in the keys and
    /// identified by content on an `input=` line, so a file rewritten in place gives new
    /// keys instead of old results. A guest source is identified by its build's content
    /// hash, which also covers its headers, the runtime, the linker script, the flags and
    /// the compiler. `fingerprints` caches the identities by path and flags.
    static func canonical(_ c: RunConfiguration, fingerprints: inout [String: String]) -> String {
        var lines = ["mtlab sweep run v\(resultVersion)"]
        for (key, value) in c.resolvedValues where key != "system.seed" { lines.append("\(key)=\(value)") }
        if let path = c.inputPath {
            let flags = c.emulated.flatMap { e -> [String]? in
                if case .guest = e.program { return e.compilerFlags }
                return nil
            }
            let cacheKey = path + "\u{0}" + (flags?.joined(separator: "\u{0}") ?? "")
            if fingerprints[cacheKey] == nil {
                if let flags {
                    let build = try? GuestCache(folder: "").buildKey(for: path, flags: flags)
                    fingerprints[cacheKey] = build.map { "guest build " + $0 } ?? "unreadable"
                } else {
                    fingerprints[cacheKey] = fileFingerprint(path: path) ?? "unreadable"
                }
            }
            lines.append("input=" + fingerprints[cacheKey]!)
        }
        lines.append(c.seedMatters ? "system.seed=\(c.seed)" : "system.seed=any (cannot change this run)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Each distinct simulation once, in the order of its first run.
    public var uniqueRuns: [SweepRun] {
        var seen = Set<String>()
        return runs.filter { seen.insert($0.key).inserted }
    }

    /// The `k`-th (1-based) of `n` disjoint parts of ``uniqueRuns``, dealt round-robin so
    /// that the parts get similar mixes of cheap and costly points.
    public func shard(_ k: Int, of n: Int) -> [SweepRun] {
        precondition(n >= 1 && k >= 1 && k <= n, "shard must be 1…n")
        return uniqueRuns.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
    }

    /// Points whose seeds cannot change anything (trace workloads without random replacement,
    /// generators that draw nothing): their seeds repeat one identical run.
    public var seedInsensitivePoints: Int {
        var insensitive = Set<Int>()
        for run in runs where run.configuration.map({ !$0.seedMatters }) ?? false { insensitive.insert(run.point) }
        return insensitive.count
    }
}

/// 64-bit FNV-1a of the UTF-8 bytes as 16 hex digits: stable across runs, processes and
/// platforms (Swift's `Hasher` is seeded per process). Results also store the text hashed,
/// so a collision is detected rather than trusted.
func stableHash(_ text: String) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        h ^= UInt64(byte)
        h = h &* 0x0000_0100_0000_01B3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
