import BerthOS
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `linux.resources.devices` under `berth-runc`, as containerd's bundles use it: CAP_MKNOD granted,
/// the device cgroup the only thing between the container and the host's disks. Compared with
/// Debian's runc on the same bundle where it is installed.
extension RuncCLITests {
    /// A bundle whose process holds CAP_MKNOD and runs `script`; `rules` replace the spec's
    /// `linux.resources.devices` when given.
    func deviceBundle(_ name: String, script: String, rules: [[String: Any]]? = nil) throws -> String {
        try bundle(name, args: ["sh", "-c", script + "; exit 0"]) { config in
            config["root"] = ["path": "rootfs", "readonly": false]
            var process = config["process"] as! [String: Any]
            let caps = ["CAP_MKNOD", "CAP_KILL", "CAP_DAC_OVERRIDE"]
            process["capabilities"] = ["bounding": caps, "effective": caps, "permitted": caps]
            config["process"] = process
            if let rules {
                var linux = config["linux"] as! [String: Any]
                linux["resources"] = ["devices": rules]
                config["linux"] = linux
            }
        }
    }

    func runDevices(_ name: String, script: String, rules: [[String: Any]]? = nil) throws -> (out: String, bundle: String) {
        let b = try deviceBundle(name, script: script, rules: rules)
        let out = scope.path + "/\(name).out"
        XCTAssertEqual(runcToFile(["run", "--bundle", b, name], output: out), 0, read(out))
        return (read(out), b)
    }

    /// Everything on stdout, in order: the shell writes its error in pieces, which interleaved with
    /// stdout's lines in the one output file and made the runc comparison flaky.
    static let kmsgScript = "mknod /dev/k c 1 11 && echo made; if true > /dev/k 2>/dev/err; then echo opened; else cat /dev/err; fi; true > /dev/null && echo null-ok"

    func testDevicesOfABundleAreEnforced() throws {
        // features says so (the spec's document has no key for it: an annotation, as runc's extras).
        let features = runc(["features"])
        XCTAssertTrue(features.stdout.contains("\"io.github.berth.devices\""), features.stdout)
        // The spec's own rules (deny all) and the runtime's default set.
        let plain = try runDevices("dev0", script: Self.kmsgScript)
        XCTAssertTrue(plain.out.contains("made") && plain.out.contains("null-ok"), plain.out)
        XCTAssertFalse(plain.out.contains("opened"), plain.out)
        XCTAssertTrue(plain.out.contains("Operation not permitted"), plain.out)
        if let disk = DeviceCgroupTests.hostBlockDevice() {
            let script = "mknod /dev/hostdisk b \(disk.major) \(disk.minor) && echo made; head -c 512 /dev/hostdisk >/dev/null && echo read"
            let d = try runDevices("disk0", script: script)
            XCTAssertTrue(d.out.contains("made"), d.out)
            XCTAssertFalse(d.out.contains("\nread"), "the host's disk was read through berth-runc: \(d.out)")
            XCTAssertTrue(d.out.contains("Operation not permitted"), d.out)
        } else {
            print("no block device this machine lets root read: the kmsg node proves the rule")
        }
        // Explicit rules: deny all, allow 1:11 for writing.
        let rules: [[String: Any]] = [["allow": false, "access": "rwm"], ["allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"]]
        let allowed = try runDevices("dev1", script: Self.kmsgScript, rules: rules)
        XCTAssertTrue(allowed.out.contains("opened"), allowed.out)
        // No rules at all in the bundle: still deny all first, as runc.
        let none = try runDevices("dev2", script: Self.kmsgScript, rules: [])
        XCTAssertFalse(none.out.contains("opened"), none.out)
        XCTAssertTrue(none.out.contains("null-ok"), none.out)

        for (name, b, out) in [("dev0", plain.bundle, plain.out), ("dev1", allowed.bundle, allowed.out)] {
            assertRuncPrints(out, name: name, bundle: b, field: "linux.resources.devices")
        }
    }

    func testBadDeviceRulesAreRefusedNamingTheFieldWithNothingLeft() throws {
        for (name, rule, field) in [
            ("badacc", ["allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwmx"] as [String: Any], "linux.resources.devices[1].access"),
            ("badtype", ["allow": true, "type": "z", "access": "r"], "linux.resources.devices[1].type"),
            ("hugemajor", ["allow": true, "type": "b", "major": 1 << 40, "minor": 0, "access": "r"], "linux.resources.devices[1].major"),
        ] {
            let b = try deviceBundle(name, script: "true", rules: [["allow": false, "access": "rwm"], rule])
            let r = runc(["create", "--bundle", b, name])
            XCTAssertNotEqual(r.status, 0, "\(name) was accepted")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("berth-runc: ") && r.stderr.contains(field), "\(name): \(r.stderr)")
            XCTAssertFalse(FileIO.exists(stateRoot + "/" + name), "\(name): state left")
            for dir in scope.cgroupDirectories {
                XCTAssertFalse(FileIO.exists(dir + "/" + name), "\(name): cgroup left")
            }
        }
    }
}
