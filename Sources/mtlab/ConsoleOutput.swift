#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Experiments

/// Where a guest's console output goes while it runs: stdout or stderr as it is produced
/// (a line at a time), or a file (`--console FILE`) that appears complete, by rename, when
/// the run ends.
final class ConsoleOutput {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// For a file: the temporary being written and the final name.
    private let file: (temporary: String, final: String)?
    private var finished = false

    /// Output to an open descriptor (1 or 2), not closed here.
    init(descriptor: Int32) {
        self.descriptor = descriptor
        file = nil
    }

    /// Output to `path`, through a temporary beside it. Throws `OutputError`.
    init(path: String) throws {
        try OutputFiles.checkFile(path)
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = folder + ".\(name).\(getpid()).console-tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw OutputError(path: path, message: "cannot be written: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        file = (temporary, path)
    }

    /// Takes one byte of guest output.
    func append(_ byte: UInt8) {
        buffer.append(byte)
        if byte == 10 || buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what is buffered (before the report, so the two never interleave).
    func flush() {
        var offset = 0
        buffer.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let n = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { break } // a closed pipe: the guest's output is lost, the run goes on
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, puts it in place (`keep`) or removes it.
    func finish(keep: Bool) throws {
        guard !finished else { return }
        finished = true
        flush()
        guard let file else { return }
        close(descriptor)
        if !keep {
            unlink(file.temporary)
        } else if rename(file.temporary, file.final) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(file.temporary)
            throw OutputError(path: file.final, message: "cannot be written: \(reason)")
        }
    }
}
