import CPUModel
import Testing

@Suite struct GuestBuilderTests {
    @Test func compilerErrorsAreReported() throws {
        do {
            _ = try Guests.build(source: "int main(unsigned h) { return undeclared; }", name: "broken", suffix: "c",
                                 runtime: true)
            Issue.record("expected a build error")
        } catch let error as GuestBuildError {
            #expect(error.status != 0)
            #expect(error.output.contains("undeclared"))
            #expect(error.description.hasPrefix("building a guest failed"))
        }
    }

    @Test func missingCompilerIsReported() throws {
        var builder = Guests.builder
        builder.clang = "/nonexistent/clang"
        #expect(throws: GuestBuildError.self) {
            try builder.build(sources: [Guests.directory + "/tests/hello.c"], output: Guests.scratch + "/never.elf")
        }
    }

    @Test func builtGuestsAreRV64Executables() throws {
        let elf = try ELFImage(contentsOf: try Guests.build(["tests/hello.c"], runtime: true, name: "builder_hello"))
        #expect(elf.entry == 0x8000_0000)
        #expect(elf.address(of: "main") != nil)
        #expect(elf.address(of: "__stacks") != nil)
    }
}
