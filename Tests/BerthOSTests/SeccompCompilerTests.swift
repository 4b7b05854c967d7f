import BerthOCI
import BerthOS
import BerthTestSupport
import Foundation
import XCTest

/// libseccomp through CSeccomp: programs that are whole BPF instructions, unknown names skipped,
/// and the cache that spares the compile.
final class SeccompCompilerTests: XCTestCase {
    func testCompilesDockersDefaultAndSkipsUnknownNames() throws {
        let s = try SeccompDefaults.profile.resolve(capabilities: DefaultSpec.capabilityNames, kernel: (6, 1))
        let filter = try SeccompCompiler.compile(s)
        XCTAssertEqual(filter.program.count % 8, 0)
        XCTAssertGreaterThan(filter.program.count / 8, 100)
        XCTAssertLessThanOrEqual(filter.program.count / 8, SeccompCompiler.maximumInstructions)
        let unknown = OCI.Seccomp(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG"],
                                  syscalls: [.init(names: ["no_such_call", "mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 38)])
        let f = try SeccompCompiler.compile(unknown)
        XCTAssertEqual(f.flags, 2)
        // A rule whose action is the default one is redundant, as runc treats it.
        XCTAssertNoThrow(try SeccompCompiler.compile(.init(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["read"], action: "SCMP_ACT_ALLOW")])))
        XCTAssertThrowsError(try SeccompCompiler.compile(.init(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_VAX"])))
        XCTAssertTrue(SeccompCompiler.supportedArchitectures().contains("SCMP_ARCH_X86_64"))
    }

    func testTheCacheReturnsTheSameProgramAndIgnoresAForeignEntry() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/berth-seccomp-cache-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = SeccompCache(directory: dir)
        let s = OCI.Seccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: [.init(names: ["read", "write", "exit_group"], action: "SCMP_ACT_ALLOW")])
        let first = try cache.filter(for: s)
        XCTAssertEqual(first, try SeccompCompiler.compile(s))
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(entries.count, 1)
        let path = dir + "/" + entries[0]
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int), 0o600)
        XCTAssertEqual(try cache.filter(for: s), first)
        // An entry whose profile text differs (a hash collision, an edit) is not used.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[2] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try cache.filter(for: s), first)
    }
}
