import CacheModels
import Foundation
import MTrace

/// Traces for the hierarchy tests, and a way to write them as din files so that Dinero IV
/// can be run on exactly the same references (set MTLAB_WRITE_DIN to a folder).
enum HierarchyTraces {
    /// The synthetic reference trace (4-byte loads and stores, one CPU).
    static func reference(_ count: Int) -> [Access] {
        var trace = SyntheticReferenceTrace(references: count)
        var accesses: [Access] = []
        while let a = trace.next() { accesses.append(a) }
        return accesses
    }

    /// A program-like din trace: instruction fetches running through 96 KiB of code with
    /// loops and calls, between them loads and stores to a stack, a 64 KiB heap and a
    /// 2 MiB array walked with a stride. All references are 4 bytes, 4-byte aligned.
    static func withFetches(_ count: Int, seed: UInt64) -> [Access] {
        var random = SplitMix64(seed: seed)
        var pc: UInt64 = 0x1_0000
        var walk: UInt64 = 0
        var accesses: [Access] = []
        accesses.reserveCapacity(count)
        while accesses.count < count {
            accesses.append(Access(cpu: 0, kind: .fetch, address: pc, size: 4))
            let r = random.next()
            switch r % 16 {
            case 0: pc = 0x1_0000 + 4 * (random.next() % 24_576)            // a call or far jump
            case 1, 2: pc = pc >= 0x1_0040 ? pc - 4 * (r >> 60) * 4 : pc + 4  // a short loop back
            default: pc = pc + 4 < 0x1_0000 + 96 * 1024 ? pc + 4 : 0x1_0000
            }
            let d = (r >> 8) % 100
            let kind: AccessKind = (r >> 16) % 3 == 0 ? .store : .load
            if d < 25 {
                accesses.append(Access(cpu: 0, kind: kind, address: 0x7FFF_0000 - 4 * ((r >> 24) % 256), size: 4))
            } else if d < 45 {
                accesses.append(Access(cpu: 0, kind: kind, address: 0x4000_0000 + 4 * ((r >> 24) % 16_384), size: 4))
            } else if d < 55 {
                accesses.append(Access(cpu: 0, kind: kind, address: 0x5000_0000 + (walk % (2 << 20)), size: 4))
                walk &+= 36
            }
        }
        return Array(accesses.prefix(count))
    }

    /// Writes `accesses` as a traditional din file (type 0 read, 1 write, 2 fetch).
    static func writeDin(_ accesses: [Access], to path: String) throws {
        var text = ""
        text.reserveCapacity(accesses.count * 12)
        for a in accesses {
            let type = a.kind == .load ? 0 : a.kind == .fetch ? 2 : 1
            text += "\(type) \(String(a.address, radix: 16))\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Runs `accesses` through a hierarchy and returns it (the caller deallocates).
    static func run(_ settings: HierarchySettings, _ accesses: [Access], seed: UInt64 = 1) throws -> CacheHierarchy {
        var h = try CacheHierarchy(settings, seed: seed)
        for a in accesses { h.access(a) }
        h.finish()
        return h
    }
}
