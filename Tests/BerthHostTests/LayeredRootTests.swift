import BerthOS
import CBerthSys
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `LayeredRoot` reads an image's layers as overlayfs merges them. Each case is checked against
/// the kernel itself: the same layers mounted as a read-only overlay in a private mount namespace
/// (`unshare -m`, so the host's mount table never sees it), and the file read through it.
final class LayeredRootTests: XCTestCase {
    var scratch = ""
    var unshare = ""
    var busybox = ""

    override func setUpWithError() throws {
        try Prerequisite.requireRoot("whiteouts (mknod) and trusted.* xattrs need root")
        unshare = try Prerequisite.requireTool("unshare")
        busybox = try Prerequisite.requireTool("busybox")
        scratch = "/var/tmp/berth-test-layered-\(getpid())-\(name.filter { $0.isLetter })"
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let dir = scratch
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Layer directories `l0` (topmost), `l1`, … under the test's scratch directory.
    func layers(_ count: Int) throws -> [String] {
        try (0..<count).map { i in
            let dir = "\(scratch)/l\(i)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return dir
        }
    }

    func write(_ layer: String, _ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: layer + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    func link(_ layer: String, _ path: String, to target: String) throws {
        let url = URL(fileURLWithPath: layer + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    /// An overlay whiteout: a character device 0:0.
    func whiteout(_ layer: String, _ path: String) throws {
        let url = URL(fileURLWithPath: layer + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        XCTAssertEqual(mknod(url.path, S_IFCHR | 0o600, 0), 0, "mknod \(url.path): \(String(cString: strerror(errno)))")
    }

    func makeOpaque(_ layer: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: layer + path, withIntermediateDirectories: true)
        XCTAssertEqual(setxattr(layer + path, "trusted.overlay.opaque", "y", 1, 0), 0, "setxattr: \(String(cString: strerror(errno)))")
    }

    /// The file as the kernel's overlay shows it to a process chrooted into it (as a container's
    /// are: absolute links resolve in the merged root), or nil when it cannot be read. A static
    /// busybox in a bottom layer of its own does the reading.
    func throughOverlay(_ layers: [String], _ path: String) throws -> String? {
        let mnt = scratch + "/mnt", tools = scratch + "/tools"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: tools + "/busybox") {
            try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: busybox, toPath: tools + "/busybox")
        }
        let lower = (layers + [tools]).joined(separator: ":")
        let script = "mount -t overlay overlay -o ro,lowerdir=\(lower) \(mnt) || exit 99; exec chroot \(mnt) /busybox cat \(path)"
        let r = Subprocess.run(unshare, ["-m", "--propagation", "private", "sh", "-c", script])
        XCTAssertNotEqual(r.status, 99, "the overlay did not mount: \(r.stderr)")
        return r.status == 0 ? r.stdout : nil
    }

    /// LayeredRoot and the kernel agree on `path`, and the answer is `expected`.
    func check(_ layers: [String], _ path: String, _ expected: String?, file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = LayeredRoot(topmostFirst: layers).readFile(path).map { String(decoding: $0, as: UTF8.self) }
        let kernel = try throughOverlay(layers, path)
        XCTAssertEqual(kernel, expected, "the kernel's overlay (\(path))", file: file, line: line)
        XCTAssertEqual(ours, expected, "LayeredRoot (\(path))", file: file, line: line)
    }

    func testAWhiteoutHidesTheLowerLayersFile() throws {
        let l = try layers(2)
        try write(l[1], "/etc/passwd", "lower\n")
        try write(l[1], "/etc/group", "group\n")
        try whiteout(l[0], "/etc/passwd")
        try check(l, "/etc/passwd", nil)
        try check(l, "/etc/group", "group\n")
    }

    func testAnOpaqueDirectoryHidesTheLowerLayersContent() throws {
        let l = try layers(2)
        try write(l[1], "/etc/passwd", "lower\n")
        try makeOpaque(l[0], "/etc")
        try write(l[0], "/etc/group", "upper group\n")
        try check(l, "/etc/passwd", nil)
        try check(l, "/etc/group", "upper group\n")
    }

    func testDirectoriesMergeAndTheTopmostFileWins() throws {
        let l = try layers(3)
        try write(l[2], "/etc/passwd", "bottom\n")
        try write(l[2], "/etc/hosts", "bottom hosts\n")
        try write(l[1], "/etc/passwd", "middle\n")
        try write(l[0], "/etc/group", "top\n")
        try check(l, "/etc/passwd", "middle\n")
        try check(l, "/etc/hosts", "bottom hosts\n")
        try check(l, "/etc/group", "top\n")
    }

    func testAWhiteoutInAMiddleLayerHidesTheDirectoryBelowIt() throws {
        let l = try layers(3)
        try write(l[2], "/etc/passwd", "bottom\n")
        try whiteout(l[1], "/etc")
        try write(l[0], "/etc/group", "top\n")
        try check(l, "/etc/passwd", nil)
        try check(l, "/etc/group", "top\n")
    }

    func testAnUpperFileHidesALowerDirectory() throws {
        let l = try layers(2)
        try write(l[1], "/etc/passwd", "lower\n")
        try write(l[0], "/etc", "a file now\n")
        try check(l, "/etc/passwd", nil)
        try check(l, "/etc", "a file now\n")
    }

    /// A symlink in one layer leads to a file in another, absolute or relative with more `..`
    /// than there are levels (clamped at the merged root, as inside the container).
    func testSymlinksResolveAcrossLayersAndStayInTheRoot() throws {
        let l = try layers(2)
        try write(l[1], "/usr/etc/passwd", "moved\n")
        try write(l[1], "/data/passwd", "data\n")
        try link(l[0], "/etc", to: "/usr/etc")
        try link(l[0], "/srv/passwd", to: "../../../../../../data/passwd")
        try check(l, "/etc/passwd", "moved\n")
        try check(l, "/srv/passwd", "data\n")
    }

    /// Links that point at the host's files or at the reader's /proc never reach them.
    func testHostileLinksFindNothingOfTheHost() throws {
        let l = try layers(2)
        try write(l[1], "/placeholder", "x\n")
        try link(l[0], "/etc", to: "/etc")           // the merged /etc is this link itself: a loop
        try link(l[0], "/a", to: "/proc/self/root/etc/hostname")
        try link(l[0], "/b", to: "../../../../../../../etc/hostname")
        try link(l[0], "/loop1", to: "/loop2")
        try link(l[0], "/loop2", to: "/loop1")
        try check(l, "/etc/passwd", nil)
        try check(l, "/a", nil)
        try check(l, "/b", nil)
        try check(l, "/loop1", nil)
    }

    /// Only regular files are read: not a directory, nor a FIFO (which would block).
    func testOnlyRegularFilesAreRead() throws {
        let l = try layers(2)
        try write(l[1], "/etc/passwd", "lower\n")
        XCTAssertEqual(mkfifo(l[0] + "/fifo", 0o644), 0)
        XCTAssertNil(LayeredRoot(topmostFirst: l).readFile("/fifo"))
        XCTAssertNil(LayeredRoot(topmostFirst: l).readFile("/etc"))
        XCTAssertNil(LayeredRoot(topmostFirst: l).readFile("/"))
        XCTAssertNil(LayeredRoot(topmostFirst: l).readFile("/etc/passwd", limit: 3), "larger than the limit")
        XCTAssertEqual(LayeredRoot(topmostFirst: l).readFile("/etc/passwd", limit: 6), Array("lower\n".utf8))
    }
}
