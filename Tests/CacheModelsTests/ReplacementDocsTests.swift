import Foundation
import Testing
import CacheModels

@Suite struct ReplacementDocsTests {
    /// docs/replacement.md shows the registry's table; it must be the generated one.
    @Test func replacementDocsListTheRegistry() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/replacement.md"), encoding: .utf8)
        let table = ReplacementPolicies.markdownTable()
        #expect(text.contains(table), "docs/replacement.md should contain:\n\(table)")
    }
}
