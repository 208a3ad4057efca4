import Foundation
import Testing
import TOML

/// Seeded mutations of the repository's configs and sweeps: each must parse to a table or
/// throw a TOMLError that points inside the document, the same way every time.
@Suite struct MutationFuzz {
    static let configsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("configs")

    static func seeds() throws -> [[UInt8]] {
        var files: [[UInt8]] = []
        for folder in [configsFolder, configsFolder.appendingPathComponent("sweeps")] {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".toml") }.sorted()
            for name in names {
                files.append(Array(try Data(contentsOf: folder.appendingPathComponent(name))))
            }
        }
        return files
    }

    /// TOML's punctuation and the bytes that start its trickier forms.
    static let fragments: [[UInt8]] = ["[", "]", "[[", "]]", "{", "}", "=", ",", ".", "\"", "'", "\"\"\"", "'''",
                                       "#", "\n", "\r\n", "\r", "\\", "\\u", "\\U0011", "0x", "0b", "-", "+", "_",
                                       ":", "T", "Z", "e", " ", "\t", "\u{0}", "\u{7F}", "é", "inf", "nan",
                                       "1979-05-27", "07:32:00", "true", "a.b", "[a]", "[[a]]", "x = {", "= ["]
        .map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !b.isEmpty:  // flip a bit
                b[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !b.isEmpty:  // any byte at all
                b[i] = UInt8.random(in: 0...255, using: &rng)
            case 2:  // TOML punctuation
                b.insert(contentsOf: fragments[Int.random(in: 0..<fragments.count, using: &rng)], at: i)
            case 3:  // truncate
                b.removeSubrange(i...)
            case 4 where !b.isEmpty:  // duplicate a stretch, often whole lines
                let j = min(b.count, i + Int.random(in: 1...80, using: &rng))
                let at = Int.random(in: 0...b.count, using: &rng)
                b.insert(contentsOf: Array(b[i..<j]), at: at)
            default:  // delete a stretch
                b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...8, using: &rng)))
            }
        }
        return b
    }

    enum Outcome: Equatable {
        case table(String)
        case error(TOMLError)
    }

    static func outcome(_ bytes: [UInt8]) -> Outcome {
        do {
            return .table(render(try TOMLTable(parsing: bytes)))
        } catch {
            return .error(error)
        }
    }

    @Test func mutatedConfigsParseOrFailCleanly() throws {
        let seeds = try Self.seeds()
        #expect(seeds.count >= 20, "configs/*.toml and configs/sweeps/*.toml")
        var rng = SplitMix64(seed: 0x70_4D4C)
        var parsed = 0, failed = 0
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<4000 {
            let input = Self.mutate(seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
            let first = Self.outcome(input)
            #expect(Self.outcome(input) == first, "parsing is deterministic")
            switch first {
            case .table:
                parsed += 1
            case let .error(e):
                failed += 1
                // The error points into the document: a real line, a column on it.
                let lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                #expect(e.line >= 1 && e.line <= lines.count, "\(e)")
                if e.line >= 1 && e.line <= lines.count {
                    #expect(e.column >= 1 && e.column <= lines[e.line - 1].count + 1, "\(e)")
                }
                #expect(!e.message.isEmpty && !e.message.contains("\n"), "\(e)")
            }
        }
        // Both outcomes occur, so the mutations neither always break nor never touch the text.
        #expect(parsed > 400 && failed > 1000, "parsed \(parsed), failed \(failed)")
        #expect(clock.now - start < .seconds(10))
    }

    @Test func everyConfigInTheRepositoryParses() throws {
        for seed in try Self.seeds() {
            #expect(throws: Never.self) { try TOMLTable(parsing: seed) }
        }
    }
}
