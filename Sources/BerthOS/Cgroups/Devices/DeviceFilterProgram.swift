/// cgroup v2 has no devices controller: the kernel asks a `BPF_PROG_TYPE_CGROUP_DEVICE` program
/// attached to the cgroup, once per mknod or open of a device node, and refuses when it returns 0.
/// This compiles a rule list (`DeviceRules.effective`) into that program's eBPF instructions.
///
/// The program reads the request (`struct bpf_cgroup_dev_ctx`: access_type = access << 16 | type,
/// major, minor) and tries the rules from the last to the first, as a later rule overrides an
/// earlier one: the first that matches decides. An allow rule matches when it grants every bit
/// asked for; a deny rule when it takes away any of them. Nothing matched: denied.
public enum DeviceFilterProgram {
    /// One eBPF instruction (`struct bpf_insn`), 8 bytes.
    struct Instruction: Equatable {
        var code: UInt8
        var dst: UInt8 = 0
        var src: UInt8 = 0
        var offset: Int16 = 0
        var imm: Int32 = 0

        var bytes: [UInt8] {
            let off = UInt16(bitPattern: offset), i = UInt32(bitPattern: imm)
            return [code, (src << 4) | dst, UInt8(off & 0xff), UInt8(off >> 8),
                    UInt8(i & 0xff), UInt8((i >> 8) & 0xff), UInt8((i >> 16) & 0xff), UInt8(i >> 24)]
        }
    }

    // The opcodes used (linux/bpf.h, linux/bpf_common.h).
    static let loadWord: UInt8 = 0x61      // BPF_LDX | BPF_MEM | BPF_W
    static let moveReg: UInt8 = 0xbf       // BPF_ALU64 | BPF_MOV | BPF_X
    static let moveImm: UInt8 = 0xb7       // BPF_ALU64 | BPF_MOV | BPF_K
    static let andImm: UInt8 = 0x57        // BPF_ALU64 | BPF_AND | BPF_K
    static let shiftRightImm: UInt8 = 0x77 // BPF_ALU64 | BPF_RSH | BPF_K
    static let jumpIfNotEqual: UInt8 = 0x55 // BPF_JMP | BPF_JNE | BPF_K
    static let jumpIfEqual: UInt8 = 0x15   // BPF_JMP | BPF_JEQ | BPF_K
    static let exit: UInt8 = 0x95          // BPF_JMP | BPF_EXIT

    // Registers: r1 the context; r2 the access asked for, r3 the type, r4 major, r5 minor, r6 scratch.
    static let access: UInt8 = 2, type: UInt8 = 3, major: UInt8 = 4, minor: UInt8 = 5, scratch: UInt8 = 6

    /// The kernel's BPF_DEVCG_DEV_BLOCK and BPF_DEVCG_DEV_CHAR.
    static func typeCode(_ kind: DeviceRule.Kind) -> Int32 { kind == .block ? 1 : 2 }

    /// The program for `rules` (applied in order), as the bytes `bpf(BPF_PROG_LOAD)` takes.
    public static func compile(_ rules: [DeviceRule]) -> [UInt8] {
        instructions(rules).flatMap(\.bytes)
    }

    static func instructions(_ rules: [DeviceRule]) -> [Instruction] {
        var out: [Instruction] = [
            Instruction(code: loadWord, dst: access, src: 1, offset: 0),
            Instruction(code: moveReg, dst: type, src: access),
            Instruction(code: andImm, dst: type, imm: 0xffff),
            Instruction(code: shiftRightImm, dst: access, imm: 16),
            Instruction(code: loadWord, dst: major, src: 1, offset: 4),
            Instruction(code: loadWord, dst: minor, src: 1, offset: 8),
        ]
        for rule in rules.reversed() {
            let tests = conditions(rule)
            // Each test jumps past this rule's two closing instructions when it fails.
            for (i, test) in tests.enumerated() {
                var t = test
                if t.code == jumpIfNotEqual || t.code == jumpIfEqual {
                    t.offset = Int16(tests.count - i - 1 + 2)
                }
                out.append(t)
            }
            out.append(Instruction(code: moveImm, dst: 0, imm: rule.allow ? 1 : 0))
            out.append(Instruction(code: exit))
            // A rule that matches everything decides alone: what is below it could never run, and
            // the verifier refuses unreachable instructions.
            if tests.isEmpty { return out }
        }
        out.append(Instruction(code: moveImm, dst: 0, imm: 0))
        out.append(Instruction(code: exit))
        return out
    }

    /// The instructions that fall through when `rule` matches the request (jump offsets filled in
    /// by the caller); none when it matches every request.
    static func conditions(_ rule: DeviceRule) -> [Instruction] {
        var out: [Instruction] = []
        if rule.kind != .all {
            out.append(Instruction(code: jumpIfNotEqual, dst: type, imm: typeCode(rule.kind)))
            if let m = rule.major { out.append(Instruction(code: jumpIfNotEqual, dst: major, imm: Int32(m))) }
            if let m = rule.minor { out.append(Instruction(code: jumpIfNotEqual, dst: minor, imm: Int32(m))) }
        }
        if rule.access != .all {
            out.append(Instruction(code: moveReg, dst: scratch, src: access))
            if rule.allow {
                // Matches when nothing outside the rule's access is asked for.
                out.append(Instruction(code: andImm, dst: scratch, imm: Int32(DeviceRule.Access.all.subtracting(rule.access).rawValue)))
                out.append(Instruction(code: jumpIfNotEqual, dst: scratch, imm: 0))
            } else {
                // Matches when any of the denied access is asked for.
                out.append(Instruction(code: andImm, dst: scratch, imm: Int32(rule.access.rawValue)))
                out.append(Instruction(code: jumpIfEqual, dst: scratch, imm: 0))
            }
        }
        return out
    }
}
