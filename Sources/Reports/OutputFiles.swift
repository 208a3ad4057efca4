import Foundation
import MTrace

/// Report files written all or nothing: each goes to a temporary file in its own folder and
/// is renamed into place only when every one has been written, so a failure never leaves a
/// partial file or a half-replaced set.
public struct OutputFiles {
    public private(set) var files: [(path: String, contents: String)] = []
    /// Folders to create (with their parents) before writing.
    public private(set) var folders: [String] = []

    public init() {}

    /// Adds one file; `path`'s folder must exist (see ``checkFile(_:)``).
    public mutating func add(path: String, contents: String) {
        files.append((path, contents))
    }

    /// Files left over from an earlier report, removed once the new ones are in place.
    public private(set) var stale: [String] = []

    /// Adds `contents` under `folder`, creating the folder when it does not exist. Files of
    /// `family` that this report does not write are removed (a trace run's CSV folder keeps
    /// no `guest.csv` from an earlier guest run), so the folder always holds one report.
    public mutating func add(folder: String, files named: [(name: String, contents: String)], family: [String] = []) {
        if !folders.contains(folder) { folders.append(folder) }
        for (name, contents) in named { files.append((folder + "/" + name, contents)) }
        for name in family where !named.contains(where: { $0.name == name }) { stale.append(folder + "/" + name) }
    }

    /// Refuses, before any work, a file destination that cannot be written: a missing folder
    /// or a path that is a folder (see ``OutputDestination``).
    public static func checkFile(_ path: String) throws {
        _ = try OutputDestination.resolve(path)
    }

    /// Refuses, before any work, a CSV folder that exists and holds anything but the files
    /// mtlab writes there (so a mistyped path never mixes reports into unrelated data).
    public static func checkFolder(_ path: String, allowing names: [String]) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw OutputError(path: path, message: "exists and is not a folder")
        }
        let entries: [String]
        do {
            entries = try fm.contentsOfDirectory(atPath: path)
        } catch {
            throw OutputError(path: path, message: "cannot list the folder: \(describe(error))")
        }
        let others = entries.filter { !names.contains($0) }.sorted()
        guard others.isEmpty else {
            let shown = others.prefix(3).joined(separator: ", ") + (others.count > 3 ? ", …" : "")
            throw OutputError(path: path, message: "refusing to write CSV files into a folder that holds other files (\(shown)); give a new or empty folder")
        }
    }

    /// Writes every file, or none: temporaries first, then renames. Device nodes and named
    /// pipes among the destinations are written in place (see ``OutputDestination``).
    public func commit() throws {
        var createdFolders: [String] = []
        var opened: [OutputFile] = []
        do {
            for folder in folders { createdFolders += try makeFolders(folder) }
            for (path, contents) in files {
                let file = try OutputFile(path: path)
                opened.append(file)
                try file.write(contents)
            }
            for file in opened { try file.commit() }
            for path in stale where unlink(path) != 0 && errno != ENOENT {
                throw OutputError(path: path, message: "cannot remove the earlier report's file: \(String(cString: strerror(errno)))")
            }
        } catch {
            for file in opened { file.discard() }
            for f in createdFolders.reversed() { rmdir(f) }
            throw error
        }
    }
}

/// A Foundation file error as the system's own words ("Permission denied"): Foundation's
/// descriptions on Linux can name the wrong file or none.
package func describe(_ error: Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    return ns.localizedDescription
}
