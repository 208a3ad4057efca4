#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation for the engine's big random-access tables. Above a few MiB they are mapped
/// with transparent huge pages requested: a line table is probed at random over hundreds
/// of MiB, and with 4 KiB pages nearly every probe would also miss the TLB.
enum LargeAllocation {
    static let hugePage = 2 << 20

    /// Zero-filled memory for `count` values of `T`, aligned to at least 128 bytes.
    static func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(1, count * MemoryLayout<T>.stride)
        if bytes < 4 * hugePage {
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 128)
            p.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            return p.bindMemory(to: T.self, capacity: count)
        }
        let rounded = (bytes + hugePage - 1) / hugePage * hugePage
        guard let p = mmap(nil, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              p != MAP_FAILED else {
            fatalError("out of memory: cannot map \(rounded) bytes for the line table")
        }
        #if os(Linux)
        _ = madvise(p, rounded, MADV_HUGEPAGE)  // a hint: without THP the table still works
        #endif
        return p.bindMemory(to: T.self, capacity: count)
    }

    /// Frees memory from ``allocate(_:count:)`` with the same `count`.
    static func deallocate<T>(_ pointer: UnsafeMutablePointer<T>, count: Int) {
        let bytes = max(1, count * MemoryLayout<T>.stride)
        if bytes < 4 * hugePage {
            UnsafeMutableRawPointer(pointer).deallocate()
        } else {
            munmap(UnsafeMutableRawPointer(pointer), (bytes + hugePage - 1) / hugePage * hugePage)
        }
    }
}
