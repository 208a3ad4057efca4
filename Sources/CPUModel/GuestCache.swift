import Foundation

/// Why a guest source cannot be built: no guests folder around it, or unreadable inputs.
public struct GuestSourceError: Error, CustomStringConvertible, Sendable {
    public var source: String
    public var message: String
    public var description: String { "\(source): \(message)" }
}

/// Builds guest programs on demand and keeps each ELF in a cache folder under a content
/// hash of everything that went into it: the compiler (path, size, modification time),
/// every flag, the linker script, every file of the runtime, the source and the headers
/// beside it. A change to any of them builds afresh; an unchanged guest is not rebuilt.
///
/// The guests folder of a source is the nearest folder above it that holds `link.ld` and
/// `runtime/crt0.S` (for `guests/workloads/x.c`, that is `guests/`).
public struct GuestCache: Sendable {
    /// Where the ELFs are kept (created on demand). Never inside the repository's tracked files.
    public var folder: String
    /// The C compiler; a bare name is looked up on PATH.
    public var clang: String
    /// Flags given to every build (before the per-guest flags).
    public var baseFlags: [String]

    public init(folder: String, clang: String = "clang", baseFlags: [String] = ["-O2"]) {
        self.folder = folder
        self.clang = clang
        self.baseFlags = baseFlags
    }

    /// The default cache folder: `$XDG_CACHE_HOME/mtlab/guests`, else `~/.cache/mtlab/guests`.
    public static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        if let base = environment["XDG_CACHE_HOME"], base.hasPrefix("/") { return base + "/mtlab/guests" }
        return NSHomeDirectory() + "/.cache/mtlab/guests"
    }

    /// The guests folder that `source` belongs to, or nil.
    public static func guestsDirectory(of source: String) -> String? {
        let fm = FileManager.default
        var folder = URL(fileURLWithPath: source).standardizedFileURL.deletingLastPathComponent()
        while folder.path != "/" {
            if fm.fileExists(atPath: folder.appendingPathComponent("link.ld").path),
               fm.fileExists(atPath: folder.appendingPathComponent("runtime/crt0.S").path) {
                return folder.path
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// The ELF built from `source` (C or assembly) with the runtime and `flags`: from the
    /// cache when an identical build is there, otherwise built now. `built` says which.
    /// Throws ``GuestSourceError`` and ``GuestBuildError`` (the compiler's own messages).
    public func elf(for source: String, flags: [String] = []) throws -> (path: String, built: Bool) {
        guard FileManager.default.isReadableFile(atPath: source) else {
            throw GuestSourceError(source: source, message: "cannot read the guest source: no such file")
        }
        let guests = try guestsFolder(of: source)
        let key = try self.key(source: source, guests: guests, flags: flags)
        let builder = GuestBuilder(guestsDirectory: guests, clang: clang, extraFlags: baseFlags)
        let name = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let path = folder + "/" + name + "-" + key.prefix(24) + ".elf"
        if FileManager.default.fileExists(atPath: path) { return (path, false) }

        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw GuestSourceError(source: source, message: "cannot create the guest cache folder \(folder): \(error.localizedDescription)")
        }
        // Build beside the final name and rename: concurrent runs never see half an ELF.
        let temporary = folder + "/.\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).elf"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try builder.build(sources: [source], output: temporary, runtime: true, flags: flags)
        if rename(temporary, path) != 0 {
            throw GuestSourceError(source: source, message: "cannot move the built ELF into \(path): \(String(cString: strerror(errno)))")
        }
        return (path, true)
    }

    /// The content hash that names the build of `source` with `flags`: it changes whenever
    /// anything that goes into the ELF does (see the type's summary), so results keyed by it
    /// are never reused for a different program. Throws ``GuestSourceError``.
    public func buildKey(for source: String, flags: [String] = []) throws -> String {
        try key(source: source, guests: guestsFolder(of: source), flags: flags)
    }

    /// ``guestsDirectory(of:)``, or an error saying that `source` has none.
    private func guestsFolder(of source: String) throws -> String {
        guard let guests = GuestCache.guestsDirectory(of: source) else {
            throw GuestSourceError(source: source, message: "is not inside a guests folder (a folder above it must hold link.ld and runtime/crt0.S)")
        }
        return guests
    }

    /// The content hash of a build.
    func key(source: String, guests: String, flags: [String]) throws -> String {
        var hash = SHA256()
        func add(_ text: String) { hash.update(text); hash.update([0]) }
        func addFile(_ path: String, as name: String) throws {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GuestSourceError(source: source, message: "cannot read \(path), an input of the build")
            }
            add(name)
            add(String(data.count))
            hash.update(data)
        }
        add("mtlab guest build 1")
        add(compilerIdentity())
        for flag in GuestBuilder.targetFlags + baseFlags + flags { add(flag) }
        try addFile(guests + "/link.ld", as: "link.ld")
        let runtime = guests + "/runtime"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: runtime))?.sorted() ?? [] {
            try addFile(runtime + "/" + file, as: "runtime/" + file)
        }
        try addFile(source, as: "source")
        let sourceFolder = URL(fileURLWithPath: source).deletingLastPathComponent().path
        for file in (try? FileManager.default.contentsOfDirectory(atPath: sourceFolder))?.sorted() ?? []
            where file.hasSuffix(".h") {
            try addFile(sourceFolder + "/" + file, as: "header/" + file)
        }
        return hash.hexDigest()
    }

    /// The compiler as found on PATH, with its size and modification time: a new toolchain
    /// gives new builds.
    func compilerIdentity() -> String {
        var path = clang
        if !clang.contains("/") {
            for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
                let candidate = "\(directory)/\(clang)"
                if FileManager.default.isExecutableFile(atPath: candidate) { path = candidate; break }
            }
        }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else { return path }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(resolved) \(size) \(modified)"
    }
}
