// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Berth",
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "berth-shim", targets: ["berth-shim"]),
        // An OCI runtime with runc's command line (containerd, podman), on the same engine pieces.
        .executable(name: "berth-runc", targets: ["berth-runc"]),
        // Pull, push, login against OCI registries; `berth` execs it so only it links libcurl (docs/registries.md).
        .executable(name: "berth-registry", targets: ["berth-registry"]),
        // The engine with the layers its API is made of (spec values, OS types such as BerthError).
        .library(name: "BerthRuntime", targets: ["BerthOCI", "BerthOS", "BerthRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
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
        // The OCI runtime spec as plain Codable values and docker's defaults: no I/O, no dependencies.
        .target(name: "BerthOCI"),
        // The operating system as Berth uses it: files, /proc, cgroup files, netlink, system calls.
        .target(
            name: "BerthOS",
            dependencies: ["BerthOCI", "CBerthSys", "CSeccomp", "CNftables", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "BerthRuntime",
            dependencies: ["BerthOCI", "BerthOS", "CBerthSys", "CArchive", "CCrypto", .product(name: "Yams", package: "Yams")]
        ),
        .systemLibrary(name: "CNcursesw"),
        // libarchive (libarchive-dev) reads image tarballs; libcrypto (libssl-dev) digests layers.
        // Both are loaded on first use (CLazyLoad), not by every command at start-up.
        .target(name: "CLazyLoad"),
        .target(name: "CArchive", dependencies: ["CLazyLoad"]),
        .target(name: "CCrypto", dependencies: ["CLazyLoad"]),
        // libseccomp (libseccomp-dev) compiles seccomp filters to BPF, also loaded on first use.
        .target(name: "CSeccomp", dependencies: ["CLazyLoad"], cSettings: [.define("_GNU_SOURCE")]),
        // libnftables (libnftables-dev): outbound access and published ports in Berth's own
        // table; loaded on first use, optional (without it, ports go through the proxy).
        .target(name: "CNftables", dependencies: ["CLazyLoad"]),
        .target(
            name: "BerthDashboard",
            dependencies: ["BerthOS", "BerthRuntime", "CNcursesw", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "berth",
            dependencies: [
                "BerthOCI", "BerthOS", "BerthRuntime", "BerthDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // lld: gold prints a warning for every static glibc symbol Foundation's static
            // archive references (mktemp) when linking with --static-swift-stdlib.
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        .executableTarget(
            name: "berth-runc",
            dependencies: ["BerthOCI", "BerthOS", "BerthRuntime", "CBerthSys"],
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        // libcurl (libcurl4-openssl-dev), linked directly: only berth-registry uses it, and every
        // run of it makes HTTP requests, so loading it on first use (CLazyLoad) would save nothing.
        .systemLibrary(name: "CCurl"),
        // The registry client: the distribution protocol over libcurl (docs/registries.md).
        .target(name: "BerthRegistry", dependencies: ["BerthOCI", "BerthOS", "BerthRuntime", "CCurl"]),
        .executableTarget(
            name: "berth-registry",
            dependencies: ["BerthRegistry", "BerthRuntime", "BerthOS"],
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        .executableTarget(
            name: "berth-bench",
            dependencies: ["BerthOS", "BerthRuntime", "BerthDashboard", "CBerthSys"],
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        // Host checks, prerequisites and the tmux driver the test targets share (XCTest, not shipped).
        .target(name: "BerthTestSupport", dependencies: ["BerthOCI", "BerthOS", "BerthRuntime"], path: "Tests/BerthTestSupport"),
        // Unit tests: no root, no berth binary.
        .testTarget(name: "BerthOCITests", dependencies: ["BerthOCI"]),
        .testTarget(name: "BerthOSTests", dependencies: ["BerthOCI", "BerthOS", "BerthTestSupport"]),
        .testTarget(name: "BerthRuntimeTests", dependencies: ["BerthOCI", "BerthOS", "BerthRuntime", "BerthTestSupport"]),
        .testTarget(name: "BerthDashboardTests", dependencies: ["BerthDashboard", "BerthOS", "BerthRuntime", "BerthTestSupport"], exclude: ["Golden"]),
        // Root on this host: real cgroups and image extraction, without the berth binary.
        .testTarget(name: "BerthHostTests", dependencies: ["BerthOCI", "BerthOS", "BerthRuntime", "BerthTestSupport"]),
        // End to end: the real berth binary and real containers, terminals in tmux.
        .testTarget(name: "BerthIntegrationTests", dependencies: ["BerthOCI", "BerthOS", "BerthRuntime", "BerthTestSupport"]),
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
