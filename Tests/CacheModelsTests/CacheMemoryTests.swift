import CacheModels
import Testing

@Suite struct CacheMemoryTests {
    /// Per slot a tag, a state, an owner word and a stamp (8 + 1 + 4 + 8 bytes); per set a
    /// word of PLRU bits.
    private func expectedBytes(sets: Int, ways: Int) -> Int { sets * ways * (8 + 1 + 4 + 8) + sets * 8 }

    @Test func tagArrayBytesCountEveryArray() throws {
        for (sets, ways) in [(1, 1), (512, 8), (64, 1024), (1 << 20, 1024), (1 << 30, 1)] {
            let geometry = try CacheGeometry(sets: sets, ways: ways, lineSize: 64)
            #expect(CacheArray.bytesNeeded(for: geometry) == expectedBytes(sets: sets, ways: ways))
            #expect(CacheMemory.bytesNeeded(for: geometry, caches: 64) == 64 * expectedBytes(sets: sets, ways: ways))
        }
    }

    @Test func cachesThatExceedTheMemoryAreRefusedNamingKeysAndBytes() throws {
        let geometry = try CacheGeometry(sets: 1 << 20, ways: 1024, lineSize: 64)
        let needed = 8 * expectedBytes(sets: 1 << 20, ways: 1024)
        let available = 23 << 30 | 12345
        do {
            try CacheMemory.check(geometry, caches: 8, available: available)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.needed == needed && error.available == available && error.caches == 8)
            // 168.06 GiB needed rounds up; 23.00001 GiB available rounds down.
            #expect(error.description == "cache.sets × cache.ways × system.cpus: a cache of 1048576 sets × 1024 ways "
                + "× 8 CPUs needs 169 GiB of tag arrays; this machine has 23 GiB")
        }
        // Exactly enough is enough.
        try CacheMemory.check(geometry, caches: 8, available: needed)
        #expect(throws: CacheMemoryError.self) { try CacheMemory.check(geometry, caches: 8, available: needed - 1) }
        // Small amounts print in MiB, and the keys are the caller's.
        let small = try CacheGeometry(sets: 512, ways: 8, lineSize: 64)
        #expect(throws: CacheMemoryError(geometry: small, caches: 3, needed: 3 * 90112, available: 200_000, keys: "k")) {
            try CacheMemory.check(small, caches: 3, available: 200_000, keys: "k")
        }
        #expect(CacheMemoryError(geometry: small, caches: 1, needed: 3 << 20, available: (5 << 20) / 2, keys: "k").description
            == "k: a cache of 512 sets × 8 ways × 1 CPU needs 3 MiB of tag arrays; this machine has 2 MiB")
    }

    @Test func theMachineHasSomeMemory() {
        #expect(CacheMemory.physicalBytes >= 1 << 28)
    }
}
