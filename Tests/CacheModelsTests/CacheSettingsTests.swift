import CacheModels
import Testing

/// The one rule for a cache's settings, which `mtlab run`'s config and `mtlab scan --set`
/// both apply.
@Suite struct CacheSettingsTests {
    @Test func exactlyOneOfSetsAndSize() throws {
        #expect(throws: GeometryError(key: "size", message: "cache.sets and cache.size are both given; give exactly one",
                                      problem: .conflict)) {
            _ = try CacheSettings(sets: 64, size: 32768).geometry()
        }
        #expect(throws: GeometryError(key: "sets", message: "the cache needs cache.sets or cache.size (give exactly one)",
                                      problem: .missing)) {
            _ = try CacheSettings().geometry()
        }
        #expect(try CacheSettings(sets: 64).geometry() == CacheGeometry(sets: 64, ways: 8, lineSize: 64))
        #expect(try CacheSettings(size: 32768, ways: 4, lineSize: 32).geometry() == CacheGeometry(sets: 256, ways: 4, lineSize: 32))
    }

    @Test func policyWaysRuleIsTheRegistrysRule() throws {
        let plru = try #require(ReplacementKind(rawValue: "plru"))
        #expect(throws: GeometryError(key: "ways", message: "must be \(plru.waysRequirement ?? "") for plru replacement, got 12")) {
            _ = try CacheSettings(sets: 64, ways: 12, replacement: plru).geometry()
        }
        // A bad value is named before the policy's rule is asked.
        #expect(throws: GeometryError(key: "sets", message: "must be a power of two ≥ 1, got 3")) {
            _ = try CacheSettings(sets: 3, ways: 12, replacement: plru).geometry()
        }
        for kind in ReplacementKind.allCases {
            for ways in [1, 3, 8, 12, 64, 128] {
                let result = Result { try CacheSettings(sets: 4, ways: ways, replacement: kind).geometry() }
                #expect(((try? result.get()) != nil) == kind.supports(ways: ways), "\(kind) \(ways)")
            }
        }
    }

    @Test func descriptionNamesTheKey() {
        #expect(GeometryError(key: "ways", message: "must be 1...1024, got 0").description == "cache.ways must be 1...1024, got 0")
        #expect(GeometryError(key: "size", message: "cache.sets and cache.size are both given; give exactly one",
                              problem: .conflict).description == "cache.sets and cache.size are both given; give exactly one")
    }
}
