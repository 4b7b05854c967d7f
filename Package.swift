// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Berth",
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "berth-shim", targets: ["berth-shim"]),
        .library(name: "BerthRuntime", targets: ["BerthRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Thin C wrappers for syscalls and constants Swift cannot import (they need _GNU_SOURCE).
        .target(
            name: "CBerthSys",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // Everything between fork and exec, and the per-container supervisor. Single-threaded C.
        .executableTarget(
            name: "berth-shim",
            cSettings: [.define("_GNU_SOURCE")],
            // Static: no shared libc pages to map keeps each supervisor's RSS small (DESIGN: < 1 MiB).
            linkerSettings: [.unsafeFlags(["-static-executable", "-use-ld=lld", "-Xlinker", "--gc-sections"])]
        ),
        .target(
            name: "BerthRuntime",
            dependencies: ["CBerthSys", "CArchive", "CCrypto", .product(name: "Yams", package: "Yams")]
        ),
        .systemLibrary(name: "CNcursesw"),
        // libarchive (libarchive-dev) reads image tarballs; libcrypto (libssl-dev) digests layers.
        .systemLibrary(name: "CArchive"),
        .systemLibrary(name: "CCrypto"),
        .target(
            name: "BerthDashboard",
            dependencies: ["BerthRuntime", "CNcursesw", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "berth",
            dependencies: [
                "BerthRuntime", "BerthDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // lld: gold prints a warning for every static glibc symbol Foundation's static
            // archive references (mktemp) when linking with --static-swift-stdlib.
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        .executableTarget(
            name: "berth-bench",
            dependencies: ["BerthRuntime", "BerthDashboard"],
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        // Host checks and prerequisites the integration targets share (XCTest, not shipped).
        .target(name: "BerthTestSupport", dependencies: ["BerthRuntime"], path: "Tests/BerthTestSupport"),
        .testTarget(name: "BerthRuntimeTests", dependencies: ["BerthRuntime", "BerthTestSupport"]),
        .testTarget(name: "BerthIntegrationTests", dependencies: ["BerthRuntime", "BerthTestSupport"]),
        .testTarget(name: "BerthDashboardTests", dependencies: ["BerthDashboard", "BerthRuntime", "BerthTestSupport"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Tests/Fuzz; docs/testing.md, "Fuzzing"). They exist only in a build made for
// them, so the normal build neither compiles them nor needs libFuzzer:
//   BERTH_FUZZ=1 swift build --scratch-path .build-fuzz --sanitize=fuzzer \
//     -Xswiftc -sanitize=fuzzer,address --product fuzz-tar
// (`--sanitize=fuzzer` makes SwiftPM link libFuzzer, whose `main` drives the target, and not expect
// a Swift entry point; the `-Xswiftc` flag is the one that instruments: swiftc keeps only the last
// `-sanitize=`, so `--sanitize=fuzzer --sanitize=address` would lose the coverage.)
if Context.environment["BERTH_FUZZ"] != nil {
    // libFuzzer's main calls `LLVMFuzzerTestOneInput`; the Swift files define it and no main.
    let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
    let lld: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld"])]
    package.targets += [
        .target(name: "BerthFuzzSupport", path: "Tests/Fuzz/Support"),
        .executableTarget(name: "fuzz-tar", dependencies: ["BerthRuntime", "BerthFuzzSupport"], path: "Tests/Fuzz/Targets/tar",
                          swiftSettings: fuzzer, linkerSettings: lld),
        .executableTarget(name: "fuzz-image", dependencies: ["BerthRuntime", "BerthFuzzSupport"], path: "Tests/Fuzz/Targets/image",
                          swiftSettings: fuzzer, linkerSettings: lld),
        .executableTarget(name: "fuzz-oci-layout", dependencies: ["BerthRuntime", "BerthFuzzSupport"], path: "Tests/Fuzz/Targets/oci-layout",
                          swiftSettings: fuzzer, linkerSettings: lld),
        .executableTarget(name: "fuzz-image-json", dependencies: ["BerthRuntime", "BerthFuzzSupport"], path: "Tests/Fuzz/Targets/image-json",
                          swiftSettings: fuzzer, linkerSettings: lld),
        .executableTarget(name: "fuzz-compose", dependencies: ["BerthRuntime", "BerthFuzzSupport"], path: "Tests/Fuzz/Targets/compose",
                          swiftSettings: fuzzer, linkerSettings: lld),
        .executableTarget(name: "fuzz-theme", dependencies: ["BerthDashboard", "BerthFuzzSupport"], path: "Tests/Fuzz/Targets/theme",
                          swiftSettings: fuzzer, linkerSettings: lld),
        .executableTarget(name: "fuzz-crilog", dependencies: ["BerthRuntime", "BerthFuzzSupport"], path: "Tests/Fuzz/Targets/crilog",
                          swiftSettings: fuzzer, linkerSettings: lld),
    ]
}
