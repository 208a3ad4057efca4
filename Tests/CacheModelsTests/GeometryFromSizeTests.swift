@testable import CacheModels
import Testing

@Suite struct GeometryFromSizeTests {
    /// A capacity is divided by ways × line size only once both are valid: a bad one is
    /// named, as the config's `[cache]` names it, and the product cannot overflow.
    @Test func sizeChecksWaysAndLineSizeFirst() {
        #expect(throws: GeometryError(key: "ways", message: "must be 1...1024, got \(Int.max / 2)")) {
            _ = try CacheGeometry(size: 4096, ways: Int.max / 2, lineSize: 64)
        }
        #expect(throws: GeometryError(key: "line_size", message: "must be a power of two 1...4096, got 0")) {
            _ = try CacheGeometry(size: 0, ways: 8, lineSize: 0)
        }
        #expect(throws: GeometryError(key: "size", message: "must be a positive number of bytes, got 0")) {
            _ = try CacheGeometry(size: 0, ways: 8, lineSize: 64)
        }
        #expect(throws: Never.self) { _ = try CacheGeometry(size: 32768, ways: 8, lineSize: 64) }
    }
}
