// swift-tools-version:6.0
import PackageDescription

// Modules depend only downward: MTrace ← CPUModel; MTrace ← CacheModels ← Coherence ← Experiments ← mtlab.
let package = Package(
    name: "mtlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mtlab", targets: ["mtlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .target(name: "CIntrinsics"),
        .target(name: "MTrace", dependencies: ["CZlib"]),
        .target(name: "CPUModel", dependencies: ["MTrace"]),
        .target(name: "CacheModels", dependencies: ["MTrace"]),
        .target(name: "Coherence", dependencies: ["CacheModels", "MTrace", "CIntrinsics"]),
        .target(
            name: "Experiments",
            dependencies: ["MTrace", "CPUModel", "CacheModels", "Coherence", "CGSL",
                           .product(name: "TOMLKit", package: "TOMLKit")]),
        .executableTarget(
            name: "mtlab",
            dependencies: ["Experiments", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "MTraceTests", dependencies: ["MTrace"]),
        .testTarget(name: "CPUModelTests", dependencies: ["CPUModel", "MTrace"]),
        .testTarget(name: "CacheModelsTests", dependencies: ["CacheModels", "MTrace"]),
        .testTarget(name: "CoherenceTests", dependencies: ["Coherence", "CacheModels", "MTrace"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Coherence", "MTrace", "CPUModel"]),
        .testTarget(name: "MTLabCLITests", dependencies: ["mtlab"]),
    ],
    swiftLanguageModes: [.v5]
)
