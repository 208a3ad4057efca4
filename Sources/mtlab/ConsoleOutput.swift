import Experiments
import Foundation
import MTrace

/// Where a guest's console output goes while it runs: stdout or stderr as it is produced
/// (a line at a time), or a file (`--console FILE`) that appears complete when the run ends.
final class ConsoleOutput {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// For `--console FILE`: the file being written.
    private let file: OutputFile?
    private var finished = false

    /// Output to an open descriptor (1 or 2), not closed here.
    init(descriptor: Int32) {
        self.descriptor = descriptor
        file = nil
    }

    /// Output to `path` (see ``OutputDestination``). Throws ``OutputError``.
    init(path: String) throws {
        let file = try OutputFile(path: path)
        descriptor = file.descriptor
        self.file = file
    }

    /// Takes one byte of guest output.
    func append(_ byte: UInt8) {
        buffer.append(byte)
        if byte == 10 || buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what is buffered (before the report, so the two never interleave). A
    /// console that cannot take it (a closed pipe, a full disk) loses the guest's output;
    /// the run goes on, and the report says how it went.
    func flush() {
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let n = write(descriptor, base + offset, bytes.count - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, publishes it (`keep`) or removes it.
    func finish(keep: Bool) throws {
        guard !finished else { return }
        finished = true
        flush()
        guard let file else { return }
        if keep { try file.commit() } else { file.discard() }
    }
}
