import BerthOS
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The devices cgroup of `berth run` (v1's devices controller, v2's device program; the v2 lane
/// runs this class): with CAP_MKNOD a container can make a node for any device, but opens only
/// docker's default set, its `--device` nodes and what `--device-cgroup-rule` names.
final class DeviceCgroupTests: ContainerTestCase {
    override class var rootLabel: String { "devcg" }

    /// `c 1:11` is /dev/kmsg: in no default set; opened for writing (nothing written) to test "w".
    static let kmsgScript = "mknod /dev/k c 1 11 && echo made; true > /dev/k && echo opened; true > /dev/null && echo null-ok"

    func run(_ flags: [String], _ script: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let r = cli.run(["run", "--rm", "--network", "none", "--cap-add", "MKNOD"] + flags + ["busybox", "sh", "-c", script + "; exit 0"])
        XCTAssertEqual(r.status, 0, r.both, file: file, line: line)
        return r.both
    }

    /// The block device holding the host's `/` (its major:minor), else any block device of the
    /// host, provided this process can read it through a node in /dev (some sandboxes refuse even
    /// the host's root: then no container could read it either, and the test proves nothing).
    /// nil otherwise, with the reason.
    static func hostBlockDevice() -> (major: UInt32, minor: UInt32)? {
        var candidates: [(UInt32, UInt32)] = []
        var st = stat()
        if stat("/", &st) == 0 {
            let dev = UInt64(st.st_dev)
            candidates.append((UInt32(((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))),
                               UInt32((dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))))
        }
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/dev/block")) ?? []).sorted() {
            let p = name.split(separator: ":").compactMap { UInt32($0) }
            if p.count == 2 { candidates.append((p[0], p[1])) }
        }
        for (major, minor) in candidates {
            guard let uevent = try? String(contentsOfFile: "/sys/dev/block/\(major):\(minor)/uevent", encoding: .utf8),
                  let name = uevent.split(separator: "\n").first(where: { $0.hasPrefix("DEVNAME=") })?.dropFirst(8) else { continue }
            let fd = open("/dev/" + name, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { close(fd); return (major, minor) }
            print("/dev/\(name) (\(major):\(minor)) cannot be opened by the host's root here: \(String(cString: strerror(errno)))")
        }
        return nil
    }

    func testTheHostsDiskCannotBeOpenedEvenWithMknod() throws {
        guard let disk = Self.hostBlockDevice() else {
            // Not a skip: testANodeOutsideTheDefaultsIsRefused proves the rule on a char device.
            print("no block device this machine lets root read: the kmsg node of the other tests proves the rule")
            return
        }
        let script = "mknod /dev/hostdisk b \(disk.major) \(disk.minor) && echo made; head -c 512 /dev/hostdisk >/dev/null && echo read"
        let out = run([], script)
        XCTAssertTrue(out.contains("made"), "mknod is allowed (b *:* m), as docker: \(out)")
        XCTAssertFalse(out.contains("\nread"), "the host's disk \(disk.major):\(disk.minor) was read: \(out)")
        XCTAssertTrue(out.contains("Operation not permitted"), out)
        // An exec'd process is in the same cgroup.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dev", "--network", "none", "--cap-add", "MKNOD", "busybox", "sleep", "600"]).status, 0)
        let exec = cli.run(["exec", "dev", "sh", "-c", script])
        XCTAssertFalse(exec.stdout.contains("read"), exec.both)
        XCTAssertTrue(exec.stderr.contains("Operation not permitted"), exec.both)
        XCTAssertEqual(cli.run(["rm", "-f", "dev"]).status, 0)
        // Named by a rule, read access only: it reads.
        let allowed = run(["--device-cgroup-rule", "b \(disk.major):\(disk.minor) r"], script)
        XCTAssertTrue(allowed.contains("read"), allowed)
    }

    func testANodeOutsideTheDefaultsIsRefused() {
        let out = run([], Self.kmsgScript)
        XCTAssertTrue(out.contains("made"), out)
        XCTAssertFalse(out.contains("opened"), out)
        XCTAssertTrue(out.contains("Operation not permitted"), out)
        XCTAssertTrue(out.contains("null-ok"), out)
        // The defaults still work: the standard nodes, a pty.
        let std = run([], "head -c 1 /dev/zero | od -An -tx1; head -c 1 /dev/urandom >/dev/null && echo urandom-ok; true > /dev/full && echo full-ok")
        XCTAssertTrue(std.contains("00") && std.contains("urandom-ok") && std.contains("full-ok"), std)
    }

    func testRulesAllowExactlyWhatTheyName() {
        XCTAssertTrue(run(["--device-cgroup-rule", "c 1:11 w"], Self.kmsgScript).contains("opened"))
        XCTAssertTrue(run(["--device-cgroup-rule", "c 1:* w"], Self.kmsgScript).contains("opened"))
        let readOnly = run(["--device-cgroup-rule", "c 1:11 r"], Self.kmsgScript)
        XCTAssertFalse(readOnly.contains("opened"), "a read rule lets no write through: \(readOnly)")
        XCTAssertFalse(run(["--device-cgroup-rule", "c 1:12 w"], Self.kmsgScript).contains("opened"))
        // --device with its permissions: /dev/kmsg as /dev/k2, read-only, cannot be opened for writing;
        // with w it can.
        XCTAssertFalse(run(["--device", "/dev/kmsg:/dev/k2:r"], "true > /dev/k2 && echo opened").contains("opened"))
        XCTAssertTrue(run(["--device", "/dev/kmsg:/dev/k2:w"], "true > /dev/k2 && echo opened").contains("opened"))
        XCTAssertTrue(run(["--privileged"], Self.kmsgScript).contains("opened"), "--privileged allows every device")
    }

    func testMalformedRulesAreOneLineAndExit125() {
        for (rule, message) in [
            ("c 1:3 rwmx", "--device-cgroup-rule 'c 1:3 rwmx': access 'rwmx' may hold only r, w and m"),
            ("z *:* r", "--device-cgroup-rule 'z *:* r': the type must be a, c or b (e.g. 'c 1:3 rwm')"),
            ("b 4096:0 r", "--device-cgroup-rule 'b 4096:0 r': major 4096 is out of range (0 to 4095, or absent for all)"),
            ("c 99999999999999999999:1 r", "--device-cgroup-rule 'c 99999999999999999999:1 r': '99999999999999999999' is not a device number or *"),
        ] {
            let r = cli.run(["run", "--rm", "--device-cgroup-rule", rule, "busybox", "true"])
            XCTAssertEqual(r.status, 125, r.both)
            XCTAssertEqual(r.stderr, "berth: \(message)\n")
            XCTAssertEqual(r.stdout, "")
        }
        XCTAssertEqual(cli.run(["ps", "-aq"]).stdout, "", "nothing was created")
    }
}
