#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory that caches' tag arrays take, and the check that they fit the machine.
///
/// Every cache allocates and initialises its arrays whole when it is made
/// (``CacheArray/bytesNeeded(for:)``), so a geometry inside the documented range can still
/// ask for more than any machine has: 2^30 slots take 21 GiB per CPU. The rule: the tag
/// arrays of all the caches of a run must fit in the machine's physical memory, read once
/// per process. Beyond it a run could only swap or be killed, after minutes of filling pages.
public enum CacheMemory {
    /// The machine's physical memory in bytes (`_SC_PHYS_PAGES` × page size), read once.
    public static let physicalBytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return Int.max }  // unknown: do not refuse
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : bytes
    }()

    /// Bytes of the tag arrays of `caches` caches of `geometry`.
    public static func bytesNeeded(for geometry: CacheGeometry, caches: Int) -> Int {
        let (bytes, overflow) = CacheArray.bytesNeeded(for: geometry).multipliedReportingOverflow(by: max(caches, 0))
        return overflow ? Int.max : bytes
    }

    /// Throws ``CacheMemoryError`` when `caches` caches of `geometry` need more than
    /// `available` bytes (by default the machine's physical memory). `keys` names the
    /// settings at fault in the message.
    public static func check(_ geometry: CacheGeometry, caches: Int, available: Int = physicalBytes,
                             keys: String = "cache.sets × cache.ways × system.cpus") throws(CacheMemoryError) {
        let needed = bytesNeeded(for: geometry, caches: caches)
        guard needed <= available else {
            throw CacheMemoryError(geometry: geometry, caches: caches, needed: needed, available: available, keys: keys)
        }
    }

    /// `bytes` in GiB (or MiB, below one GiB), whole units, rounded up or down.
    static func format(_ bytes: Int, roundingUp: Bool) -> String {
        let (unit, name) = bytes >= 1 << 30 ? (1 << 30, "GiB") : (1 << 20, "MiB")
        let whole = bytes / unit + (roundingUp && bytes % unit != 0 ? 1 : 0)
        return "\(whole) \(name)"
    }
}

/// Caches whose tag arrays the machine cannot hold: more than its physical memory (the
/// check made before allocating anything), or an allocation the system refused.
public struct CacheMemoryError: Error, CustomStringConvertible, Equatable, Sendable {
    public var geometry: CacheGeometry
    /// How many caches of `geometry` (one per CPU).
    public var caches: Int
    /// Bytes their tag arrays need.
    public var needed: Int
    /// The machine's physical memory; nil when the system refused an allocation.
    public var available: Int?
    /// The settings at fault, as the message names them.
    public var keys: String

    public init(geometry: CacheGeometry, caches: Int, needed: Int, available: Int?,
                keys: String = "cache.sets × cache.ways × system.cpus") {
        self.geometry = geometry
        self.caches = caches
        self.needed = needed
        self.available = available
        self.keys = keys
    }

    public var description: String {
        let shape = "cache of \(geometry.sets) sets × \(geometry.ways) ways × \(caches) CPU\(caches == 1 ? "" : "s")"
        let need = CacheMemory.format(needed, roundingUp: true)
        guard let available else {
            return "\(keys): the system refused the \(need) of tag arrays for a \(shape)"
        }
        return "\(keys): a \(shape) needs \(need) of tag arrays; this machine has "
            + "\(CacheMemory.format(available, roundingUp: false))"
    }
}
