import CIntrinsics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The simulator's tables outgrew the memory the system would give: a trace with more
/// distinct lines than fit, or a limit on the process's address space (`ulimit -v`).
public struct OutOfMemoryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The request that failed.
    public var bytes: Int
    /// What the memory was for.
    public var purpose: String
    public var description: String { "out of memory: cannot allocate \(bytes) bytes for \(purpose)" }
}

/// Allocation for the engine's big random-access tables. Above a few MiB they are mapped
/// with transparent huge pages requested: a line table is probed at random over hundreds
/// of MiB, and with 4 KiB pages nearly every probe would also miss the TLB.
///
/// The tables grow with the trace, so running out of memory is an outcome of the input:
/// allocation throws ``OutOfMemoryError`` rather than trapping.
enum LargeAllocation {
    static let hugePage = 2 << 20

    /// Zero-filled memory for `count` values of `T`, aligned to at least 128 bytes.
    ///
    /// - Parameter populate: map every page now. For a table that is read at random before
    ///   it is written (a hash table), this saves a second fault per page: a first read
    ///   maps the shared zero page, and the first write must then replace it.
    static func allocate<T>(_ type: T.Type, count: Int, populate: Bool = false) throws(OutOfMemoryError)
        -> UnsafeMutablePointer<T> {
        guard let bytes = byteCount(T.self, count) else { throw failure(Int.max) }
        if !isMapped(bytes) {
            var raw: UnsafeMutableRawPointer?
            guard posix_memalign(&raw, 128, bytes) == 0, let p = raw else { throw failure(bytes) }
            p.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            return p.bindMemory(to: T.self, capacity: count)
        }
        let rounded = mappedSize(bytes)
        var flags = MAP_PRIVATE | MAP_ANONYMOUS
        #if os(Linux)
        if populate { flags |= MAP_POPULATE }
        #endif
        guard let p = mmap(nil, rounded, PROT_READ | PROT_WRITE, flags, -1, 0),
              p != MAP_FAILED else {
            throw failure(rounded)
        }
        #if os(Linux)
        _ = madvise(p, rounded, MADV_HUGEPAGE)  // a hint: without THP the table still works
        #endif
        return p.bindMemory(to: T.self, capacity: count)
    }

    /// Grows memory from ``allocate(_:count:)`` to `newCount` values, keeping the first
    /// `oldCount` and zero-filling the rest. Mapped memory is moved page by page (no copy,
    /// and new pages are zeroed only when first touched) where the system can.
    /// `T` must be trivial (no references), as everything in the line table is. When it
    /// throws, `pointer` is unchanged and still valid.
    static func grow<T>(_ pointer: UnsafeMutablePointer<T>, from oldCount: Int, to newCount: Int) throws(OutOfMemoryError)
        -> UnsafeMutablePointer<T> {
        guard let oldBytes = byteCount(T.self, oldCount), let newBytes = byteCount(T.self, newCount) else {
            throw failure(Int.max)
        }
        if isMapped(oldBytes),
           let p = mtlab_grow_mapping(UnsafeMutableRawPointer(pointer), mappedSize(oldBytes), mappedSize(newBytes)) {
            #if os(Linux)
            _ = madvise(p, mappedSize(newBytes), MADV_HUGEPAGE)
            #endif
            return p.bindMemory(to: T.self, capacity: newCount)
        }
        let p = try allocate(T.self, count: newCount)
        p.moveInitialize(from: pointer, count: oldCount)
        deallocate(pointer, count: oldCount)
        return p
    }

    /// Frees memory from ``allocate(_:count:)`` or ``grow(_:from:to:)`` with the same `count`.
    static func deallocate<T>(_ pointer: UnsafeMutablePointer<T>, count: Int) {
        let bytes = byteCount(T.self, count) ?? Int.max
        if isMapped(bytes) {
            munmap(UnsafeMutableRawPointer(pointer), mappedSize(bytes))
        } else {
            free(UnsafeMutableRawPointer(pointer))
        }
    }

    private static func failure(_ bytes: Int) -> OutOfMemoryError {
        OutOfMemoryError(bytes: bytes, purpose: "the line table")
    }

    /// Bytes for `count` values (at least 1), or nil when that does not fit in an Int.
    private static func byteCount<T>(_ type: T.Type, _ count: Int) -> Int? {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        return overflow || bytes > Int.max - hugePage ? nil : max(1, bytes)
    }
    private static func isMapped(_ bytes: Int) -> Bool { bytes >= 4 * hugePage }
    private static func mappedSize(_ bytes: Int) -> Int { (bytes + hugePage - 1) / hugePage * hugePage }
}
