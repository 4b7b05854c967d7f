import BerthOCI
@testable import BerthOS
import XCTest

/// Device cgroup rules: the runtime-spec entries and docker's `--device-cgroup-rule` text checked
/// naming what is wrong, the list a container gets, its v1 lines and its v2 program.
final class DeviceRulesTests: XCTestCase {
    func testDockerSyntax() throws {
        XCTAssertEqual(try DeviceRule.parse("c 1:3 rwm"), OCI.DeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"))
        XCTAssertEqual(try DeviceRule.parse("b *:* m"), OCI.DeviceCgroup(allow: true, type: "b", access: "m"))
        XCTAssertEqual(try DeviceRule.parse("c 136:* rw"), OCI.DeviceCgroup(allow: true, type: "c", major: 136, access: "rw"))
        XCTAssertEqual(try DeviceRule.parse("a"), OCI.DeviceCgroup(allow: true, type: "a", access: "rwm"))
        func refused(_ text: String, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try DeviceRule.parse(text), line: line) { e in
                XCTAssertEqual((e as? BerthError)?.description, "--device-cgroup-rule \(text.quoted): \(message)", line: line)
            }
        }
        refused("c 1:3 rwmx", "access 'rwmx' may hold only r, w and m")
        refused("z *:* r", "the type must be a, c or b (e.g. 'c 1:3 rwm')")
        refused("c 99999999999:1 r", "major 99999999999 is out of range (0 to 4095, or absent for all)")
        refused("b 8:1048576 r", "minor 1048576 is out of range (0 to 1048575, or absent for all)")
        refused("c 1:-3 r", "'-3' is not a device number or *")
        refused("c 1 r", "expected MAJOR:MINOR, e.g. 1:3 or *:*")
        refused("c 1:3", "expected TYPE MAJOR:MINOR ACCESS, e.g. 'c 1:3 rwm'")
        refused("c 1:3 \u{1b}[31m", "access '\\x1b[31m' may hold only r, w and m")
        refused("", "the type must be a, c or b (e.g. 'c 1:3 rwm')")
    }

    func testSpecEntriesAreCheckedNamingTheField() {
        func refused(_ entries: [OCI.DeviceCgroup], _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try DeviceRules.effective(entries, nodes: []), line: line) { e in
                XCTAssertEqual((e as? BerthError)?.description, message, line: line)
            }
        }
        refused([OCI.DeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"), OCI.DeviceCgroup(allow: true, type: "x")],
                "linux.resources.devices[1].type 'x' is not a device type (a, c or b)")
        refused([OCI.DeviceCgroup(allow: false, access: "")], "linux.resources.devices[0].access is empty: give some of r, w and m")
        refused([OCI.DeviceCgroup(allow: true, type: "b", major: 1 << 40)],
                "linux.resources.devices[0].major 1099511627776 is out of range (0 to 4095, or absent for all)")
        refused([OCI.DeviceCgroup(allow: true, type: "b", major: 8, minor: -2)],
                "linux.resources.devices[0].minor -2 is out of range (0 to 1048575, or absent for all)")
        // runc's -1 for "all" is accepted.
        XCTAssertEqual(try DeviceRules.check([OCI.DeviceCgroup(allow: true, type: "c", major: -1, minor: -1, access: "m")]),
                       [DeviceRule(allow: true, kind: .char, access: .mknod)])
    }

    func testEffectiveListDeniesAllThenTheSpecThenTheDefaultsAndNodes() throws {
        let nodes = [OCI.Device(path: "/dev/sda", type: "b", major: 8, minor: 0), OCI.Device(path: "/dev/ro", type: "c", major: 1, minor: 11)]
        let rules = try DeviceRules.effective([OCI.DeviceCgroup(allow: true, type: "c", major: 1, minor: 11, access: "r")], nodes: nodes)
        XCTAssertEqual(rules.map(\.description) + rules.map { $0.allow ? "allow" : "deny" }.prefix(1), [
            "a *:* rwm", "c 1:11 r", "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
            "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
            // /dev/sda from linux.devices; /dev/ro keeps the read-only rule the spec gave it.
            "b 8:0 rwm", "deny",
        ])
    }

    /// The program's shape: the context read, one block per rule from the last, a closing deny;
    /// every jump lands inside the program on a rule's first instruction or the closing deny.
    func testProgramTriesTheRulesFromTheLastAndEndsDenied() throws {
        let rules = try DeviceRules.effective([OCI.DeviceCgroup(allow: false, type: "c", major: 1, minor: 3, access: "w")], nodes: [])
        let program = DeviceFilterProgram.instructions(rules)
        XCTAssertEqual(program.prefix(6).map(\.code), [0x61, 0xbf, 0x57, 0x77, 0x61, 0x61])
        // The first rule, "deny all", matches everything: it closes the program with no test.
        XCTAssertEqual(program.suffix(2), [DeviceFilterProgram.Instruction(code: 0xb7, dst: 0, imm: 0),
                                           DeviceFilterProgram.Instruction(code: 0x95)])
        let exits = Set(program.indices.filter { program[$0].code == 0x95 })
        for (i, insn) in program.enumerated() where insn.code == 0x55 || insn.code == 0x15 {
            let target = i + 1 + Int(insn.offset)
            XCTAssertTrue(target < program.count && exits.contains(target - 1), "jump at \(i) lands at \(target)")
        }
        // The last rule (c 136:* rwm) is tried first: type, then major, then decides allow.
        XCTAssertEqual(Array(program[6...9]), [
            DeviceFilterProgram.Instruction(code: 0x55, dst: 3, offset: 3, imm: 2),
            DeviceFilterProgram.Instruction(code: 0x55, dst: 4, offset: 2, imm: 136),
            DeviceFilterProgram.Instruction(code: 0xb7, dst: 0, imm: 1),
            DeviceFilterProgram.Instruction(code: 0x95),
        ])
        XCTAssertEqual(DeviceFilterProgram.compile(rules).count, program.count * 8)
        // Allow all (--privileged) after deny all: one block, no test, allow.
        XCTAssertEqual(DeviceFilterProgram.instructions([DeviceRules.denyAll, DeviceRules.allowAll]).suffix(2),
                       [DeviceFilterProgram.Instruction(code: 0xb7, dst: 0, imm: 1), DeviceFilterProgram.Instruction(code: 0x95)])
    }
}
