import Foundation
import Testing

/// Writes the hierarchy tests' traces as din files when MTLAB_WRITE_DIN names a folder, so
/// that Dinero IV can be run on them (docs/hierarchy.md shows the commands).
@Suite struct HierarchyTraceFiles {
    @Test func writeDinFilesWhenAsked() throws {
        guard let folder = ProcessInfo.processInfo.environment["MTLAB_WRITE_DIN"] else { return }
        try HierarchyTraces.writeDin(HierarchyTraces.reference(200_000), to: folder + "/reference-200k.din")
        try HierarchyTraces.writeDin(HierarchyTraces.withFetches(300_000, seed: 7), to: folder + "/fetches-300k.din")
        #expect(FileManager.default.fileExists(atPath: folder + "/fetches-300k.din"))
    }
}
