import Foundation
import Testing

/// The built `mtlab` executable: next to the test bundle (Linux: the bundle URL is the
/// products folder; macOS: its parent), or in the package's `.build/debug`.
let mtlab: URL? = {
    let bundle = Bundle.main.bundleURL
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let folders = [bundle, bundle.deletingLastPathComponent(),
                   URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                   packageRoot.appendingPathComponent(".build/debug")]
    for folder in folders {
        let candidate = folder.appendingPathComponent("mtlab")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
           FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
    }
    return nil
}()

/// A scratch folder holding configs and traces; mtlab runs with it as the working directory.
final class Lab {
    let folder: URL
    /// Where a run's stdout and stderr go: outside `folder`, so that checks of what a run
    /// left behind see only mtlab's own files.
    private let captures: URL

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("mtlab-cli-\(UUID().uuidString)")
        folder = base.appendingPathComponent("lab")
        captures = base.appendingPathComponent("captures")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }

    func write(_ name: String, _ text: String) throws { try write(name, Data(text.utf8)) }

    func write(_ name: String, _ data: Data) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func read(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }
    func readText(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    /// The file's size in bytes, or -1 when it does not exist.
    func size(_ name: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path(name))[.size] as? Int) ?? nil ?? -1 }

    /// Every file and folder under the lab (or its folder `under`), as relative paths, sorted.
    func entries(_ under: String = "") -> [String] {
        let root = folder.appendingPathComponent(under).resolvingSymlinksInPath().path
        let all = FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
        return all.sorted()
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts mtlab in the lab; `environment` adds to (or replaces) the inherited variables.
    /// Returns the process and the files its stdout and stderr go to.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, URL, URL) {
        let executable = try #require(mtlab, "the mtlab executable was not found next to the tests; build with `swift build --build-tests`")
        let id = UUID().uuidString
        let out = captures.appendingPathComponent("\(id).out"), err = captures.appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    /// Runs mtlab in the lab to the end.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment)
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }
}
