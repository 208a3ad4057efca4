import Foundation
import Testing
@testable import MTrace

/// `readInputFile`: the file's bytes, or the one reason every reader of config, sweep and
/// symbol files gives.
@Suite struct InputFileTests {
    @Test func readsAFileOrSaysWhyNot() throws {
        let folder = NSTemporaryDirectory() + "mtlab-input-file-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("x = 1\n".utf8).write(to: URL(fileURLWithPath: folder + "/a.toml"))
        #expect(try readInputFile(folder + "/a.toml").get() == Data("x = 1\n".utf8))
        #expect(throws: InputFileProblem.missing) { try readInputFile(folder + "/none.toml").get() }
        #expect(throws: InputFileProblem.folder) { try readInputFile(folder).get() }
        #expect(InputFileProblem.missing.reason == "no such file" && InputFileProblem.folder.reason == "it is a folder")
        #expect(InputFileProblem.missing.systemWords == "No such file or directory"
                && InputFileProblem.folder.systemWords == "Is a directory")
    }
}
