import BerthOS
import Foundation
import XCTest
import BerthTestSupport

/// seccomp for `berth run`: docker's default profile as an allow-list (capability-conditional
/// groups included), `--security-opt seccomp=unconfined|FILE` and `--privileged`, each checked
/// from inside a busybox container by what its system calls return.
final class SeccompTests: ContainerTestCase {
    override class var rootLabel: String { "seccomp" }

    func run(_ flags: [String], _ script: String) -> BerthCLI.Result {
        cli.run(["run", "--rm", "--network", "none"] + flags + ["busybox", "sh", "-c", script])
    }

    /// A profile file in the suite's root, removed with it.
    func profile(_ name: String, _ json: String) throws -> String {
        let path = Self.root.path + "/" + name + ".json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testTheDefaultProfileDeniesWhatDockersDeniesAndAllowsTheRest() {
        // unshare(CLONE_NEWUSER) needs no capability: only the filter stops it.
        let denied = run([], "grep ^Seccomp: /proc/self/status; unshare -U true; echo status=$?; mkdir /tmp/d && echo mkdir ok; linux32 true && echo personality ok")
        XCTAssertEqual(denied.status, 0, denied.stderr)
        XCTAssertEqual(denied.stdout, "Seccomp:\t2\nstatus=1\nmkdir ok\npersonality ok\n")
        XCTAssertTrue(denied.stderr.contains("Operation not permitted"), denied.stderr)
        let unconfined = run(["--security-opt", "seccomp=unconfined"], "grep ^Seccomp: /proc/self/status; unshare -U true && echo unshare ok")
        XCTAssertEqual(unconfined.stdout, "Seccomp:\t0\nunshare ok\n", unconfined.stderr)
        let privileged = run(["--privileged"], "grep ^Seccomp: /proc/self/status")
        XCTAssertEqual(privileged.stdout, "Seccomp:\t0\n", privileged.stderr)
        // A process exec'd into the container runs under the same filter.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "filtered", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        let exec = cli.run(["exec", "filtered", "sh", "-c", "grep ^Seccomp: /proc/self/status; unshare -U true || echo denied"])
        XCTAssertEqual(exec.stdout, "Seccomp:\t2\ndenied\n", exec.stderr)
        XCTAssertEqual(cli.run(["rm", "-f", "filtered"]).status, 0)
    }

    /// config.json is the record: its `linux.seccomp` is what runs. A container made before Berth
    /// wrote one (no `linux.seccomp`, no "unconfined" annotation) gets the default, not nothing.
    func testTheFilterComesFromConfigJSONAndAnOlderContainerGetsTheDefault() throws {
        let created = cli.run(["create", "--name", "older", "--network", "none", "busybox", "sh", "-c", "grep ^Seccomp: /proc/self/status; unshare -U true || echo denied"])
        XCTAssertEqual(created.status, 0, created.stderr)
        let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = Self.root.path + "/containers/" + id + "/config.json"
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var linux = try XCTUnwrap(config["linux"] as? [String: Any])
        let seccomp = try XCTUnwrap(linux["seccomp"] as? [String: Any])
        XCTAssertEqual(seccomp["defaultAction"] as? String, "SCMP_ACT_ERRNO")
        linux["seccomp"] = nil
        config["linux"] = linux
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(cli.run(["start", "-a", "older"]).stdout, "Seccomp:\t2\ndenied\n")
        XCTAssertEqual(cli.run(["rm", "-f", "older"]).status, 0)
    }

    func testCapSysAdminEnablesTheMountGroupAsInDocker() {
        // Without the capability mount is refused (by the kernel as well); with it the profile
        // allows mount, unshare and setns, as docker's does.
        let without = run([], "mkdir /m && mount -t tmpfs t /m && echo mounted")
        XCTAssertNotEqual(without.status, 0)
        let with = run(["--cap-add", "SYS_ADMIN"], "mkdir /m && mount -t tmpfs t /m && grep -c ' /m tmpfs' /proc/mounts && unshare -m true && echo unshared")
        XCTAssertEqual(with.status, 0, with.stderr)
        XCTAssertEqual(with.stdout, "1\nunshared\n")
    }

    func testACustomProfileWithErrnoRetAndArgumentConditions() throws {
        let enosys = try profile("enosys", """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": ["mkdir", "mkdirat", "no_such_call_on_this_kernel"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
            """)
        let r = run(["--security-opt", "seccomp=" + enosys], "touch /tmp/f && echo touched; mkdir /tmp/d")
        XCTAssertEqual(r.stdout, "touched\n")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("Function not implemented"), r.stderr)

        // personality(0) denied, personality(8) (linux32) allowed: SCMP_CMP_EQ.
        let eq = try profile("eq", """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}]}
            """)
        let byValue = run(["--security-opt", "seccomp=" + eq], "linux32 true && echo linux32 ok; linux64 true || echo linux64 denied")
        XCTAssertEqual(byValue.stdout, "linux32 ok\nlinux64 denied\n", byValue.stderr)
        // The opposite with a mask: arg & 8 == 8 is denied.
        let masked = try profile("masked", """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}]}
            """)
        let byMask = run(["--security-opt", "seccomp=" + masked], "linux32 true || echo linux32 denied; linux64 true && echo linux64 ok")
        XCTAssertEqual(byMask.stdout, "linux32 denied\nlinux64 ok\n", byMask.stderr)

        // docker's `includes`: the rule applies only to a container holding CAP_NET_ADMIN.
        let conditional = try profile("conditional", """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "includes": {"caps": ["CAP_NET_ADMIN"]}}]}
            """)
        XCTAssertEqual(run(["--security-opt", "seccomp=" + conditional], "mkdir /tmp/d && echo ok").stdout, "ok\n")
        XCTAssertNotEqual(run(["--security-opt", "seccomp=" + conditional, "--cap-add", "NET_ADMIN"], "mkdir /tmp/d").status, 0)
    }

    func testBadProfilesAreOneLineNamingTheFieldAndCreateNothing() throws {
        let cases: [(String, String, String)] = [
            ("action", #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}"#,
             "syscalls[0].action: unknown action SCMP_ACT_BOGUS"),
            ("default", #"{"defaultAction": "SCMP_ACT_NOPE"}"#, "defaultAction: unknown action SCMP_ACT_NOPE"),
            ("arch", #"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}"#,
             "architectures[0]: unknown architecture SCMP_ARCH_Z80"),
            ("op", #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]}"#,
             "syscalls[0].args[0].op: unknown operator SCMP_CMP_ABOUT"),
            ("index", #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
             "syscalls[0].args[0].index: 6 is not an argument index (0 to 5)"),
            ("notify", #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}"#,
             "syscalls[0].action: SCMP_ACT_NOTIFY needs listenerPath, the absolute path of the listener's unix socket"),
            ("listener", #"{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}"#,
             "listenerPath (SCMP_ACT_NOTIFY) is supported by berth-runc only"),
            ("control", "{\"defaultAction\": \"SCMP_\\u001b[31m\"}", "defaultAction: unknown action SCMP_\\x1b[31m"),
        ]
        for (name, json, message) in cases {
            let path = try profile(name, json)
            let r = cli.run(["run", "--rm", "--network", "none", "--security-opt", "seccomp=" + path, "busybox", "true"])
            XCTAssertEqual(r.status, 125, name)
            XCTAssertEqual(r.stderr, "berth: seccomp profile '\(path)': \(message)\n", name)
        }
        let invalid = try profile("invalid", "{\"defaultAction\": ")
        let r = cli.run(["create", "--security-opt", "seccomp=" + invalid, "busybox", "true"])
        XCTAssertEqual(r.status, 125)
        XCTAssertTrue(r.stderr.hasPrefix("berth: seccomp profile '\(invalid)': "), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        let missing = cli.run(["run", "--rm", "--security-opt", "seccomp=/nonexistent/profile.json", "busybox", "true"])
        XCTAssertEqual(missing.status, 125)
        XCTAssertEqual(missing.stderr, "berth: --security-opt seccomp: cannot read the profile '/nonexistent/profile.json': No such file or directory\n")
        XCTAssertEqual(cli.run(["ps", "-aq"]).stdout, "", "nothing was created")
    }
}
