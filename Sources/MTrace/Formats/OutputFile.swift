#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An output that cannot be written, or a destination refused before any work.
public struct OutputError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var message: String
    /// The `errno` of a failed system call, when one failed.
    public var code: Int32?
    public init(path: String, message: String, code: Int32? = nil) {
        self.path = path
        self.message = message
        self.code = code
    }
    public var description: String { "\(path == "-" ? "standard output" : path): \(message)" }
    /// The reader of a pipe went away: Unix tools end quietly then.
    public var isBrokenPipe: Bool { code == EPIPE }
}

/// Where the bytes for an output path go, decided once before writing.
///
/// A new path or an existing regular file is written to a temporary beside it and renamed
/// into place when complete, so a failure never leaves a partial or half-replaced file. An
/// existing device node or named pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written in place:
/// renaming over it would replace the node with a regular file. A symbolic link is followed
/// to the file it names, so the link stays and its target gets the output. `-` is stdout.
public enum OutputDestination: Equatable, Sendable {
    case standardOutput
    /// A new or regular file at this path (symbolic links resolved).
    case replace(String)
    /// An existing node that is not a regular file or a folder.
    case inPlace(String)

    /// Resolves `path`; throws ``OutputError`` for a folder, a missing parent folder, a
    /// socket, or a link to nothing.
    public static func resolve(_ path: String) throws -> OutputDestination {
        if path == "-" { return .standardOutput }
        if path.isEmpty { throw OutputError(path: path, message: "an empty file name") }
        var target = path
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
            guard let real = realpath(path, nil) else {
                throw OutputError(path: path, message: "is a symbolic link to a missing file", code: errno)
            }
            target = String(cString: real)
            free(real)
        }
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: return .replace(target)
            case S_IFDIR: throw OutputError(path: path, message: "is a folder; give a file name")
            case S_IFCHR, S_IFIFO, S_IFBLK: return .inPlace(target)
            default: throw OutputError(path: path, message: "is not a file that can be written (a socket?)")
            }
        }
        let code = errno
        guard code == ENOENT else {
            throw OutputError(path: path, message: "cannot be written: \(describeErrno(code))", code: code)
        }
        let folder = folderOf(target)
        guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw OutputError(path: path, message: "cannot be written: folder \(folder) does not exist")
        }
        return .replace(target)
    }
}

/// One output file, opened for its ``OutputDestination``: bytes are written through a
/// descriptor, ``commit()`` publishes them (renames a temporary into place), and
/// ``discard()`` (or deinit before a commit) removes any temporary.
public final class OutputFile {
    /// The path as the user named it, for messages.
    public let name: String
    public let destination: OutputDestination
    /// The descriptor to write (for compressors that take it over, as gzip does).
    public private(set) var descriptor: Int32
    private let temporary: String?
    private var isOpen = true
    private var published = false

    /// Opens `path` (see ``OutputDestination/resolve(_:)``); throws ``OutputError``.
    public convenience init(path: String) throws {
        try self.init(destination: OutputDestination.resolve(path), name: path)
    }

    /// Standard output, which needs no opening.
    public init(standardOutput: Void = ()) {
        name = "-"
        destination = .standardOutput
        descriptor = 1
        temporary = nil
    }

    /// Opens `destination`. With `staged`, bytes for stdout or a device also go to a temporary
    /// file first (in `TMPDIR`), copied out on ``commit()``, for writers that reread what they
    /// wrote (``temporaryPath``).
    public init(destination: OutputDestination, name: String, staged: Bool = false) throws {
        self.name = name
        self.destination = destination
        switch destination {
        case .standardOutput where !staged:
            descriptor = 1
            temporary = nil
        case let .inPlace(path) where !staged:
            descriptor = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            temporary = nil
            guard descriptor >= 0 else { throw OutputError(path: name, message: "cannot be written: \(describeErrno(errno))", code: errno) }
        case let .replace(path):
            (descriptor, temporary) = try Self.createTemporary(folder: folderOf(path), file: nameOf(path), reportingAs: name)
        case .standardOutput, .inPlace:
            let folder = ProcessInfo.temporaryFolder
            (descriptor, temporary) = try Self.createTemporary(folder: folder, file: "mtlab-output", reportingAs: name)
        }
    }

    /// A new file beside the destination (so the final rename stays on one file system).
    private static func createTemporary(folder: String, file: String, reportingAs name: String) throws -> (Int32, String) {
        var attempt = 0
        while true {
            let candidate = "\(folder)/.\(file).mtlab-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
            // O_EXCL: never clobber another writer's temporary; 0666 lets the umask decide.
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, candidate) }
            let code = errno
            attempt += 1
            if code != EEXIST || attempt >= 100 {
                throw OutputError(path: name, message: "cannot be written: \(describeErrno(code))", code: code)
            }
        }
    }

    /// The temporary file being written, if there is one (see `staged`).
    public var temporaryPath: String? { temporary }

    deinit { discard() }

    /// Writes all of `bytes`; throws ``OutputError`` (``OutputError/isBrokenPipe`` for a
    /// reader that went away).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(descriptor, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            base += n
            left -= n
        }
    }

    /// Writes a string's UTF-8 bytes.
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// The error for a failed system call with `code`.
    public func failure(_ code: Int32) -> OutputError {
        OutputError(path: name, message: "cannot be written: \(describeErrno(code))", code: code)
    }

    /// Closes the descriptor (unless stdout) and, for a replaced file, syncs it and renames
    /// the temporary into place; a staged output is copied to stdout or the device. `closed`
    /// says a compressor has closed the descriptor already.
    public func commit(descriptorClosed closed: Bool = false) throws {
        guard isOpen else { return }
        isOpen = false
        defer { descriptor = -1 }
        guard let temporary else {
            if case .inPlace = destination, !closed, closeDescriptor(descriptor) != 0 { throw failure(errno) }
            return
        }
        do {
            if case let .replace(path) = destination {
                if !closed {
                    guard fsync(descriptor) == 0 else { throw failure(errno) }
                    guard closeDescriptor(descriptor) == 0 else { throw failure(errno) }
                }
                guard rename(temporary, path) == 0 else { throw failure(errno) }
                published = true
            } else {
                if !closed { _ = closeDescriptor(descriptor) }
                try copyOut(temporary)
                unlink(temporary)
            }
        } catch {
            discardTemporary()
            throw error
        }
    }

    /// Copies a staged temporary to stdout or the device.
    private func copyOut(_ staged: String) throws {
        let input = open(staged, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw failure(errno) }
        defer { _ = closeDescriptor(input) }
        let target = try OutputFile(destination: destination, name: name)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = read(input, chunk.baseAddress, chunk.count)
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw failure(errno) }
            if n == 0 { break }
            try target.write(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        }
        try target.commit()
    }

    /// Abandons the output: closes it and removes the temporary. Safe to call twice.
    public func discard(descriptorClosed closed: Bool = false) {
        guard isOpen else { return }
        isOpen = false
        if !closed, descriptor != 1, descriptor >= 0 { _ = closeDescriptor(descriptor) }
        descriptor = -1
        discardTemporary()
    }

    private func discardTemporary() {
        if let temporary, !published { unlink(temporary) }
    }
}

/// Creates `path` and any missing parents, as `mkdir -p`; returns the folders it created,
/// outermost first, so that a failed run can remove them again.
@discardableResult
public func makeFolders(_ path: String) throws -> [String] {
    var created: [String] = []
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += component
        if mkdir(prefix, 0o777) == 0 {
            created.append(prefix)
        } else {
            let code = errno
            var info = stat()
            guard code == EEXIST, stat(prefix, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw OutputError(path: path, message: "cannot create the folder \(prefix): \(describeErrno(code == EEXIST ? ENOTDIR : code))", code: code)
            }
        }
        prefix += "/"
    }
    return created
}

/// The folder part of a path ("." for a bare name, "/" for a file at the root).
public func folderOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// The last component of a path.
public func nameOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// write(2), under a name that ``OutputFile/write(_:)`` does not shadow.
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

extension ProcessInfo {
    /// `TMPDIR`, or `/tmp`.
    static var temporaryFolder: String {
        let named = processInfo.environment["TMPDIR"] ?? ""
        return named.isEmpty ? "/tmp" : (named.hasSuffix("/") && named.count > 1 ? String(named.dropLast()) : named)
    }
}
