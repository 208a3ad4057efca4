import Testing
import CacheModels
import MTrace
@testable import Coherence

private func simulate(_ accesses: [Access], cpus: Int, _ coherence: CoherenceProtocol) throws -> SimulationResult {
    let sim = try CoherenceSimulator(SimulatorConfiguration(
        cpus: cpus, geometry: try CacheGeometry(sets: 4, ways: 2, lineSize: 64), coherence: coherence))
    try accesses.withUnsafeBufferPointer { try sim.consume($0) }
    return try sim.result()
}

private func R(_ cpu: Int, _ address: UInt64 = 0x40) -> Access { Access(cpu: cpu, kind: .load, address: address, size: 4) }
private func W(_ cpu: Int, _ address: UInt64 = 0x40) -> Access { Access(cpu: cpu, kind: .store, address: address, size: 4) }

@Suite struct TransferMatrix {
    @Test func theDirtyOwnerSuppliesElseTheLowestHolder() throws {
        // MESI: cpu1 writes (M); cpu0's load takes it from cpu1 (dirty); both now S, so cpu2's
        // load is supplied by the lower-numbered holder, cpu0; cpu2's store is an upgrade (no
        // transfer); cpu1's load then takes it from cpu2's M.
        let mesi = try simulate([W(1), R(0), R(2), W(2), R(1)], cpus: 3, .mesi)
        #expect(mesi.transferMatrix == [0, 0, 1,
                                         1, 0, 0,
                                         0, 1, 0])
        #expect(mesi.transfers(from: 1, to: 0) == 1 && mesi.transfers(from: 0, to: 2) == 1)
        // MOESI keeps cpu1 as the owner (O) after cpu0's load, so cpu1 supplies cpu2.
        let moesi = try simulate([W(1), R(0), R(2)], cpus: 3, .moesi)
        #expect(moesi.transfers(from: 1, to: 0) == 1 && moesi.transfers(from: 1, to: 2) == 1)
        #expect(moesi.transferMatrix.reduce(0, +) == 2)
        // Protocol none never transfers.
        #expect(try simulate([W(1), R(0), R(2)], cpus: 3, .none).transferMatrix.allSatisfy { $0 == 0 })
    }

    @Test(arguments: CoherenceProtocol.allCases) func sumsToTheTransferCounters(_ coherence: CoherenceProtocol) throws {
        var random = SplitMix64(seed: 99)
        let cpus = 5
        let trace = (0..<20_000).map { _ -> Access in
            let r = random.next()
            return Access(cpu: Int(r % UInt64(cpus)), kind: (r >> 8) % 3 == 0 ? .store : .load,
                          address: (r >> 16) % 2048, size: 1 + Int((r >> 40) % 8))
        }
        let result = try simulate(trace, cpus: cpus, coherence)
        #expect(result.transferMatrix.count == cpus * cpus)
        #expect(result.transferMatrix.reduce(0, +) == result.totals.transfers)
        for j in 0..<cpus {
            #expect((0..<cpus).reduce(0) { $0 + result.transfers(from: $1, to: j) } == result.cpus[j].transfers)
            #expect(result.transfers(from: j, to: j) == 0)
        }
    }
}
