/// The cache settings as a config's `[cache]` table or `mtlab scan --set cache.*` gives
/// them, before they are checked: ``geometry()`` is the one place that decides whether they
/// describe a cache, so that `mtlab run` and `mtlab scan` refuse the same shapes with the
/// same words.
public struct CacheSettings: Equatable, Sendable {
    public static let defaultWays = 8
    public static let defaultLineSize = 64

    public var sets: Int?
    /// Capacity in bytes; the alternative to `sets`.
    public var size: Int?
    /// Nil is ``defaultWays``.
    public var ways: Int?
    /// Nil is ``defaultLineSize``.
    public var lineSize: Int?
    public var replacement: ReplacementKind
    /// The config table the settings come from (`cache`, `icache`, `level.2`), which the
    /// errors name.
    public var table: String

    public init(sets: Int? = nil, size: Int? = nil, ways: Int? = nil, lineSize: Int? = nil,
                replacement: ReplacementKind = .lru, table: String = "cache") {
        self.sets = sets
        self.size = size
        self.ways = ways
        self.lineSize = lineSize
        self.replacement = replacement
        self.table = table
    }

    /// The geometry, or a ``GeometryError`` naming the key at fault: exactly one of `sets`
    /// and `size`, each value in range (see ``CacheGeometry``), and a way count the
    /// replacement policy can serve.
    public func geometry() throws -> CacheGeometry {
        do {
            return try uncheckedTableGeometry()
        } catch var e as GeometryError {
            e.table = table
            throw e
        }
    }

    private func uncheckedTableGeometry() throws -> CacheGeometry {
        let ways = ways ?? Self.defaultWays
        let lineSize = lineSize ?? Self.defaultLineSize
        let geometry: CacheGeometry
        switch (sets, size) {
        case let (sets?, nil):
            geometry = try CacheGeometry(sets: sets, ways: ways, lineSize: lineSize)
        case let (nil, size?):
            geometry = try CacheGeometry(size: size, ways: ways, lineSize: lineSize)
        case (_?, _?):
            throw GeometryError(key: "size", message: "\(table).sets and \(table).size are both given; give exactly one",
                                problem: .conflict)
        case (nil, nil):
            let what = table == "cache" ? "the cache" : table
            throw GeometryError(key: "sets", message: "\(what) needs \(table).sets or \(table).size (give exactly one)",
                                problem: .missing)
        }
        try replacement.check(ways: ways)
        return geometry
    }
}

extension ReplacementKind {
    /// Throws a ``GeometryError`` for `ways` when the policy cannot serve that many ways per
    /// set (the plru tree fits one machine word): the policy's own rule, worded once.
    public func check(ways: Int) throws {
        guard supports(ways: ways) else {
            throw GeometryError(key: "ways", message: "must be \(waysRequirement ?? "") for \(self) replacement, got \(ways)")
        }
    }
}
