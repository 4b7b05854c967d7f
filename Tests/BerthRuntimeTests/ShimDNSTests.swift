import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The container DNS server's message code (`berth-shim/dns_msg.c`) is hostile-input code: every
/// query comes from inside a container. `Tests/ShimUnit/dns_test.c` checks it against hand-made
/// queries (compression loops, forward pointers, oversized labels and names, lengths past the
/// end, responses sent as queries) under ASan and UBSan; `Tests/Fuzz/dns_fuzz.c` runs libFuzzer
/// over it for a fixed number of runs with a fixed seed (deterministic in CI).
final class ShimDNSTests: XCTestCase {
    static let repo: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    private var scratch = ""

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "berth-dnsmsg-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    private func compile(_ sources: [String], output: String, flags: [String]) throws -> String {
        let clang = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? Prerequisite.find("clang")
        guard let clang else { try Prerequisite.unmet("clang is missing (the Swift toolchain ships it)") }
        let path = scratch + "/" + output
        let r = Subprocess.run(clang, ["-std=gnu11", "-D_GNU_SOURCE", "-g", "-O1", "-Wall", "-Werror", "-fuse-ld=lld",
                                       "-I", Self.repo + "/Sources/berth-shim"] + flags
                               + sources.map { Self.repo + "/" + $0 } + ["-o", path])
        XCTAssertEqual(r.status, 0, "compiling \(output): \(r.stderr)")
        if r.status != 0 { throw XCTSkip("did not compile (failed above)") }
        return path
    }

    func testHandMadeQueriesUnderTheSanitizers() throws {
        let program = try compile(["Tests/ShimUnit/dns_test.c", "Sources/berth-shim/dns_msg.c"], output: "dns_test",
                                  flags: ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"])
        let run = Subprocess.run(program, [], timeout: 60)
        XCTAssertEqual(run.status, 0, "dns_test failed:\n\(run.stdout)\(run.stderr)")
        XCTAssertEqual(run.stdout, "ok\n")
    }

    func testFuzzTheParserBriefly() throws {
        let fuzzer = try compile(["Tests/Fuzz/dns_fuzz.c", "Sources/berth-shim/dns_msg.c"], output: "dns_fuzz",
                                 flags: ["-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all"])
        let corpus = scratch + "/corpus"
        try FileManager.default.copyItem(atPath: Self.repo + "/Tests/Fuzz/corpus/dns", toPath: corpus)
        let r = Subprocess.run(fuzzer, ["-seed=1", "-runs=200000", "-artifact_prefix=\(scratch)/", corpus], timeout: 300)
        XCTAssertEqual(r.status, 0, "the fuzzer found a crash: " + r.stderr.split(separator: "\n").suffix(30).joined(separator: "\n"))
        XCTAssertTrue(r.stderr.contains("Done 200000 runs"), r.stderr.split(separator: "\n").suffix(5).joined(separator: "\n"))
    }
}
