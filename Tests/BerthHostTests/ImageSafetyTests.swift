@testable import BerthOS
@testable import BerthRuntime
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Hand-made hostile archives: each attack is refused with a one-line error naming the entry,
/// nothing is written outside the store, and the store is left exactly as it was.
final class ImageSafetyTests: XCTestCase {
    var root = ""
    var work = ""
    var engine: Engine!
    /// Where an escaping entry would land if extraction followed it.
    var outside: String { work + "/outside" }

    override func setUpWithError() throws {
        try Prerequisite.requireRoot("extraction keeps owners and makes device nodes: needs root")
        work = "/var/tmp/berth-imgsafety-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        root = work + "/root"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        engine = try Engine(options: EngineOptions(root: root))
        // A legitimate image first, so "unchanged" means something.
        var ok = ImageHandTar()
        ok.add("bin/", .directory, mode: 0o755)
        ok.add("bin/hello", content: "hi\n", mode: 0o755)
        try ok.write(to: work + "/ok.tar")
        try engine.importImage(path: work + "/ok.tar", options: ImportOptions(name: try ImageReference(parsing: "ok")))
    }

    override func tearDownWithError() throws {
        if !work.isEmpty { try? FileManager.default.removeItem(atPath: work) }
    }

    /// Every path under the root with its size, and the index's bytes.
    func snapshot() -> [String] {
        var out: [String] = []
        if let e = FileManager.default.enumerator(atPath: root) {
            while let rel = e.nextObject() as? String {
                var st = stat()
                lstat(root + "/" + rel, &st)
                out.append("\(rel) \(st.st_mode) \(st.st_size)")
            }
        }
        out.append(String(decoding: FileManager.default.contents(atPath: root + "/images.json") ?? Data(), as: UTF8.self))
        return out.sorted()
    }

    /// Imports `tar` and expects a refusal whose message contains `expected`.
    func assertRejected(_ tar: ImageHandTar, truncatedTo: Int? = nil, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let path = work + "/evil.tar"
        try tar.write(to: path, truncatedTo: truncatedTo)
        let before = snapshot()
        do {
            try engine.importImage(path: path, options: ImportOptions(name: try ImageReference(parsing: "evil")))
            XCTFail("import was accepted", file: file, line: line)
        } catch let e as BerthError {
            let message = e.description
            for part in expected { XCTAssertTrue(message.contains(part), "'\(message)' lacks '\(part)'", file: file, line: line) }
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        }
        XCTAssertEqual(snapshot(), before, "the store changed", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [], "something was written outside", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/evil"), file: file, line: line)
    }

    func testDotDotIsRefused() throws {
        var t = ImageHandTar()
        t.add("etc/", .directory)
        t.add("etc/../../../outside/pwned", content: "x")
        try assertRejected(t, ["etc/../../../outside/pwned", "'..'"])
    }

    func testAbsolutePathIsRefused() throws {
        var t = ImageHandTar()
        t.add(outside + "/pwned", content: "x")
        try assertRejected(t, [outside + "/pwned", "absolute path"])
    }

    func testEntryThroughSymlinkIsRefused() throws {
        var t = ImageHandTar()
        t.add("escape", .symlink, link: outside)
        t.add("escape/pwned", content: "x")
        try assertRejected(t, ["escape/pwned", "symlink 'escape'"])
    }

    func testEntryThroughRelativeSymlinkIsRefused() throws {
        var t = ImageHandTar()
        t.add("a/", .directory)
        t.add("a/up", .symlink, link: "../../../../../../../../..")
        t.add("a/up/tmp/pwned", content: "x")
        try assertRejected(t, ["a/up/tmp/pwned", "symlink 'a/up'"])
    }

    func testHardLinkOutOfTheLayerIsRefused() throws {
        var t = ImageHandTar()
        t.add("passwd", .hardlink, link: "../../../../etc/passwd")
        try assertRejected(t, ["'passwd'", "hard link target", "'..'"])
        var abs = ImageHandTar()
        abs.add("passwd", .hardlink, link: "/etc/passwd")
        try assertRejected(abs, ["'passwd'", "absolute path"])
    }

    func testHardLinkThroughSymlinkIsRefused() throws {
        var t = ImageHandTar()
        t.add("etc", .symlink, link: "/etc")
        t.add("stolen", .hardlink, link: "etc/passwd")
        try assertRejected(t, ["'stolen'", "symlink 'etc'"])
    }

    func testHardLinkToAFileNotInTheLayerIsRefused() throws {
        var t = ImageHandTar()
        t.add("x", .hardlink, link: "missing")
        try assertRejected(t, ["'x'", "not in this layer"])
    }

    func testEscapingWhiteoutIsRefused() throws {
        var t = ImageHandTar()
        t.add("bin/", .directory)
        t.add("bin/.wh..", content: "")
        try assertRejected(t, ["bin/.wh..", "whiteout escapes"])
        var dot = ImageHandTar()
        dot.add(".wh..", content: "")
        try assertRejected(dot, [".wh..", "whiteout escapes"])
    }

    func testTruncatedArchiveIsRefused() throws {
        var t = ImageHandTar()
        t.add("big", content: String(repeating: "x", count: 5000))
        t.add("after", content: "y")
        try assertRejected(t, truncatedTo: 512 + 2048, ["'big'", "truncated"])
    }

    func testNotAnArchiveIsRefused() throws {
        try Data("just text, not a tar".utf8).write(to: URL(fileURLWithPath: work + "/text"))
        let before = snapshot()
        XCTAssertThrowsError(try engine.importImage(path: work + "/text")) {
            XCTAssertTrue("\($0)".contains("not a tar archive"), "\($0)")
        }
        XCTAssertEqual(snapshot(), before)
    }

    func testSymlinksArePlainDataAndReplacingOneStaysInside() throws {
        // A symlink to the outside is fine as long as nothing is extracted through it; an entry
        // with the symlink's own name replaces the link, it does not write to its target.
        var t = ImageHandTar()
        t.add("etc/", .directory)
        t.add("etc/passwd", .symlink, link: outside + "/target")
        t.add("etc/passwd", content: "root:x:0:0::/:/bin/sh\n")
        t.add("abs", .symlink, link: "/bin/busybox")
        try t.write(to: work + "/links.tar")
        let image = try engine.importImage(path: work + "/links.tar", options: ImportOptions(name: try ImageReference(parsing: "links"))).image
        let layer = engine.images.layerPath(image.layers[0])
        XCTAssertEqual(try String(contentsOfFile: layer + "/etc/passwd", encoding: .utf8), "root:x:0:0::/:/bin/sh\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: layer + "/abs"), "/bin/busybox")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [])
    }

    func testWhiteoutsBecomeOverlayWhiteoutsAndOwnersAreKept() throws {
        var t = ImageHandTar()
        t.add("dir/", .directory, mode: 0o750, uid: 1000, gid: 1001)
        t.add("dir/.wh..wh..opq")
        t.add("dir/.wh.deleted")
        t.add("dir/file", content: "data", mode: 0o4755, uid: 1000, gid: 1001)
        t.add("dir/hard", .hardlink, link: "dir/file")
        try t.write(to: work + "/wh.tar")
        let image = try engine.importImage(path: work + "/wh.tar").image
        let layer = engine.images.layerPath(image.layers[0])
        var st = stat()
        XCTAssertEqual(lstat(layer + "/dir/deleted", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(st.st_rdev, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: layer + "/dir/.wh.deleted"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: layer + "/dir/.wh..wh..opq"))
        var value = [UInt8](repeating: 0, count: 4)
        let n = getxattrForTest(layer + "/dir", "trusted.overlay.opaque", &value)
        XCTAssertEqual(n, 1)
        XCTAssertEqual(value[0], UInt8(ascii: "y"))
        XCTAssertEqual(lstat(layer + "/dir/file", &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o4755)
        XCTAssertEqual(st.st_uid, 1000)
        XCTAssertEqual(st.st_gid, 1001)
        XCTAssertEqual(st.st_nlink, 2)
        XCTAssertEqual(lstat(layer + "/dir", &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o750)
        XCTAssertEqual(image.id.count, 64)
        XCTAssertEqual(image.layers[0], Digest.of(t.archive).hex, "a plain tarball's layer id is the digest of its bytes")
    }

    func testSameTarballTwiceIsStoredOnce() throws {
        var t = ImageHandTar()
        t.add("f", content: "same")
        try t.write(to: work + "/same.tar")
        let a = try engine.importImage(path: work + "/same.tar", options: ImportOptions(name: try ImageReference(parsing: "a")))
        let b = try engine.importImage(path: work + "/same.tar", options: ImportOptions(name: try ImageReference(parsing: "b")))
        XCTAssertEqual(a.newLayers, 1)
        XCTAssertEqual(b.newLayers, 0)
        XCTAssertEqual(b.reusedLayers, 1)
        XCTAssertEqual(a.image.layers, b.image.layers)
        XCTAssertEqual(a.image.id, b.image.id)
        let layers = try FileManager.default.contentsOfDirectory(atPath: root + "/layers").filter { !$0.hasPrefix(".") }
        XCTAssertEqual(layers.count, 2, "ok's layer and the shared one")
    }

    func testPruneRemovesOnlyUnreferencedLayers() throws {
        var t = ImageHandTar()
        t.add("g", content: "prune me")
        try t.write(to: work + "/p.tar")
        let image = try engine.importImage(path: work + "/p.tar", options: ImportOptions(name: try ImageReference(parsing: "p"))).image
        XCTAssertEqual(try engine.pruneImages().deletedLayers.map(\.id), [])
        // Removing the image removes its unshared layer at once; a leftover of an interrupted import goes on prune.
        let dead = root + "/layers/.tmp-999999999-00"
        try FileManager.default.createDirectory(atPath: dead + "/half", withIntermediateDirectories: true)
        try engine.removeImage("p")
        XCTAssertFalse(FileManager.default.fileExists(atPath: engine.images.layerPath(image.layers[0])))
        XCTAssertEqual(try engine.pruneImages().deletedLayers.map(\.id), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead))
        XCTAssertNoThrow(try engine.images.resolve("ok"))
    }
}

private func getxattrForTest(_ path: String, _ name: String, _ value: inout [UInt8]) -> Int {
    typealias Get = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    let f = unsafeBitCast(dlsym(dlopen(nil, RTLD_NOW), "getxattr")!, to: Get.self)
    let count = value.count
    return value.withUnsafeMutableBytes { f(path, name, $0.baseAddress, count) }
}
