/// Where something is in TOML text: a 1-based line and a 1-based column counted in
/// Unicode scalars (a tab is one column).
public struct TOMLPosition: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}

/// A date, a time or both, as written. Calendar arithmetic is the caller's business; the
/// parser has checked that the fields are in range (month 1…12, day within the month, …).
public struct TOMLDateTime: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// `1979-05-27T07:32:00Z`, `1979-05-27 07:32:00-07:00`
        case offsetDateTime
        /// `1979-05-27T07:32:00`
        case localDateTime
        /// `1979-05-27`
        case localDate
        /// `07:32:00.5`
        case localTime
    }

    public var kind: Kind
    /// The text exactly as in the document (the date–time delimiter may be `T`, `t` or a space).
    public var text: String

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }

    public var description: String { text }
}

/// A TOML value and where it begins in the document.
///
/// Equality compares positions too; compare `kind` values from different documents only
/// when they were written at the same places.
public struct TOMLValue: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case dateTime(TOMLDateTime)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    /// The value's first character: the opening quote or bracket, the sign or first digit.
    /// For a table: its header, the first dotted key that named it, or its `{`; for an
    /// array of tables: its first `[[` header.
    public var position: TOMLPosition

    public init(_ kind: Kind, at position: TOMLPosition) {
        self.kind = kind
        self.position = position
    }

    public var string: String? { if case let .string(v) = kind { return v }; return nil }
    public var integer: Int64? { if case let .integer(v) = kind { return v }; return nil }
    public var float: Double? { if case let .float(v) = kind { return v }; return nil }
    public var boolean: Bool? { if case let .boolean(v) = kind { return v }; return nil }
    public var dateTime: TOMLDateTime? { if case let .dateTime(v) = kind { return v }; return nil }
    public var array: [TOMLValue]? { if case let .array(v) = kind { return v }; return nil }
    public var table: TOMLTable? { if case let .table(v) = kind { return v }; return nil }

    /// The TOML type's name: string, integer, float, boolean, offset date-time, local
    /// date-time, local date, local time, array, table.
    public var typeName: String {
        switch kind {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case let .dateTime(d):
            switch d.kind {
            case .offsetDateTime: return "offset date-time"
            case .localDateTime: return "local date-time"
            case .localDate: return "local date"
            case .localTime: return "local time"
            }
        case .array: return "array"
        case .table: return "table"
        }
    }
}

/// A TOML table: keys in the order the document first mentions them, each with its value.
/// Iterating gives `(key, value)` pairs in that order; `table["key"]` looks one up.
public struct TOMLTable: Equatable, Sendable, RandomAccessCollection {
    public typealias Element = (key: String, value: TOMLValue)

    /// The keys in document order.
    public private(set) var keys: [String]
    /// The values, in the order of `keys`.
    public private(set) var values: [TOMLValue]
    private var slots: [String: Int]

    /// An empty table.
    public init() {
        keys = []
        values = []
        slots = [:]
    }

    /// Takes keys that are known to be distinct.
    init(uniqueKeys keys: [String], values: [TOMLValue]) {
        self.keys = keys
        self.values = values
        var slots: [String: Int] = [:]
        slots.reserveCapacity(keys.count)
        for (i, key) in keys.enumerated() { slots[key] = i }
        self.slots = slots
    }

    /// Parses a TOML 1.0 document. Throws ``TOMLError`` for anything that is not valid TOML.
    public init(parsing text: String) throws(TOMLError) {
        self = try TOMLParser.parse(Array(text.utf8))
    }

    /// Parses a TOML 1.0 document from its UTF-8 bytes; invalid UTF-8 is a ``TOMLError``
    /// that names the byte offset.
    public init(parsing bytes: some Sequence<UInt8>) throws(TOMLError) {
        self = try TOMLParser.parse(Array(bytes))
    }

    public subscript(key: String) -> TOMLValue? {
        guard let i = slots[key] else { return nil }
        return values[i]
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Element { (keys[position], values[position]) }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.keys == b.keys && a.values == b.values
    }
}
