import CPUModel
import Foundation
import Testing

/// Guests built on demand: cached by content, rebuilt when any input changes.
@Suite struct GuestCacheTests {
    /// A private guests folder (a copy of the runtime and linker script) with one source.
    final class Folder {
        let root: String
        var guests: String { root + "/guests" }
        var source: String { guests + "/work/prog.c" }
        let cache: GuestCache

        init() throws {
            root = NSTemporaryDirectory() + "mtlab-guest-cache-\(UUID().uuidString)"
            cache = GuestCache(folder: root + "/cache")
            let fm = FileManager.default
            try fm.createDirectory(atPath: guests + "/work", withIntermediateDirectories: true)
            try fm.copyItem(atPath: Guests.directory + "/runtime", toPath: guests + "/runtime")
            try fm.copyItem(atPath: Guests.directory + "/link.ld", toPath: guests + "/link.ld")
            try write("work/prog.c", "#include \"runtime.h\"\n#include \"helper.h\"\nint main(unsigned h) { return h ? 0 : VALUE; }\n")
            try write("work/helper.h", "#define VALUE 0\n")
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: guests + "/" + name, atomically: false, encoding: .utf8)
        }
    }

    @Test func buildsOnceThenReusesTheELF() throws {
        let folder = try Folder()
        let first = try folder.cache.elf(for: folder.source)
        #expect(first.built)
        #expect(first.path.hasPrefix(folder.root + "/cache/prog-"))
        let again = try folder.cache.elf(for: folder.source)
        #expect(!again.built)
        #expect(again.path == first.path)
        let result = try Machine(program: ELFImage(contentsOf: again.path)).run()
        #expect(result.outcome == .passed)
        // Only the ELF is left in the cache: the temporary was renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.root + "/cache").count == 1)
    }

    @Test func anyInputChangeBuildsAnew() throws {
        let folder = try Folder()
        let base = try folder.cache.elf(for: folder.source).path
        let flagged = try folder.cache.elf(for: folder.source, flags: ["-DUNUSED=1"])
        #expect(flagged.built && flagged.path != base)

        try folder.write("work/helper.h", "#define VALUE 3\n")
        let header = try folder.cache.elf(for: folder.source)
        #expect(header.built && header.path != base)
        #expect(try Machine(program: ELFImage(contentsOf: header.path)).run().outcome == .failed(code: 3))

        try folder.write("runtime/runtime_config.h", (try String(contentsOfFile: folder.guests + "/runtime/runtime_config.h", encoding: .utf8)) + "\n/* changed */\n")
        let runtime = try folder.cache.elf(for: folder.source)
        #expect(runtime.built && runtime.path != header.path)

        var optimised = folder.cache
        optimised.baseFlags = ["-O1"]
        #expect(try optimised.elf(for: folder.source).built)
    }

    @Test func compileErrorsAreReportedAndNothingIsCached() throws {
        let folder = try Folder()
        try folder.write("work/prog.c", "int main(unsigned h) { return undeclared_name; }\n")
        do {
            _ = try folder.cache.elf(for: folder.source)
            Issue.record("expected a build error")
        } catch let error as GuestBuildError {
            #expect(error.output.contains("undeclared_name"))
        }
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: folder.root + "/cache")) ?? []
        #expect(cached.isEmpty, "\(cached)")
    }

    @Test func sourcesOutsideAGuestsFolderAreRefused() throws {
        let folder = try Folder()
        let stray = folder.root + "/stray.c"
        try "int main(unsigned h) { return 0; }\n".write(toFile: stray, atomically: false, encoding: .utf8)
        #expect(throws: GuestSourceError.self) { try folder.cache.elf(for: stray) }
        #expect(throws: GuestSourceError.self) { try folder.cache.elf(for: folder.guests + "/work/missing.c") }
        #expect(GuestCache.guestsDirectory(of: folder.source) == URL(fileURLWithPath: folder.guests).standardizedFileURL.path)
    }

    @Test func sha256MatchesKnownDigests() {
        var empty = SHA256()
        empty.update([UInt8]())
        #expect(empty.hexDigest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update("abc")
        #expect(abc.hexDigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()
        long.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        #expect(long.hexDigest() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
