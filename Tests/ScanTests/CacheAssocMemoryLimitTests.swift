import CacheModels
import Foundation
import Testing
@testable import Scan

/// `--cache-assoc` caches whose tag arrays cannot be allocated: refused before anything is,
/// with the keys and the bytes named (`CacheMemory`'s rule: they must fit in physical memory).
@Suite struct CacheAssocMemoryLimitTests {
    /// 2^30 slots per CPU: about 21 GiB each, 1345 GiB for 64 CPUs.
    static let huge = try? CacheGeometry(sets: 1 << 20, ways: 1024, lineSize: 64)
    static let fits = huge.map { CacheMemory.bytesNeeded(for: $0, caches: 64) <= CacheMemory.physicalBytes } ?? false

    @Test(.disabled(if: fits, "this machine has the memory for 64 caches of 2^30 slots"))
    func scanRefusesCachesForTheLogsCPUs() throws {
        var log = SpecLog()
        log.machine(cpus: 64)
        log.store(cpu: 0, 0x1000)
        log.load(cpu: 1, 0x1000)
        let error = #expect(throws: ScanError.self) {
            _ = try scan(log) {
                $0.analyses = [.cacheAssoc]
                $0.geometry = try #require(Self.huge)
            }
        }
        #expect(error?.description.hasPrefix("--set cache.sets × cache.ways × the log's CPUs: a cache of 1048576 sets "
            + "× 1024 ways × 64 CPUs needs 1345 GiB of tag arrays; this machine has ") == true, "\(String(describing: error))")
    }

    private func access(cpu: Int, _ address: UInt64) -> ScanAccess {
        ScanAccess(cpu: cpu, type: .store, flags: [], pc: 0x40, address: address, size: 8, accessCount: 0)
    }

    @Test func cacheAssocCountsEveryCPUsCache() throws {
        let geometry = try CacheGeometry(sets: 512, ways: 8, lineSize: 64)
        let one = CacheArray.bytesNeeded(for: geometry)
        // Not even one cache fits: refused before the log is read.
        #expect(throws: ScanError(message: "--set cache.sets × cache.ways × the log's CPUs: a cache of 512 sets × 8 ways "
                                  + "× 1 CPU needs 1 MiB of tag arrays; this machine has 0 MiB")) {
            _ = try CacheAssocAnalysis(geometry: geometry, replacement: .fifo, availableMemory: one - 1)
        }
        // Room for two: the third CPU's cache is refused, and the scan ends in that error.
        let analysis = try CacheAssocAnalysis(geometry: geometry, replacement: .fifo, availableMemory: 2 * one)
        let context = ScanContext(symbols: nil, lineSize: 64)
        for cpu in 0..<3 { analysis.access(access(cpu: cpu, 0x1000), context) }
        analysis.finish(context)
        #expect(analysis.refusal?.message == "--set cache.sets × cache.ways × the log's CPUs: a cache of 512 sets × 8 ways "
            + "× 3 CPUs needs 1 MiB of tag arrays; this machine has 0 MiB")
        // With room for three, the same accesses simulate.
        let roomy = try CacheAssocAnalysis(geometry: geometry, replacement: .fifo, availableMemory: 3 * one)
        for cpu in 0..<3 { roomy.access(access(cpu: cpu, 0x1000), context) }
        roomy.finish(context)
        #expect(roomy.refusal == nil)
        #expect(roomy.text(context, top: 5).contains("cpu 2: 1 line accesses, 1 misses"))
    }
}
