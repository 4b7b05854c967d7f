import Foundation
import XCTest
@testable import BerthOS
@testable import BerthRuntime

final class PasswdTests: XCTestCase {
    /// Alpine's files, trimmed, with an extra user who belongs to two groups.
    let passwd = """
    root:x:0:0:root:/root:/bin/ash
    daemon:x:2:2:daemon:/sbin:/sbin/nologin
    nobody:x:65534:65534:nobody:/:/sbin/nologin
    # a comment
    www-data:x:82:82:Linux User,,,:/home/www-data:/sbin/nologin

    app:x:1000:1000::/home/app:/bin/sh
    broken line
    1234:x:2000:2000::/home/numeric:/bin/sh
    """

    let group = """
    root:x:0:root
    daemon:x:2:root,bin,daemon
    wheel:x:10:root,app
    www-data:x:82:
    app:x:1000:
    audio:x:29:app
    nogroup:x:65533:
    """

    func testParsesPasswdAndSkipsBadLines() {
        let entries = PasswdEntry.parseFile(passwd)
        XCTAssertEqual(entries.map(\.name), ["root", "daemon", "nobody", "www-data", "app", "1234"])
        XCTAssertEqual(entries[3], PasswdEntry(name: "www-data", uid: 82, gid: 82, home: "/home/www-data",
                                               shell: "/sbin/nologin"))
        XCTAssertEqual(PasswdEntry.parseFile("x:x:notanumber:0::/:/bin/sh\n"), [])
    }

    func testParsesGroups() {
        let groups = GroupEntry.parseFile(group)
        XCTAssertEqual(groups.count, 7)
        XCTAssertEqual(groups[2], GroupEntry(name: "wheel", gid: 10, members: ["root", "app"]))
        XCTAssertEqual(groups[3].members, [])
    }

    func testEmptySpecIsRoot() throws {
        XCTAssertEqual(try UserResolver.resolve("", passwd: nil, group: nil), .root)
    }

    func testNameGivesIdsHomeAndSupplementaryGroups() throws {
        let user = try UserResolver.resolve("app", passwd: passwd, group: group)
        XCTAssertEqual(user, ResolvedUser(uid: 1000, gid: 1000, additionalGids: [10, 29], home: "/home/app"))
    }

    func testNumericUidFindsItsEntry() throws {
        let user = try UserResolver.resolve("82", passwd: passwd, group: group)
        XCTAssertEqual(user, ResolvedUser(uid: 82, gid: 82, home: "/home/www-data"))
    }

    func testNumericUidWithoutEntryOrFiles() throws {
        XCTAssertEqual(try UserResolver.resolve("4242", passwd: passwd, group: group),
                       ResolvedUser(uid: 4242, gid: 0))
        XCTAssertEqual(try UserResolver.resolve("1000:1000", passwd: nil, group: nil),
                       ResolvedUser(uid: 1000, gid: 1000))
    }

    func testExplicitGroupReplacesGidAndDropsSupplementaryGroups() throws {
        XCTAssertEqual(try UserResolver.resolve("app:wheel", passwd: passwd, group: group),
                       ResolvedUser(uid: 1000, gid: 10, home: "/home/app"))
        XCTAssertEqual(try UserResolver.resolve("app:5000", passwd: passwd, group: group),
                       ResolvedUser(uid: 1000, gid: 5000, home: "/home/app"))
        XCTAssertEqual(try UserResolver.resolve("1000:audio", passwd: passwd, group: group),
                       ResolvedUser(uid: 1000, gid: 29, home: "/home/app"))
        XCTAssertEqual(try UserResolver.resolve("0:nogroup", passwd: passwd, group: group),
                       ResolvedUser(uid: 0, gid: 65533, home: "/root"))
    }

    func testNumericLookingNameMatchesWhenNoUidDoes() throws {
        XCTAssertEqual(try UserResolver.resolve("1234", passwd: passwd, group: group).uid, 2000)
    }

    func testUnknownNamesAreErrors() {
        XCTAssertThrowsError(try UserResolver.resolve("ghost", passwd: passwd, group: group)) { error in
            XCTAssertEqual(error as? BerthError,
                           .invalidArgument("unable to find user ghost: no matching entries in passwd file"))
        }
        XCTAssertThrowsError(try UserResolver.resolve("app:ghosts", passwd: passwd, group: group)) { error in
            XCTAssertEqual(error as? BerthError,
                           .invalidArgument("unable to find group ghosts: no matching entries in group file"))
        }
        XCTAssertThrowsError(try UserResolver.resolve("app", passwd: nil, group: nil))
    }

    func testMalformedSpecsAreErrors() {
        for bad in ["app:", "4294967296", "2147483648", "0:99999999999"] {
            XCTAssertThrowsError(try UserResolver.resolve(bad, passwd: passwd, group: group), bad)
        }
    }

    private func makeRoot() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-passwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    /// The two readers of an image's files: a running container's root (`InRoot`) and an image's
    /// layers (`LayeredRoot`, here with one layer). Hostile roots must fail the same way in both.
    static let readers: [(String, @Sendable (String, String) throws -> ResolvedUser)] = [
        ("root", { try UserResolver.resolve($0, root: $1) }),
        ("layers", { try UserResolver.resolve($0, layers: LayeredRoot(topmostFirst: [$1])) }),
    ]

    func testReadsFilesFromARootfs() throws {
        let root = try makeRoot()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }

        for (reader, resolve) in Self.readers {
            XCTAssertEqual(try resolve("33:33", root.path), ResolvedUser(uid: 33, gid: 33), reader)
            XCTAssertThrowsError(try resolve("app", root.path), reader)
        }
        try passwd.write(to: root.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        try group.write(to: root.appendingPathComponent("etc/group"), atomically: true, encoding: .utf8)
        for (reader, resolve) in Self.readers {
            XCTAssertEqual(try resolve("app", root.path).additionalGids, [10, 29], reader)
        }
    }

    /// The topmost layer that has the file answers; lower layers are not merged in.
    func testTheTopmostLayerWithTheFileWins() throws {
        let upper = try makeRoot(), lower = try makeRoot()
        defer { for r in [upper, lower] { try? FileManager.default.removeItem(at: r) } }
        for r in [upper, lower] {
            try FileManager.default.createDirectory(at: r.appendingPathComponent("etc"), withIntermediateDirectories: true)
        }
        try "app:x:2000:2000::/u:/bin/sh\n".write(to: upper.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        try "app:x:1000:1000::/l:/bin/sh\n".write(to: lower.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try UserResolver.resolve("app", layers: LayeredRoot(topmostFirst: [upper.path, lower.path])).uid, 2000)
        XCTAssertEqual(try UserResolver.resolve("app", layers: LayeredRoot(topmostFirst: [lower.path, upper.path])).uid, 1000)
    }

    /// Hostile images: `/etc/passwd` or `/etc` itself a symlink, absolute or with `..`, to a file
    /// outside the root must resolve inside the root (and so find nothing), never on the host.
    func testSymlinksAreResolvedInsideTheRoot() throws {
        let outsideDir = try makeRoot()
        defer { try? FileManager.default.removeItem(at: outsideDir) }
        try "intruder:x:4242:4242::/:/bin/sh\n".write(to: outsideDir.appendingPathComponent("passwd"), atomically: true, encoding: .utf8)
        let depth = String(repeating: "../", count: 12)
        let cases: [(String, String)] = [
            ("etc/passwd", outsideDir.path + "/passwd"),          // absolute file link
            ("etc/passwd", depth + outsideDir.path.dropFirst() + "/passwd"), // relative, climbing out
            ("etc", outsideDir.path),                              // the whole /etc, absolute
            ("etc", depth + outsideDir.path.dropFirst()),          // the whole /etc, relative
            ("etc", "/proc/self/root" + outsideDir.path),          // a magic link
        ]
        for (link, target) in cases {
            let root = try makeRoot()
            defer { try? FileManager.default.removeItem(at: root) }
            if link.contains("/") {
                try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
            }
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent(link).path, withDestinationPath: target)
            for (reader, resolve) in Self.readers {
                XCTAssertThrowsError(try resolve("intruder", root.path), "\(reader): \(link) -> \(target)")
            }
            XCTAssertNil(InRoot.readFile(root: root.path, path: "/etc/passwd"), "\(link) -> \(target)")
            XCTAssertNil(LayeredRoot(topmostFirst: [root.path]).readFile("/etc/passwd"), "\(link) -> \(target)")
        }
    }

    /// A symlink that stays inside the root is followed there, as the container would see it.
    func testSymlinksInsideTheRootAreFollowedThere() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("usr/etc"), withIntermediateDirectories: true)
        try "app:x:77:77::/:/bin/sh\n".write(to: root.appendingPathComponent("usr/etc/passwd"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("etc").path, withDestinationPath: "/usr/etc")
        for (reader, resolve) in Self.readers {
            XCTAssertEqual(try resolve("app", root.path).uid, 77, reader)
        }
    }

    /// A FIFO in place of /etc/passwd is not opened for reading (it would block Berth).
    func testAFifoIsNotRead() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(root.appendingPathComponent("etc/passwd").path, 0o644), 0)
        for (reader, resolve) in Self.readers {
            XCTAssertThrowsError(try resolve("app", root.path), reader)
        }
    }
}
