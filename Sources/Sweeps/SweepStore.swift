import Foundation
import MTrace
import Experiments
import Reports

/// A sweep's output folder: `sweep.json` (which sweep it holds), `points/` (one result
/// file per finished run, `<key>.json`, and one per failed run, `<key>.failed.json`) and
/// the tables that ``SweepTables`` derives from them; `slurm/` when it was submitted with
/// `mtlab sweep --slurm` (``SlurmBatch``).
///
/// Every file is written to a temporary name and renamed into place, so an interrupted
/// sweep leaves only whole results; shards on other machines may share the folder.
public struct SweepStore {
    public let folder: String
    public var pointsFolder: String { folder + "/points" }
    /// Where `mtlab sweep --slurm` keeps its batch scripts, job logs and record of jobs.
    public var slurmFolder: String { folder + "/" + Self.slurmFolderName }
    public static let slurmFolderName = "slurm"

    public static let manifestName = "sweep.json"
    /// The derived tables, rewritten whole (from the results) by every run and collect.
    public static let tableNames = ["results.csv", "results.json", "summary.csv", "summary.json", "failures.csv"]

    /// Opens the plan's output folder, creating it (when `create`) or checking that it holds
    /// this sweep. Throws ``SweepError`` for a folder of another sweep or of other files;
    /// nothing in the folder is changed then.
    public static func open(_ plan: SweepPlan, create: Bool) throws -> SweepStore {
        try open(plan, create: create, change: true)
    }

    /// What ``open(_:create:)`` checks, changing nothing: the store when the folder holds
    /// this sweep, nil when it is absent or empty (and `create` allows that), or an error.
    public static func check(_ plan: SweepPlan, create: Bool) throws -> SweepStore? {
        let store = try open(plan, create: create, change: false)
        return FileManager.default.fileExists(atPath: store.folder + "/" + manifestName) ? store : nil
    }

    private static func open(_ plan: SweepPlan, create: Bool, change: Bool) throws -> SweepStore {
        let folder = plan.definition.outputPath
        let store = SweepStore(folder: folder)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: folder, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw SweepError(place: folder, message: "the sweep's output exists and is not a folder")
        }
        let manifest = folder + "/" + manifestName
        // Listed once: a shard that starts at the same moment may add sweep.json and points/
        // at any time, and then this folder must count as holding the sweep.
        let entries = exists ? ((try? fm.contentsOfDirectory(atPath: folder)) ?? []) : []
        if entries.contains(manifestName) || fm.fileExists(atPath: manifest) {
            try store.checkManifest(manifest, plan: plan)
        } else if let other = entries.sorted().first(where: { !isTemporary($0) }) {
            throw SweepError(place: folder, message: "holds files that are not a sweep's (\(other)); give a new or empty output folder")
        } else if !create {
            throw SweepError(place: folder, message: "holds no sweep yet: run the sweep first")
        } else if !change {
            return store
        } else {
            // The manifest first, then points/: a shard starting at the same moment sees
            // either an empty folder or this sweep's manifest, never a folder of strangers.
            var files = OutputFiles()
            files.add(folder: folder, files: [(manifestName, manifestText(plan))])
            do { try files.commit() } catch let e as OutputError { throw SweepError(place: e.path, message: e.message) }
        }
        if !change { return store }
        do {
            try makeFolders(store.pointsFolder)
        } catch let e as OutputError {
            throw SweepError(place: store.pointsFolder, message: e.message)
        }
        return store
    }

    /// Names of the temporary files ``OutputFiles`` writes before renaming (left behind only
    /// by a killed process).
    static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.hasSuffix(".tmp") }

    static func manifestText(_ plan: SweepPlan) -> String {
        JSONValue.object([
            ("mtlab_sweep", .integer(SweepPlan.resultVersion)),
            ("sweep_file", .string(plan.definition.file)),
            ("grid_keys", .array(plan.definition.grid.map { .string($0.key) })),
            ("identity", .string(plan.identity)),
        ]).rendered()
    }

    func checkManifest(_ path: String, plan: SweepPlan) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let identity = object["identity"] as? String else {
            throw SweepError(place: path, message: "is not a sweep manifest; give a new or empty output folder")
        }
        guard identity == plan.identity else {
            let ours = plan.identity.split(separator: "\n"), theirs = identity.split(separator: "\n")
            func name(_ line: Substring) -> Substring { line.split(separator: "=").first ?? line }
            var differences: [String] = []
            for line in ours where !theirs.contains(line) {
                let other = theirs.first { name($0) == name(line) }
                differences.append("\(line)" + (other.map { " (the folder's: \($0))" } ?? " (not in the folder's)"))
            }
            for line in theirs where !ours.contains(line) && !ours.contains(where: { name($0) == name(line) }) {
                differences.append("no \(line) (the folder's has it)")
            }
            let difference = differences.isEmpty ? "the order of the grid keys differs"
                : "this sweep has " + differences.prefix(3).joined(separator: ", ") + (differences.count > 3 ? ", …" : "")
            let file = (object["sweep_file"] as? String).map { " (from \($0))" } ?? ""
            throw SweepError(place: folder, message: "holds results of a different sweep\(file): \(difference); "
                + "give another output folder (results there are left as they are)")
        }
    }

    func resultPath(_ key: String) -> String { pointsFolder + "/" + key + ".json" }
    func failurePath(_ key: String) -> String { pointsFolder + "/" + key + ".failed.json" }

    /// The stored result of `run`, or nil when it has not finished. Throws ``SweepError``
    /// for an unreadable file or one that holds another configuration (a hash collision).
    public func result(for run: SweepRun) throws -> PointResult? {
        let path = resultPath(run.key)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let result = try PointResult.read(path: path)
        guard result.canonical == run.canonical else {
            throw SweepError(place: path, message: "holds a run whose configuration differs from the one with the same key (a hash collision); move it away")
        }
        return result
    }

    /// The error a failed run recorded, or nil.
    public func failure(for run: SweepRun) -> String? {
        guard let data = FileManager.default.contents(atPath: failurePath(run.key)),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        return object["error"] as? String
    }

    /// Stores a finished run and forgets an earlier failure of it.
    func save(_ result: PointResult, outcome: CompletedRun) throws {
        try write(resultPath(result.key), PointResult.render(result, outcome: outcome))
        unlink(failurePath(result.key))
    }

    /// Records a failed run, so that `--collect` can report it; a later success replaces it.
    func saveFailure(_ run: SweepRun, message: String) throws {
        try write(failurePath(run.key), JSONValue.object([
            ("key", .string(run.key)), ("point", .integer(run.point)), ("seed", .unsigned(run.seed)),
            ("canonical", .string(run.canonical)), ("error", .string(message)),
        ]).rendered())
    }

    /// Writes the derived tables, all or none.
    public func writeTables(_ tables: [(name: String, contents: String)]) throws {
        var files = OutputFiles()
        for (name, contents) in tables { files.add(path: folder + "/" + name, contents: contents) }
        do { try files.commit() } catch let e as OutputError { throw SweepError(place: e.path, message: e.message) }
    }

    private func write(_ path: String, _ contents: String) throws {
        var files = OutputFiles()
        files.add(path: path, contents: contents)
        do { try files.commit() } catch let e as OutputError { throw SweepError(place: e.path, message: e.message) }
    }
}
