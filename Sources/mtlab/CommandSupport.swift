import ArgumentParser
import Foundation

/// Runs a command's body and turns any error into one line `mtlab: error: …` on stderr and
/// a failing exit status, as `mtlab run` does, so scripts can show or grep it.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        let message = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("mtlab: error: \(message)\n".utf8))
        throw ExitCode.failure
    }
}

/// Writes `text` to stderr as it is.
func printError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
