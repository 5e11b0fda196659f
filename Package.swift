// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ferry",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "FTP", targets: ["FTP"]),
        .library(name: "FTPWire", targets: ["FTPWire"]),
        .library(name: "Net", targets: ["Net"]),
        .library(name: "FTPServer", targets: ["FTPServer"]),
        .library(name: "Transfers", targets: ["Transfers"]),
        .executable(name: "ferry", targets: ["ferry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .target(name: "ScreenKit"),
        .target(name: "Spawn"),
        // No pkgConfig: its cflags (-D_XOPEN_SOURCE=600 …) are flags SwiftPM prohibits and warns about;
        // the shim asks for the wide-character API itself and the module map links ncursesw.
        .systemLibrary(name: "CNcurses"),
        .target(name: "Terminal", dependencies: ["CNcurses", "ScreenKit"]),
        .target(
            name: "Commander",
            dependencies: ["ScreenKit", "FTPWire", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // prctl and setrlimit behind one C function: prctl is variadic, which Swift cannot call.
        .systemLibrary(name: "CProcess"),
        // fstatfs, which Swift's Glibc module leaves out: the file system a download writes to.
        .systemLibrary(name: "CFileSystem"),
        .target(name: "FTPWire"),
        .target(name: "Net", dependencies: ["COpenSSL"]),
        .target(
            name: "FTP",
            dependencies: ["FTPWire", "Net", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "FTPServer", dependencies: ["FTPWire", "Net"]),
        .target(
            name: "Transfers",
            dependencies: ["FTP", "CFileSystem", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FTP", "FTPServer", "Transfers", "Commander", "Terminal", "Spawn", "CProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "listing-benchmark", dependencies: ["FTPWire"], path: "Benchmarks/ListingBenchmark"),
        .executableTarget(
            name: "commander-benchmark", dependencies: ["Commander", "FTPWire", "ScreenKit"], path: "Benchmarks/CommanderBenchmark"),
        .target(name: "TestSupport", dependencies: ["FTP", "FTPServer", "Spawn", "Transfers"], path: "Tests/TestSupport"),
        .testTarget(name: "FTPWireTests", dependencies: ["FTPWire", "TestSupport"], exclude: ["ListingCorpus", "FuzzRegressions"]),
        .testTarget(name: "ScreenKitTests", dependencies: ["ScreenKit"]),
        .testTarget(name: "CommanderTests", dependencies: ["Commander", "ScreenKit", "FTPWire"], exclude: ["Snapshots"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "ScreenKit"]),
        .testTarget(name: "NetTests", dependencies: ["Net", "COpenSSL"]),
        .testTarget(
            name: "FTPTests",
            dependencies: ["FTP", "FTPServer", "Transfers", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "TransfersTests", dependencies: ["CFileSystem", "FTP", "FTPServer", "FTPWire", "Transfers", "TestSupport"]),
        .testTarget(
            name: "InteropTests",
            dependencies: ["FTP", "FTPWire", "Spawn", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "CommanderLoopTests",
            dependencies: ["ferry", "Commander", "ScreenKit", "Terminal", "FTP", "Transfers", "TestSupport"]
        ),
        .testTarget(name: "FerryCommandTests", dependencies: ["ferry", "FTPWire"]),
        .testTarget(name: "EndToEndTests", dependencies: ["CFileSystem", "FTP", "FTPServer", "Spawn", "TestSupport"], exclude: ["ListingGolden"]),
    ],
    swiftLanguageModes: [.v6]
)
