// swift-tools-version:6.0
import Foundation
import PackageDescription

// Like -march=native: on an x86-64 build machine with Haswell's instruction set (AVX2,
// BMI2, FMA, …) the code is compiled for it, for BMI2 shifts and AVX2 in the simulator's
// hot loops (docs/performance.md). The binary then needs such a CPU to run; MTLAB_PORTABLE=1
// builds one that runs on any x86-64. `mtlab bench` prints which build it is.
let haswellFeatures = ["avx", "avx2", "bmi1", "bmi2", "fma", "f16c", "movbe", "abm", "popcnt", "sse4_2",
                       "pclmulqdq", "xsave", "fsgsbase", "rdrand", "invpcid", "cx16", "lahf_lm"]
let hostTuned: Bool = {
    #if os(Linux) && arch(x86_64)
    guard ProcessInfo.processInfo.environment["MTLAB_PORTABLE"] == nil,
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let present = Set(flags.split(separator: " ").map(String.init))
    return haswellFeatures.allSatisfy(present.contains)
    #else
    return false
    #endif
}()
let tuning: [SwiftSetting] = hostTuned ? [.unsafeFlags(["-target-cpu", "haswell"]), .define("MTLAB_HOST_TUNED")] : []

// Modules depend only downward, each on what it uses and no more:
//   MTrace ← CPUModel;  MTrace ← CacheModels ← Coherence;  TOML;  CGSL ← Statistics;  MTrace ← Reports
//   Reports, Coherence, CPUModel ← Scan (mscan's analyses: no GSL, no TOML)
//   Reports, Statistics ← Plots (gnuplot scripts: no simulator)
//   TOML, Coherence, CPUModel, Reports, Statistics ← Experiments (config, runs, their reports)
//   Experiments ← Sweeps;  Sweeps, Scan ← Benchmarks;  all of them ← mtlab
let package = Package(
    name: "mtlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mtlab", targets: ["mtlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .target(name: "CIntrinsics"),
        .target(name: "TOML"),
        .target(name: "MTrace", dependencies: ["CZlib"], swiftSettings: tuning),
        .target(name: "CPUModel", dependencies: ["MTrace"], swiftSettings: tuning),
        .target(name: "CacheModels", dependencies: ["MTrace"], swiftSettings: tuning),
        .target(name: "Coherence", dependencies: ["CacheModels", "MTrace", "CIntrinsics"], swiftSettings: tuning),
        .target(name: "Statistics", dependencies: ["CGSL"]),
        .target(name: "Reports", dependencies: ["MTrace"]),
        .target(name: "Scan", dependencies: ["MTrace", "CPUModel", "CacheModels", "Coherence", "Reports"],
                swiftSettings: tuning),
        .target(name: "Plots", dependencies: ["MTrace", "Reports", "Statistics"]),
        .target(
            name: "Experiments",
            dependencies: ["MTrace", "CPUModel", "CacheModels", "Coherence", "TOML", "Reports", "Statistics"],
            swiftSettings: tuning),
        .target(name: "Sweeps",
                dependencies: ["MTrace", "CPUModel", "Coherence", "TOML", "Reports", "Statistics", "Experiments"]),
        .target(name: "Benchmarks",
                dependencies: ["MTrace", "CPUModel", "CacheModels", "Coherence", "Reports", "Scan", "Sweeps"],
                swiftSettings: tuning),
        .executableTarget(
            name: "mtlab",
            dependencies: ["MTrace", "Coherence", "Experiments", "Scan", "Sweeps", "Plots", "Benchmarks", "Reports",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: tuning),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "MTraceTests", dependencies: ["MTrace"]),
        .testTarget(name: "CPUModelTests", dependencies: ["CPUModel", "MTrace"]),
        .testTarget(name: "CacheModelsTests", dependencies: ["CacheModels", "MTrace"]),
        .testTarget(name: "CoherenceTests", dependencies: ["Coherence", "CacheModels", "MTrace"]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"]),
        .testTarget(name: "ScanTests", dependencies: ["Scan", "CacheModels", "MTrace", "CPUModel", "CZlib"]),
        .testTarget(name: "ExperimentsTests",
                    dependencies: ["Experiments", "Scan", "Reports", "Statistics", "Coherence", "MTrace", "CPUModel"]),
        .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Experiments", "Statistics", "MTrace"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"]),
        .testTarget(name: "MTLabCLITests", dependencies: ["mtlab"]),
        // Runs the built mtlab on seeded mutations of every input kind (scripts/fuzz.sh runs it for longer).
        .testTarget(name: "FuzzTests", dependencies: ["mtlab", "MTrace"]),
    ],
    swiftLanguageModes: [.v5]
)
