import BerthOS
import BerthTestSupport
import Foundation
import XCTest

/// `linux.seccomp` of a bundle under `berth-runc`, compared with Debian's runc on the same bundle
/// where it is installed; broken filters are refused naming the field, with nothing left behind
/// (RuncCLITests' tearDown checks state, cgroups and processes).
extension RuncCLITests {
    static let seccompScript = """
        grep ^Seccomp: /proc/self/status; echo nnp=$(grep NoNewPrivs /proc/self/status | tr -d '\\t ')
        mkdir /tmp/d 2>&1 || echo mkdir failed
        linux32 true && echo linux32 allowed
        linux64 true 2>/dev/null || echo linux64 denied
        touch /tmp/f && echo touch allowed
        """

    /// defaultAction ALLOW; mkdir fails with ENOSYS (errnoRet); personality(0) with EPERM (an
    /// argument condition); an unknown name is skipped, as runc does.
    static var seccompFilter: [String: Any] { [
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [
            ["names": ["mkdir", "mkdirat", "not_a_syscall_anywhere"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38],
            ["names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [["index": 0, "value": 0, "op": "SCMP_CMP_EQ"]]],
        ] as [[String: Any]],
    ] }

    func runSeccompBundle(_ name: String, noNewPrivileges: Bool, flags: [String]? = nil) throws -> (berth: String, bundle: String) {
        let b = try bundle(name, args: ["sh", "-c", Self.seccompScript]) { config in
            config["root"] = ["path": "rootfs", "readonly": false]
            var process = config["process"] as! [String: Any]
            process["noNewPrivileges"] = noNewPrivileges
            if !noNewPrivileges {
                // Without no_new_privs the filter is loaded while the init still holds
                // CAP_SYS_ADMIN, which the process then loses.
                process["capabilities"] = ["bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]]
            }
            config["process"] = process
            var linux = config["linux"] as! [String: Any]
            var seccomp = Self.seccompFilter
            if let flags { seccomp["flags"] = flags }
            linux["seccomp"] = seccomp
            config["linux"] = linux
        }
        let out = scope.path + "/\(name).out"
        XCTAssertEqual(runcToFile(["run", "--bundle", b, name], output: out), 0, read(out))
        return (read(out), b)
    }

    static func seccompExpected(nnp: Bool) -> String {
        """
        Seccomp:\t2
        nnp=NoNewPrivs:\(nnp ? 1 : 0)
        mkdir: can't create directory '/tmp/d': Function not implemented
        mkdir failed
        linux32 allowed
        linux64 denied
        touch allowed

        """
    }

    func testSeccompOfABundleIsAppliedAsRuncAppliesIt() throws {
        // Filter flags (runc 1.1 refuses every flag: no comparison).
        let flagged = try runSeccompBundle("scflags", noNewPrivileges: true, flags: ["SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"])
        XCTAssertEqual(flagged.berth, Self.seccompExpected(nnp: true))
        for nnp in [true, false] {
            let name = nnp ? "sc1" : "sc0"
            let (out, b) = try runSeccompBundle(name, noNewPrivileges: nnp)
            XCTAssertEqual(out, Self.seccompExpected(nnp: nnp))
            assertRuncPrints(out, name: name, bundle: b, field: "linux.seccomp")
        }
    }

    func testBrokenSeccompIsRefusedNamingTheFieldWithNothingLeft() throws {
        let cases: [(String, [String: Any], String)] = [
            ("scaction", ["defaultAction": "SCMP_ACT_ALLOW", "syscalls": [["names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"]]],
             "linux.seccomp.syscalls[0].action: unknown action SCMP_ACT_EXPLODE"),
            ("scdefault", ["defaultAction": "SCMP_ACT_MAYBE"], "linux.seccomp.defaultAction: unknown action SCMP_ACT_MAYBE"),
            ("scarch", ["defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]],
             "linux.seccomp.architectures[0]: unknown architecture SCMP_ARCH_PDP11"),
            ("scop", ["defaultAction": "SCMP_ACT_ALLOW",
                      "syscalls": [["names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [["index": 0, "value": 1, "op": "SCMP_CMP_SIMILAR"]]]]],
             "linux.seccomp.syscalls[0].args[0].op: unknown operator SCMP_CMP_SIMILAR"),
            ("scflag", ["defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_MAGIC"]],
             "linux.seccomp.flags[0]: unknown or unsupported flag SECCOMP_FILTER_FLAG_MAGIC"),
            ("scnotify", ["defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [["names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"]]],
             "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs listenerPath, the absolute path of the listener's unix socket"),
            ("scnotifydefault", ["defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/x.sock"],
             "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"),
        ]
        for (name, seccomp, message) in cases {
            let b = try bundle(name, args: ["true"]) { config in
                var linux = config["linux"] as! [String: Any]
                linux["seccomp"] = seccomp
                config["linux"] = linux
            }
            let r = runc(["create", "--bundle", b, name])
            XCTAssertNotEqual(r.status, 0, name)
            XCTAssertEqual(r.stderr, "berth-runc: \(message)\n", name)
            XCTAssertFalse(FileIO.exists(stateRoot + "/" + name), "\(name): state left")
            for dir in scope.cgroupDirectories { XCTAssertFalse(FileIO.exists(dir + "/" + name), "\(name): cgroup left") }
        }
    }
}
