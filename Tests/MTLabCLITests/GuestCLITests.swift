import Foundation
import Testing

/// The repository's guests folder (runtime, link.ld, workloads).
private let repositoryGuests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("guests").path

/// A lab whose guest cache lies beside it (not in it), with a guests folder of its own
/// (a copy of the runtime) for programs written by the tests.
private final class GuestLab {
    let lab: Lab
    let environment: [String: String]

    init() throws {
        lab = try Lab()
        let cache = lab.folder.deletingLastPathComponent().appendingPathComponent("cache").path
        environment = ["XDG_CACHE_HOME": cache]
    }

    /// A config of `cpus` CPUs running `workload` (a line of [workload]).
    func config(_ name: String, _ workload: String, cpus: Int = 4, machine: String = "quantum = 1") throws {
        try lab.write(name, """
            [system]
            cpus = \(cpus)
            [workload]
            \(workload)
            [cache]
            size = 32768
            ways = 8
            [machine]
            \(machine)
            """)
    }

    /// Writes `text` as `guests/<name>.c` of the lab, next to a copy of the runtime.
    func guest(_ name: String, _ text: String) throws {
        let guests = lab.folder.appendingPathComponent("guests")
        if !FileManager.default.fileExists(atPath: guests.path) {
            try FileManager.default.createDirectory(at: guests, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: repositoryGuests + "/runtime", toPath: guests.path + "/runtime")
            try FileManager.default.copyItem(atPath: repositoryGuests + "/link.ld", toPath: guests.path + "/link.ld")
        }
        try lab.write("guests/\(name).c", text)
    }

    func run(_ arguments: [String]) throws -> Lab.Result { try lab.run(arguments, environment: environment) }
}

private let countersWorkload = "guest = \"\(repositoryGuests)/workloads/per_cpu_counters.c\"\ncflags = \"-DITERATIONS=100\""

@Suite(.serialized) struct GuestRunEndToEnd {
    @Test func guestOutputComesFirstThenTheReport() throws {
        let g = try GuestLab()
        try g.config("run.toml", countersWorkload)
        let r = try g.run(["run", "run.toml", "--top", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("4 counters of 8 bytes each reached 100\nconfig "), "\(r.stdout.prefix(200))")
        #expect(r.stdout.contains("guest         passed"))
        #expect(r.stdout.contains("falsely-shared"))
        #expect(r.stdout.contains("operations    400: per operation"))
        #expect(!r.stdout.contains("PARTIAL"))
        #expect(r.stderr.contains("guest instructions"))
        #expect(!r.stderr.contains("error"))
        #expect(g.lab.entries() == ["run.toml"])
    }

    @Test func jsonIsReproducibleAndNamesTheGuest() throws {
        let g = try GuestLab()
        try g.config("run.toml", countersWorkload, machine: "quantum = 5\njitter = 3")
        try g.lab.write("out/.keep", "")
        let first = try g.run(["run", "run.toml", "--json", "out/a.json", "--csv", "out/csv"])
        let second = try g.run(["run", "run.toml", "--json", "out/b.json"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        #expect(try g.lab.read("out/a.json") == g.lab.read("out/b.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: g.lab.read("out/a.json")) as? [String: Any])
        let guest = try #require(json["guest"] as? [String: Any])
        #expect(guest["ended"] as? String == "passed")
        #expect(guest["exit_code"] as? Int == 0)
        #expect(guest["partial"] as? Bool == false)
        #expect((guest["instructions"] as? [Int])?.count == 4)
        #expect(guest["operations"] as? Int == 400)
        #expect((guest["per_operation"] as? [String: Any])?["movement"] != nil)
        let config = try #require(json["config"] as? [String: [String: Any]])
        #expect(config["machine"]?["jitter"] as? Int == 3)
        #expect(config["workload"]?["trace"] == nil)
        let csv = String(decoding: try g.lab.read("out/csv/guest.csv"), as: UTF8.self)
        #expect(csv.hasPrefix("quantity,hart,value\nended,,passed\nexit_code,,0\npartial,,false\ninstructions,0,"))
    }

    @Test func consoleGoesToStderrBesideJSONOrToAFile() throws {
        let g = try GuestLab()
        try g.config("run.toml", countersWorkload)
        let json = try g.run(["run", "run.toml", "--json", "-"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) is [String: Any])
        #expect(json.stderr.hasPrefix("4 counters of 8 bytes each reached 100\n"))

        let file = try g.run(["run", "run.toml", "--console", "console.txt"])
        #expect(file.status == 0, "\(file.stderr)")
        #expect(file.stdout.hasPrefix("config "))
        #expect(try g.lab.read("console.txt") == Data("4 counters of 8 bytes each reached 100\n".utf8))
        #expect(g.lab.entries() == ["console.txt", "run.toml"])
    }

    @Test func failingGuestIsReportedThenExitsWithStatus2() throws {
        let g = try GuestLab()
        try g.guest("fail", """
            #include "runtime.h"
            int main(unsigned h) { if (h == 0) puts("giving up"); return 3; }
            """)
        try g.config("run.toml", "guest = \"guests/fail.c\"", cpus: 2, machine: "quantum = 100")
        let r = try g.run(["run", "run.toml", "--json", "out.json", "--console", "console.txt"])
        #expect(r.status == 2)
        #expect(r.stdout.hasPrefix("config ")) // the text report; the console went to its file
        let json = try #require(try JSONSerialization.jsonObject(with: g.lab.read("out.json")) as? [String: Any])
        let guest = try #require(json["guest"] as? [String: Any])
        #expect(guest["ended"] as? String == "failed" && guest["exit_code"] as? Int == 3 && guest["partial"] as? Bool == true)
        #expect(try g.lab.read("console.txt") == Data("giving up\n".utf8))
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.last == "mtlab: error: run.toml: guest failed: the guest exited with code 3; its last console line: giving up")

        let text = try g.run(["run", "run.toml"])
        #expect(text.status == 2)
        #expect(text.stdout.hasPrefix("giving up\nconfig "))
        #expect(text.stdout.contains("PARTIAL: the guest did not finish successfully"))
    }

    @Test func runawayGuestNamesHartsAndPCs() throws {
        let g = try GuestLab()
        try g.guest("spin", "#include \"runtime.h\"\nint main(unsigned h) { for (;;) { } }\n")
        try g.config("run.toml", "guest = \"guests/spin.c\"", cpus: 2, machine: "max_instructions = 20000")
        let r = try g.run(["run", "run.toml", "--top", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("mtlab: error: run.toml: guest instruction limit: the guest did not end within machine.max_instructions = 20000 instructions; it was at hart 0 pc 0x"), "\(r.stderr)")
        #expect(r.stderr.contains(try Regex(#"hart 0 pc 0x[0-9a-f]+ \(main(\+0x[0-9a-f]+)?\)"#)))
    }

    @Test func badProgramsFailWithOneLineAndNoFiles() throws {
        let g = try GuestLab()
        try g.guest("broken", "int main(unsigned h) { return missing_symbol; }\n")
        try g.config("broken.toml", "guest = \"guests/broken.c\"", cpus: 1)
        try g.config("elf.toml", "elf = \"run.toml\"", cpus: 1)
        try g.lab.write("run.toml", "not an ELF\n")
        let before = g.lab.entries()
        for (config, expected) in [("broken.toml", ["workload.guest \"guests/broken.c\": does not compile", "missing_symbol"]),
                                   ("elf.toml", ["workload.elf \"run.toml\": not an ELF file"])] {
            let r = try g.run(["run", config, "--json", "out.json", "--console", "console.txt"])
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("mtlab: error: \(config): "), "\(r.stderr)")
            for text in expected { #expect(r.stderr.contains(text), "\(r.stderr)") }
            #expect(g.lab.entries() == before)
        }
    }

    @Test func consoleNeedsAnEmulatedWorkload() throws {
        let lab = try Lab()
        try lab.write("run.toml", "[workload]\ntrace = \"t.trace\"\n[cache]\nsets = 4\n")
        try lab.write("t.trace", "0 R 0x10\n")
        let r = try lab.run(["run", "run.toml", "--console", "c.txt"])
        #expect(r.status == 64)
        #expect(r.stderr == "mtlab: error: --console applies only to emulated workloads (workload.elf or workload.guest) (mtlab help shows the usage)\n")
    }
}
