/// The shape of one set-associative cache: `sets` × `ways` lines of `lineSize` bytes.
///
/// Sets and line size are powers of two so that the set index is a mask of the line
/// number (spec: set index = line mod sets). `sets == 1` is fully associative.
public struct CacheGeometry: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let sets: Int
    public let ways: Int
    public let lineSize: Int
    /// log2(lineSize): the shift from a byte address to a line number.
    public let lineShift: Int
    /// sets - 1: the mask from a line number to a set index.
    public let setMask: UInt64

    /// Largest ways value accepted; replacement state is sized for it.
    public static let maximumWays = 1024
    /// Largest line size accepted (a page).
    public static let maximumLineSize = 4096

    public init(sets: Int, ways: Int, lineSize: Int) throws {
        guard sets >= 1, sets & (sets - 1) == 0 else {
            throw GeometryError(key: "sets", message: "must be a power of two ≥ 1, got \(sets)")
        }
        guard ways >= 1, ways <= Self.maximumWays else {
            throw GeometryError(key: "ways", message: "must be 1...\(Self.maximumWays), got \(ways)")
        }
        guard lineSize >= 1, lineSize <= Self.maximumLineSize, lineSize & (lineSize - 1) == 0 else {
            throw GeometryError(key: "line_size", message: "must be a power of two 1...\(Self.maximumLineSize), got \(lineSize)")
        }
        guard sets <= (1 << 30) / ways else {
            throw GeometryError(key: "sets", message: "sets × ways must not exceed 2^30 lines, got \(sets) × \(ways)")
        }
        self.sets = sets
        self.ways = ways
        self.lineSize = lineSize
        self.lineShift = lineSize.trailingZeroBitCount
        self.setMask = UInt64(sets - 1)
    }

    /// Geometry from a total capacity in bytes: sets = size / (ways × lineSize). Ways and
    /// line size are checked on their own first, so that a bad one is named (rather than a
    /// size it cannot divide) and their product cannot overflow.
    public init(size: Int, ways: Int, lineSize: Int) throws {
        _ = try CacheGeometry(sets: 1, ways: ways, lineSize: lineSize)
        guard size >= 1 else {
            throw GeometryError(key: "size", message: "must be a positive number of bytes, got \(size)")
        }
        guard size % (ways * lineSize) == 0 else {
            throw GeometryError(key: "size", message: "must be a multiple of ways × line_size (\(ways) × \(lineSize)), got \(size)")
        }
        let sets = size / (ways * lineSize)
        guard sets & (sets - 1) == 0 else {
            throw GeometryError(key: "size", message: "gives \(sets) sets (size / (ways × line_size)), which is not a power of two")
        }
        try self.init(sets: sets, ways: ways, lineSize: lineSize)
    }

    /// Capacity in bytes.
    public var size: Int { sets * ways * lineSize }

    @inlinable public func lineNumber(of address: UInt64) -> UInt64 { address >> UInt64(lineShift) }
    @inlinable public func setIndex(ofLine line: UInt64) -> Int { Int(truncatingIfNeeded: line & setMask) }

    public var description: String {
        "\(Self.formatBytes(size)), \(sets) sets × \(ways) ways × \(lineSize) B"
    }

    /// 32768 → "32 KiB"; sizes that are not whole KiB/MiB stay in bytes.
    public static func formatBytes(_ n: Int) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) B"
    }
}

/// An invalid cache shape; `key` is the config key at fault (without its table, `cache.` or
/// the `icache.` or `level.N.` of another level).
public struct GeometryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong with the key: a bad value, a key that clashes with another, or a
    /// required key not given.
    public enum Problem: Sendable {
        case invalid
        case conflict
        case missing
    }

    public var key: String
    /// For ``Problem/invalid``, the rest of the sentence after `TABLE.KEY`; otherwise the
    /// whole sentence (it names both keys).
    public var message: String
    public var problem: Problem
    /// The table of the level whose shape it is: `cache`, `icache`, `level.2`.
    public var table: String

    public init(key: String, message: String, problem: Problem = .invalid, table: String = "cache") {
        self.key = key
        self.message = message
        self.problem = problem
        self.table = table
    }

    /// The dotted config key at fault: `cache.ways`, `level.2.ways`.
    public var qualifiedKey: String { "\(table).\(key)" }

    public var description: String { problem == .invalid ? "\(qualifiedKey) \(message)" : message }
}
