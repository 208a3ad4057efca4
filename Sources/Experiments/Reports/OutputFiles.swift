import Foundation

/// A report file that cannot be written, or a destination refused before the run.
public struct OutputError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

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

    /// Adds `contents` under `folder`, creating the folder when it does not exist.
    public mutating func add(folder: String, files named: [(name: String, contents: String)]) {
        if !folders.contains(folder) { folders.append(folder) }
        for (name, contents) in named { files.append((folder + "/" + name, contents)) }
    }

    /// Refuses, before any work, a file destination that cannot be written: a missing folder
    /// or a path that is a folder.
    public static func checkFile(_ path: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputError(path: path, message: "is a folder; give a file name")
        }
        let folder = folderOf(path)
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError(path: path, message: "cannot be written: folder \(folder) does not exist")
        }
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
            throw OutputError(path: path, message: "cannot list the folder: \(error.localizedDescription)")
        }
        let others = entries.filter { !names.contains($0) }.sorted()
        guard others.isEmpty else {
            let shown = others.prefix(3).joined(separator: ", ") + (others.count > 3 ? ", …" : "")
            throw OutputError(path: path, message: "refusing to write CSV files into a folder that holds other files (\(shown)); give a new or empty folder")
        }
    }

    /// Writes every file, or none: temporaries first, then renames.
    public func commit() throws {
        let fm = FileManager.default
        var createdFolders: [String] = []
        var temporaries: [String] = []
        func cleanUp() {
            for t in temporaries { unlink(t) }
            for f in createdFolders.reversed() { rmdir(f) }
        }
        do {
            for folder in folders where !fm.fileExists(atPath: folder) {
                do {
                    try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw OutputError(path: folder, message: "cannot create the folder: \(error.localizedDescription)")
                }
                createdFolders.append(folder)
            }
            for (path, contents) in files {
                let temporary = folderOf(path) + "/." + nameOf(path) + ".mtlab-\(getpid()).tmp"
                temporaries.append(temporary)
                try writeFully(temporary, contents, reportingAs: path)
            }
            for (i, (path, _)) in files.enumerated() {
                guard rename(temporaries[i], path) == 0 else {
                    throw OutputError(path: path, message: "cannot be written: \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            cleanUp()
            throw error
        }
    }

    /// Creates `path` (which must not exist), writes and syncs it, so the rename that
    /// follows publishes complete data.
    private func writeFully(_ path: String, _ contents: String, reportingAs name: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw OutputError(path: name, message: "cannot be written: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes = Array(contents.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: name, message: "cannot be written: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        guard fsync(fd) == 0 else {
            throw OutputError(path: name, message: "cannot be written: \(String(cString: strerror(errno)))")
        }
    }
}

/// The folder part of a path ("." for a bare name).
func folderOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// The last component of a path.
func nameOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
