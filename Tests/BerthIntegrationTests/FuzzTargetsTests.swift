import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A short libFuzzer run of each Swift fuzz target (Tests/Fuzz/Targets; docs/testing.md,
/// "Fuzzing"): the targets are built with coverage and AddressSanitizer into the repository's
/// `.build-fuzz` (incremental after the first run), then each runs a fixed number of inputs with
/// a fixed seed over a copy of its corpus, so a CI run is deterministic and the tree is not
/// written. Any crash, trap, sanitizer report, leak or file written outside the directory an
/// input was given fails the test, naming the saved input; it then becomes a regression test
/// (FuzzRegressionTests) and a seed of the corpus.
final class FuzzTargetsTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let buildDirectory = repo + "/.build-fuzz"

    private var scratch = ""

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "berth-fuzz-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    /// Builds `fuzz-TARGET` (see Package.swift for why the two sanitizer options) and returns its path.
    private func build(_ target: String) throws -> String {
        _ = try Prerequisite.requireTool("swift")
        let r = Subprocess.run("/usr/bin/env", ["BERTH_FUZZ=1", "swift", "build", "--package-path", Self.repo,
                                                "--scratch-path", Self.buildDirectory, "--sanitize=fuzzer",
                                                "-Xswiftc", "-sanitize=fuzzer,address", "--product", "fuzz-" + target],
                               timeout: 1200)
        guard r.status == 0 else {
            XCTFail("building fuzz-\(target): " + (r.stdout + r.stderr).split(separator: "\n").filter { $0.contains("error") }.prefix(20).joined(separator: "\n"))
            throw XCTSkip("fuzz-\(target) did not build")
        }
        return Self.buildDirectory + "/debug/fuzz-" + target
    }

    /// `runs` inputs from seed 1 over a copy of Tests/Fuzz/corpus/TARGET.
    private func fuzz(_ target: String, runs: Int) throws {
        let fuzzer = try build(target)
        let corpus = scratch + "/corpus-" + target
        try FileManager.default.copyItem(atPath: Self.repo + "/Tests/Fuzz/corpus/" + target, toPath: corpus)
        // The Swift backtracer would hold the output pipe open after a crash: libFuzzer reports it.
        let r = Subprocess.run("/usr/bin/env", ["SWIFT_BACKTRACE=enable=no", "TMPDIR=" + scratch, fuzzer, "-seed=1", "-runs=\(runs)",
                                                "-artifact_prefix=\(scratch)/", corpus], timeout: 600)
        let tail = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.contains("Uses:") }.suffix(40).joined(separator: "\n")
        if r.status != 0 {
            // The scratch directory goes at tearDown: the saved input travels in the message.
            let saved = ((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).filter { !$0.hasPrefix("corpus-") }.compactMap { name in
                FileManager.default.contents(atPath: scratch + "/" + name).map { "\(name) (base64): \($0.prefix(65536).base64EncodedString())" }
            }
            XCTFail("fuzz-\(target) exited with \(r.status):\n\(tail)\n" + saved.joined(separator: "\n"))
            return
        }
        XCTAssertTrue(r.stderr.contains("Done \(runs) runs"), tail)
        // The target removes its work directory at exit: nothing else may be left.
        let left = (try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []
        XCTAssertEqual(left.filter { $0 != "corpus-" + target }, [], "left in TMPDIR by fuzz-\(target)")
    }

    func testTarLayers() throws {
        try Prerequisite.requireRoot("layers are unpacked with their owners and device nodes")
        try fuzz("tar", runs: 1500)
    }

    func testImageImport() throws {
        try Prerequisite.requireRoot("layers are unpacked with their owners and device nodes")
        try fuzz("image", runs: 500)
    }

    func testOCILayout() throws {
        try Prerequisite.requireRoot("layers are unpacked with their owners and device nodes")
        try fuzz("oci-layout", runs: 250)
    }

    func testImageJSON() throws { try fuzz("image-json", runs: 20000) }

    func testCompose() throws { try fuzz("compose", runs: 4000) }

    func testThemeAndConfig() throws { try fuzz("theme", runs: 1500) }

    func testCRILog() throws { try fuzz("crilog", runs: 50000) }
}
