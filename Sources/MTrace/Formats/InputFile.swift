import Foundation

/// Why an input file (a config, a sweep file, an ELF's symbols) could not be read.
package enum InputFileProblem: Error, Sendable {
    case missing
    case folder
    case unreadable

    /// In mtlab's words: "no such file", "it is a folder", "permission denied".
    package var reason: String {
        switch self {
        case .missing: return "no such file"
        case .folder: return "it is a folder"
        case .unreadable: return "permission denied"
        }
    }

    /// In the system's words (as `strerror` puts them), as the `cannot open:` messages of
    /// the trace readers say it.
    package var systemWords: String {
        switch self {
        case .missing: return "No such file or directory"
        case .folder: return "Is a directory"
        case .unreadable: return "Permission denied"
        }
    }
}

/// The whole file at `path`, or why it cannot be read.
package func readInputFile(_ path: String) -> Result<Data, InputFileProblem> {
    if let data = FileManager.default.contents(atPath: path) { return .success(data) }
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    return .failure(!exists ? .missing : isDirectory.boolValue ? .folder : .unreadable)
}
