/// The document's tables while it is read, with what TOML needs to remember to reject
/// redefinitions: how each table came to be (a header, dotted keys, only as the prefix of
/// another table's name) and where each key was first written.
///
/// Tables live in one array and refer to each other by index, so that a header deep in
/// the document mutates its table in place. Inline tables and arrays are complete when
/// their closing bracket is read, so they are stored as finished values and can never be
/// extended.
struct TableTree {
    /// Containers (tables and arrays) may nest this deep; deeper is an error, which keeps
    /// every recursion over the document (parsing, conversion, destruction) shallow.
    static let maxDepth = 128

    enum Origin {
        /// Named only as a prefix: `a` for `[a.b]`. A later `[a]` may still define it.
        case implicit
        /// Defined by a `[header]` or `[[header]]` (or the root).
        case header
        /// Created by a dotted key `a.b = 1`; no header may define it later.
        case dotted
        /// An inline table being read; finished into a value at its `}`.
        case inline
    }

    enum Content {
        case value(TOMLValue)
        case table(Int)
        case tableArray(Int)
    }

    struct Slot {
        var content: Content
        /// Where the key was first written, for "first defined at line N".
        var keyPosition: TOMLPosition
    }

    struct Node {
        var origin: Origin
        var depth: Int
        var position: TOMLPosition
        var keys: [String] = []
        var slots: [Slot] = []
        var index: [String: Int] = [:]
    }

    struct TableArray {
        var position: TOMLPosition
        var elements: [Int]
    }

    /// A key part as written, with its position.
    struct Key {
        var name: String
        var position: TOMLPosition
    }

    /// Node 0 is the root table.
    private(set) var nodes = [Node(origin: .header, depth: 0, position: TOMLPosition(line: 1, column: 1))]
    private var arrays: [TableArray] = []

    func depth(of node: Int) -> Int { nodes[node].depth }

    // MARK: Headers

    /// `[path]`: defines the table and returns it.
    mutating func defineTable(_ path: [Key], at position: TOMLPosition) throws(TOMLError) -> Int {
        let node = try headerParent(path)
        let key = path[path.count - 1]
        let name = tableName(path)
        guard let s = nodes[node].index[key.name] else {
            return try insertNode(in: node, key, origin: .header, position: position)
        }
        let slot = nodes[node].slots[s]
        switch slot.content {
        case let .table(id):
            switch nodes[id].origin {
            case .implicit:
                nodes[id].origin = .header
                nodes[id].position = position
                return id
            case .header:
                throw TOMLError(key.position, "table \(name) is defined twice (first at line \(nodes[id].position.line))")
            case .dotted, .inline:
                throw TOMLError(key.position, "table \(name) was already defined by dotted keys at line \(slot.keyPosition.line); a header cannot reopen it")
            }
        case .tableArray:
            throw TOMLError(key.position, "\(name) is an array of tables (first at line \(slot.keyPosition.line)); add to it with [\(name)]")
        case let .value(v):
            throw TOMLError(key.position, "cannot define table \(name): \(quotedKey(path)) is already \(article(v)) (line \(slot.keyPosition.line))")
        }
    }

    /// `[[path]]`: appends a table to the array of tables and returns the new table.
    mutating func appendTable(_ path: [Key], at position: TOMLPosition) throws(TOMLError) -> Int {
        let node = try headerParent(path)
        let key = path[path.count - 1]
        let name = tableName(path)
        let elementDepth = nodes[node].depth + 2
        guard let s = nodes[node].index[key.name] else {
            try checkDepth(elementDepth, at: key.position)
            let element = appendNode(.header, depth: elementDepth, position: position)
            arrays.append(TableArray(position: position, elements: [element]))
            insert(in: node, key, .tableArray(arrays.count - 1))
            return element
        }
        let slot = nodes[node].slots[s]
        switch slot.content {
        case let .tableArray(a):
            let element = appendNode(.header, depth: elementDepth, position: position)
            arrays[a].elements.append(element)
            return element
        case .table:
            throw TOMLError(key.position, "cannot define [\(name)]: \(name) is a table (first at line \(slot.keyPosition.line)), not an array of tables")
        case let .value(v):
            if case .array = v.kind {
                throw TOMLError(key.position, "cannot append to \(quotedKey(path)) with [\(name)]: it is an array value (line \(slot.keyPosition.line)), not an array of tables")
            }
            throw TOMLError(key.position, "cannot define [\(name)]: \(quotedKey(path)) is already \(article(v)) (line \(slot.keyPosition.line))")
        }
    }

    /// The table that holds a header's last key: its path before that key, walked (and
    /// created where missing) with ``headerStep(_:_:path:upTo:)``.
    private mutating func headerParent(_ path: [Key]) throws(TOMLError) -> Int {
        var node = 0
        for (i, key) in path.dropLast().enumerated() {
            node = try headerStep(node, key, path: path, upTo: i)
        }
        return node
    }

    /// One step of a header's path: into an existing table (of any origin but inline), into
    /// the last table of an array of tables, or into a new implicit table.
    private mutating func headerStep(_ node: Int, _ key: Key, path: [Key], upTo i: Int) throws(TOMLError) -> Int {
        guard let s = nodes[node].index[key.name] else {
            return try insertNode(in: node, key, origin: .implicit, position: key.position)
        }
        let slot = nodes[node].slots[s]
        switch slot.content {
        case let .table(id):
            return id
        case let .tableArray(a):
            return arrays[a].elements[arrays[a].elements.count - 1]
        case let .value(v):
            throw TOMLError(key.position, notATable(v, Array(path[...i]), line: slot.keyPosition.line))
        }
    }

    // MARK: Key/value pairs

    /// `a.b.c = value` in `node`: `a` and `b` are tables created here by dotted keys (or
    /// named before only as prefixes); `c` must be new.
    mutating func assign(_ path: [Key], _ value: TOMLValue, in start: Int) throws(TOMLError) {
        var node = start
        for (i, key) in path.dropLast().enumerated() {
            guard let s = nodes[node].index[key.name] else {
                node = try insertNode(in: node, key, origin: .dotted, position: key.position)
                continue
            }
            let slot = nodes[node].slots[s]
            switch slot.content {
            case let .table(id):
                switch nodes[id].origin {
                case .implicit:
                    // From now on its keys are defined here, so no header may define it.
                    nodes[id].origin = .dotted
                    node = id
                case .dotted:
                    node = id
                case .header, .inline:
                    throw TOMLError(key.position, "cannot add to table \(tableName(Array(path[...i]))) with the dotted key \(quotedKey(path)): it was defined by its header at line \(nodes[id].position.line)")
                }
            case .tableArray:
                throw TOMLError(key.position, "cannot add to the array of tables \(quotedKey(Array(path[...i]))) (line \(slot.keyPosition.line)) with a dotted key; use its [[header]]")
            case let .value(v):
                throw TOMLError(key.position, notATable(v, Array(path[...i]), line: slot.keyPosition.line))
            }
        }
        let key = path[path.count - 1]
        if let s = nodes[node].index[key.name] {
            throw TOMLError(path[0].position, "duplicate key \(quotedKey(path)) (first defined at line \(nodes[node].slots[s].keyPosition.line))")
        }
        insert(in: node, key, .value(value))
    }

    // MARK: Inline tables

    /// Starts an inline table at `depth`; assign its keys, then ``finishInline(_:)``.
    mutating func beginInline(depth: Int, at position: TOMLPosition) throws(TOMLError) -> Int {
        try checkDepth(depth, at: position)
        return appendNode(.inline, depth: depth, position: position)
    }

    /// The finished inline table. Nodes are created and finished last-in first-out (nothing
    /// outside an inline table can be created while it is open), so the inline table and
    /// every table its dotted keys created are the last nodes and are dropped here.
    mutating func finishInline(_ node: Int) -> TOMLTable {
        let table = self.table(node)
        nodes.removeSubrange(node...)
        return table
    }

    // MARK: Results

    /// The finished table of `node` and everything under it.
    func table(_ node: Int) -> TOMLTable {
        let n = nodes[node]
        var values: [TOMLValue] = []
        values.reserveCapacity(n.slots.count)
        for slot in n.slots {
            switch slot.content {
            case let .value(v):
                values.append(v)
            case let .table(id):
                values.append(TOMLValue(.table(table(id)), at: nodes[id].position))
            case let .tableArray(a):
                let elements = arrays[a].elements.map { TOMLValue(.table(table($0)), at: nodes[$0].position) }
                values.append(TOMLValue(.array(elements), at: arrays[a].position))
            }
        }
        return TOMLTable(uniqueKeys: n.keys, values: values)
    }

    // MARK: Helpers

    private mutating func insertNode(in node: Int, _ key: Key, origin: Origin, position: TOMLPosition) throws(TOMLError) -> Int {
        let depth = nodes[node].depth + 1
        try checkDepth(depth, at: key.position)
        let table = appendNode(origin, depth: depth, position: position)
        insert(in: node, key, .table(table))
        return table
    }

    /// A new node, not yet named by any key; returns its index.
    private mutating func appendNode(_ origin: Origin, depth: Int, position: TOMLPosition) -> Int {
        nodes.append(Node(origin: origin, depth: depth, position: position))
        return nodes.count - 1
    }

    private mutating func insert(in node: Int, _ key: Key, _ content: Content) {
        nodes[node].index[key.name] = nodes[node].slots.count
        nodes[node].keys.append(key.name)
        nodes[node].slots.append(Slot(content: content, keyPosition: key.position))
    }

    private func checkDepth(_ depth: Int, at position: TOMLPosition) throws(TOMLError) {
        guard depth <= Self.maxDepth else {
            throw TOMLError(position, "tables and arrays are nested more than \(Self.maxDepth) levels deep")
        }
    }

    private func notATable(_ v: TOMLValue, _ path: [Key], line: Int) -> String {
        switch v.kind {
        case .table:
            return "cannot add to the inline table \(quotedKey(path)) (line \(line)): an inline table is complete as written"
        case .array:
            return "cannot add to the array \(quotedKey(path)) (line \(line)): it is an array value, not an array of tables"
        default:
            return "\(quotedKey(path)) is already \(article(v)) (line \(line)), not a table"
        }
    }

    private func article(_ v: TOMLValue) -> String {
        let name = v.typeName
        return (name.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + name
    }
}

/// `"a.b"`: a key path for messages, quoted, shortened when very long.
func quotedKey(_ path: [TableTree.Key]) -> String {
    var out = "\""
    for (i, key) in path.enumerated() {
        if i > 0 { out += "." }
        out += escapedForMessage(key.name, quote: "\"")
    }
    return out + "\""
}

/// `[a."b c"]`: a table name for messages, parts bare where TOML allows it.
func tableName(_ path: [TableTree.Key]) -> String {
    var out = "["
    for (i, key) in path.enumerated() {
        if i > 0 { out += "." }
        if !key.name.isEmpty, key.name.utf8.allSatisfy(isBareKeyByte) {
            out += escapedForMessage(key.name, quote: nil)
        } else {
            out += "\"" + escapedForMessage(key.name, quote: "\"") + "\""
        }
    }
    return out + "]"
}

func isBareKeyByte(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
         UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
        return true
    default:
        return false
    }
}

/// Text for a message: control characters, the quote and backslashes escaped, and cut to
/// 60 characters so that a hostile megabyte-long key gives a one-line message.
func escapedForMessage(_ s: String, quote: Character?) -> String {
    var out = ""
    var count = 0
    for scalar in s.unicodeScalars {
        if count == 60 { return out + "…" }
        count += 1
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if let quote, Character(scalar) == quote {
                out += "\\" + String(quote)
            } else if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
