import Foundation
import Testing
import TOML

/// Inputs built to exhaust the stack, the heap or the clock must end in a value or an
/// error, quickly.
@Suite struct HostileInput {
    @Test func deepArraysAndInlineTablesAreErrorsNotStackOverflows() {
        let arrays = failure("a = " + String(repeating: "[", count: 100_000))
        #expect(arrays?.message == "tables and arrays are nested more than 128 levels deep")
        // The 129th bracket, after `a = ` and 128 accepted ones.
        #expect(arrays.map { ($0.line, $0.column) } ?? (0, 0) == (1, 4 + 129))
        let tables = failure("a = " + String(repeating: "{b=", count: 100_000))
        #expect(tables?.message == "tables and arrays are nested more than 128 levels deep")
        #expect(tables?.column == 5 + 3 * 128)
        let mixed = failure("a = " + String(repeating: "[{b=", count: 50_000))
        #expect(mixed?.message == "tables and arrays are nested more than 128 levels deep")
        let headers = failure(String(repeating: "[", count: 100_000))
        #expect(headers?.message == "expected a table name after '[[', found '['")
    }

    @Test func longKeyPathsAreErrors() {
        let header = failure("[" + String(repeating: "a.", count: 100_000) + "a]")
        #expect(header?.message == "a dotted key may have at most 128 parts")
        #expect(header?.column == 2 + 2 * 128)
        let dotted = failure(String(repeating: "a.", count: 100_000) + "a = 1")
        #expect(dotted?.message == "a dotted key may have at most 128 parts")
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let deepest = "a = " + String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        var t = try TOMLTable(parsing: deepest)
        var depth = 0
        var v = try #require(t["a"])
        while let inner = v.array {
            depth += 1
            guard let next = inner.first else { break }
            v = next
        }
        #expect(depth == 128)
        #expect(failure("a = " + String(repeating: "[", count: 129) + String(repeating: "]", count: 129)) != nil)
        // Table depth counts too: 127 header levels leave room for one array, not two.
        let path = (0..<127).map { "t\($0)" }.joined(separator: ".")
        t = try TOMLTable(parsing: "[\(path)]\nv = []")
        #expect(t.keys == ["t0"])
        let tooDeep = failure("[\(path)]\nv = [[]]")
        #expect(tooDeep.map { ($0.line, $0.column) } ?? (0, 0) == (2, 6))
        // 128 header levels are allowed; an array of tables adds two: the array and its table.
        #expect(throws: Never.self) { try TOMLTable(parsing: "[\(path).last]") }
        #expect(throws: Never.self) { try TOMLTable(parsing: "[[\(path)]]") }
        #expect(failure("[[\(path).last]]")?.message == "tables and arrays are nested more than 128 levels deep")
    }

    @Test func largeDocumentsTakeLinearTime() throws {
        let clock = ContinuousClock()
        let start = clock.now
        // One line of four megabytes.
        let longString = try TOMLTable(parsing: "s = \"" + String(repeating: "é-x", count: 1_000_000) + "\" # end")
        #expect(longString["s"]?.string?.count == 3_000_000)
        // A hundred thousand values on one line: every position is counted from the last.
        let longArray = try TOMLTable(parsing: "a = [" + String(repeating: "1, ", count: 100_000) + "2]")
        #expect(longArray["a"]?.array?.last?.position == TOMLPosition(line: 1, column: 6 + 3 * 100_000))
        let wideInline = try TOMLTable(parsing: "t = {" + (0..<20_000).map { "k\($0) = \($0)" }.joined(separator: ", ") + "}")
        #expect(wideInline["t"]?.table?.count == 20_000)
        // Many keys, many tables, many tables in one array.
        let keys = try TOMLTable(parsing: (0..<100_000).map { "k\($0) = \($0)" }.joined(separator: "\n"))
        #expect(keys.count == 100_000 && keys["k99999"]?.integer == 99_999)
        let tables = try TOMLTable(parsing: (0..<50_000).map { "[t\($0)]\nx = 1" }.joined(separator: "\n"))
        #expect(tables.count == 50_000)
        let arrayOfTables = try TOMLTable(parsing: String(repeating: "[[a]]\nx = 1\n", count: 50_000))
        #expect(arrayOfTables["a"]?.array?.count == 50_000)
        let inlineTables = try TOMLTable(parsing: "a = [" + String(repeating: "{x = {y = 1}}, ", count: 50_000) + "]")
        #expect(inlineTables["a"]?.array?.count == 50_000)
        // A late error on a long line is found once, not rescanned per character.
        #expect(failure("a = [" + String(repeating: "1, ", count: 100_000) + "?]")?.column == 6 + 3 * 100_000)
        let elapsed = clock.now - start
        // Linear work here is a few seconds in a debug build (tens on a machine busy with the
        // rest of the suite); quadratic would be hours, so the bound is loose on purpose.
        #expect(elapsed < .seconds(120), "\(elapsed)")
    }
}
