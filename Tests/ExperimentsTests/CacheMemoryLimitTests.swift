import CacheModels
import Coherence
import Foundation
import MTrace
import Testing
@testable import Experiments

/// Cache geometries whose tag arrays cannot be allocated: refused before anything is,
/// with the keys and the bytes named (`CacheMemory`'s rule: they must fit in physical memory).
@Suite struct CacheMemoryLimitTests {
    /// 2^30 slots per CPU: about 21 GiB each, 1345 GiB for 64 CPUs.
    static let huge = try? CacheGeometry(sets: 1 << 20, ways: 1024, lineSize: 64)
    static let fits = huge.map { CacheMemory.bytesNeeded(for: $0, caches: 64) <= CacheMemory.physicalBytes } ?? false

    @Test(.disabled(if: fits, "this machine has the memory for 64 caches of 2^30 slots"))
    func runRefusesACacheBeyondTheMachine() throws {
        let config = try RunConfiguration.parse("""
            [system]
            cpus = 64
            [workload]
            generator = "uniform"
            [cache]
            sets = 1048576
            ways = 1024
            """, file: "big.toml")
        let start = Date()
        do {
            _ = try Runner.run(config)
            Issue.record("expected a refusal")
        } catch let error as ConfigError {
            #expect(error.key == "cache.sets")
            #expect(error.description.hasPrefix("big.toml: cache.sets × cache.ways × system.cpus: a cache of 1048576 sets "
                + "× 1024 ways × 64 CPUs needs 1345 GiB of tag arrays; this machine has "), "\(error)")
        }
        #expect(Date().timeIntervalSince(start) < 5, "refused before allocating anything")
    }
}
