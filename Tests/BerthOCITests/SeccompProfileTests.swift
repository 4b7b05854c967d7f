import BerthOCI
import Foundation
import XCTest

/// docker's profile format resolved for one container: capability, architecture and kernel
/// conditions, and the names `SeccompNames.check` refuses.
final class SeccompProfileTests: XCTestCase {
    let defaults = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETUID", "CAP_SETGID", "CAP_SYS_CHROOT"]

    func names(_ s: OCI.Seccomp, action: String = "SCMP_ACT_ALLOW") -> Set<String> {
        Set((s.syscalls ?? []).filter { $0.action == action && $0.args == nil }.flatMap(\.names))
    }

    func testTheDefaultProfileIsAnAllowListWithCapabilityGroups() throws {
        let plain = try SeccompDefaults.profile.resolve(capabilities: defaults, kernel: (6, 1))
        XCTAssertEqual(plain.defaultAction, "SCMP_ACT_ERRNO")
        XCTAssertEqual(plain.defaultErrnoRet, 1, "EPERM")
        #if arch(x86_64)
        XCTAssertEqual(plain.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
        XCTAssertTrue(names(plain).contains("arch_prctl"))
        #endif
        let allowed = names(plain)
        for call in ["read", "write", "execve", "openat", "chroot", "ptrace"] {
            XCTAssertTrue(allowed.contains(call), call)
        }
        for call in ["mount", "umount2", "unshare", "setns", "keyctl", "add_key", "bpf", "kexec_load", "reboot", "init_module", "open_by_handle_at"] {
            XCTAssertFalse(allowed.contains(call), call)
        }
        // clone3 without CAP_SYS_ADMIN: ENOSYS, so that libcs fall back to clone (whose flags are checked).
        XCTAssertEqual(plain.syscalls?.first { $0.names == ["clone3"] }?.errnoRet, 38)
        XCTAssertEqual(plain.syscalls?.first { $0.names == ["clone"] }?.args, [.init(index: 0, value: 0x7E02_0000, op: "SCMP_CMP_MASKED_EQ")])

        let admin = try SeccompDefaults.profile.resolve(capabilities: defaults + ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"], kernel: (6, 1))
        let more = names(admin)
        for call in ["mount", "umount2", "unshare", "setns", "clone", "clone3", "kcmp", "process_vm_readv"] { XCTAssertTrue(more.contains(call), call) }
        XCTAssertFalse(admin.syscalls?.contains { $0.names == ["clone3"] && $0.action == "SCMP_ACT_ERRNO" } ?? true, "no ENOSYS rule with CAP_SYS_ADMIN")
        // ptrace from 4.8 on only: an older kernel does not get it.
        XCTAssertFalse(names(try SeccompDefaults.profile.resolve(capabilities: defaults, kernel: (4, 4))).contains("ptrace"))
        try SeccompNames.check(plain)
    }

    func testDockerFormatConditionsAndRefusals() throws {
        let json = """
            {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
              {"name": "mkdir", "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
              {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_NET_ADMIN"]}},
              {"names": ["chown"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_CHOWN"]}},
              {"names": ["link"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["s390x"]}},
              {"names": ["rename"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "5.0"}}
            ]}
            """
        let profile = try JSONDecoder().decode(DockerSeccompProfile.self, from: Data(json.utf8))
        let s = try profile.resolve(capabilities: defaults, kernel: (6, 1))
        XCTAssertEqual(s.syscalls?.map(\.names), [["mkdir"]], "name → names; every conditional rule left out")
        XCTAssertEqual(s.architectures, ["SCMP_ARCH_X86_64"])
        let other = try profile.resolve(capabilities: ["CAP_NET_ADMIN"], kernel: (4, 19))
        XCTAssertEqual(other.syscalls?.map(\.names), [["mkdir"], ["chmod"], ["chown"], ["rename"]])

        func refusal(_ json: String) -> SeccompNames.Problem? {
            do {
                _ = try JSONDecoder().decode(DockerSeccompProfile.self, from: Data(json.utf8)).resolve(capabilities: [], kernel: (6, 1))
                return nil
            } catch let p as SeccompNames.Problem { return p } catch { return SeccompNames.Problem(field: "decode", reason: "\(error)") }
        }
        XCTAssertEqual(refusal(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_BOOM"}]}"#)?.field, "syscalls[0].action")
        XCTAssertEqual(refusal(#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}"#)?.field, "archMap")
        XCTAssertEqual(refusal(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"}]}"#)?.field, "syscalls[0]")
        XCTAssertEqual(refusal(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "five"}}]}"#)?.field, "syscalls[0].includes.minKernel")
        XCTAssertEqual(refusal(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ALLOW"}]}"#)?.field, "syscalls[0].names")
        XCTAssertEqual(refusal(#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}"#)?.field, "flags[0]")
    }
}
