import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The identity of a file's bytes as `<size>:<crc32>` (the file as stored: a gzip file's
/// compressed bytes), or nil when it cannot be read. Cheap enough for multi-gigabyte
/// traces (zlib's CRC-32 runs at memory speed), so a result keyed on it notices a file
/// rewritten in place; it detects changes, it does not guard against forgery.
public func fileFingerprint(path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let chunk = 1 << 20
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
    defer { buffer.deallocate() }
    var crc = crc32(0, nil, 0)
    var size: UInt64 = 0
    while true {
        let got = read(fd, buffer, chunk)
        if got < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if got == 0 { break }
        crc = crc32(crc, buffer, uInt(got))
        size += UInt64(got)
    }
    let hex = String(crc, radix: 16)
    return "\(size):" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
}
