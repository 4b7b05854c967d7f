/// The words of `linux.seccomp` and their kernel values: one table each for actions, argument
/// operators, architectures and filter flags. `check` refuses a profile naming anything else,
/// with the field named; the compiler (`BerthOS.SeccompCompiler`) maps the names through the
/// same tables, and `berth-runc features` lists them.
public enum SeccompNames {
    /// Action names and their `SECCOMP_RET_*` value (the errno or trace data goes in the low 16 bits).
    public static let actions: [(name: String, value: UInt32)] = [
        ("SCMP_ACT_KILL", 0x0000_0000), ("SCMP_ACT_KILL_THREAD", 0x0000_0000), ("SCMP_ACT_KILL_PROCESS", 0x8000_0000),
        ("SCMP_ACT_TRAP", 0x0003_0000), ("SCMP_ACT_ERRNO", 0x0005_0000), ("SCMP_ACT_TRACE", 0x7ff0_0000),
        ("SCMP_ACT_LOG", 0x7ffc_0000), ("SCMP_ACT_ALLOW", 0x7fff_0000), ("SCMP_ACT_NOTIFY", 0x7fc0_0000),
    ]
    /// Operator names and libseccomp's `enum scmp_compare` values.
    public static let operators: [(name: String, value: UInt32)] = [
        ("SCMP_CMP_NE", 1), ("SCMP_CMP_LT", 2), ("SCMP_CMP_LE", 3), ("SCMP_CMP_EQ", 4), ("SCMP_CMP_GE", 5),
        ("SCMP_CMP_GT", 6), ("SCMP_CMP_MASKED_EQ", 7),
    ]
    /// Architecture names and libseccomp's own name for each (`seccomp_arch_resolve_name`).
    public static let architectures: [(name: String, libseccomp: String)] = [
        ("SCMP_ARCH_X86", "x86"), ("SCMP_ARCH_X86_64", "x86_64"), ("SCMP_ARCH_X32", "x32"), ("SCMP_ARCH_ARM", "arm"),
        ("SCMP_ARCH_AARCH64", "aarch64"), ("SCMP_ARCH_MIPS", "mips"), ("SCMP_ARCH_MIPS64", "mips64"),
        ("SCMP_ARCH_MIPS64N32", "mips64n32"), ("SCMP_ARCH_MIPSEL", "mipsel"), ("SCMP_ARCH_MIPSEL64", "mipsel64"),
        ("SCMP_ARCH_MIPSEL64N32", "mipsel64n32"), ("SCMP_ARCH_PPC", "ppc"), ("SCMP_ARCH_PPC64", "ppc64"),
        ("SCMP_ARCH_PPC64LE", "ppc64le"), ("SCMP_ARCH_S390", "s390"), ("SCMP_ARCH_S390X", "s390x"),
        ("SCMP_ARCH_PARISC", "parisc"), ("SCMP_ARCH_PARISC64", "parisc64"), ("SCMP_ARCH_RISCV64", "riscv64"),
        ("SCMP_ARCH_LOONGARCH64", "loongarch64"),
    ]
    /// Filter flags and their `SECCOMP_FILTER_FLAG_*` bit, passed to seccomp(2) by the shim.
    public static let flags: [(name: String, value: UInt32)] = [
        ("SECCOMP_FILTER_FLAG_TSYNC", 1), ("SECCOMP_FILTER_FLAG_LOG", 2), ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4),
    ]

    public static func action(_ name: String) -> UInt32? { actions.first { $0.name == name }?.value }
    public static func op(_ name: String) -> UInt32? { operators.first { $0.name == name }?.value }
    public static func architecture(_ name: String) -> String? { architectures.first { $0.name == name }?.libseccomp }
    public static func flag(_ name: String) -> UInt32? { flags.first { $0.name == name }?.value }

    /// SECCOMP_FILTER_FLAG_NEW_LISTENER: the filter's SCMP_ACT_NOTIFY calls go to a listener
    /// descriptor that seccomp(2) returns (set by the compiler, not by a profile).
    public static let newListenerFlag: UInt32 = 1 << 3

    /// What the init calls between loading the filter and sending its listener away.
    static let callsBeforeTheListenerIsSent: Set<String> = ["sendmsg", "close", "write"]

    /// Why a profile cannot be compiled: `field` is its path inside the seccomp object
    /// (`syscalls[3].args[0].op`), so the message can name it.
    public struct Problem: Error, Equatable, Sendable {
        public var field: String
        public var reason: String
        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }
    }

    /// Every name of `s` is one of the tables'; argument indexes are 0…5. Unknown system call
    /// names are not checked: runc skips them (they may exist only on a newer kernel or another
    /// architecture), and so does the compiler.
    public static func check(_ s: OCI.Seccomp) throws(Problem) {
        guard action(s.defaultAction) != nil else { throw Problem(field: "defaultAction", reason: "unknown action \(s.defaultAction)") }
        // As runc: every call the runtime makes after loading the filter would wait for a listener
        // it has not yet sent.
        if s.defaultAction == "SCMP_ACT_NOTIFY" { throw Problem(field: "defaultAction", reason: "SCMP_ACT_NOTIFY cannot be the default action") }
        for (i, a) in (s.architectures ?? []).enumerated() where architecture(a) == nil {
            throw Problem(field: "architectures[\(i)]", reason: "unknown architecture \(a)")
        }
        for (i, f) in (s.flags ?? []).enumerated() where flag(f) == nil {
            throw Problem(field: "flags[\(i)]", reason: "unknown or unsupported flag \(f)")
        }
        for (i, call) in (s.syscalls ?? []).enumerated() {
            guard action(call.action) != nil else { throw Problem(field: "syscalls[\(i)].action", reason: "unknown action \(call.action)") }
            if call.action == "SCMP_ACT_NOTIFY" {
                guard let path = s.listenerPath, path.hasPrefix("/") else {
                    throw Problem(field: "syscalls[\(i)].action", reason: "SCMP_ACT_NOTIFY needs listenerPath, the absolute path of the listener's unix socket")
                }
                // The init sends the listener over a socket and closes it after loading the filter.
                if let call = call.names.first(where: Self.callsBeforeTheListenerIsSent.contains) {
                    throw Problem(field: "syscalls[\(i)].names", reason: "SCMP_ACT_NOTIFY cannot apply to \(call): the runtime makes that call before the listener has its descriptor")
                }
            }
            if call.names.isEmpty { throw Problem(field: "syscalls[\(i)].names", reason: "no system call named") }
            for (j, arg) in (call.args ?? []).enumerated() {
                guard op(arg.op) != nil else { throw Problem(field: "syscalls[\(i)].args[\(j)].op", reason: "unknown operator \(arg.op)") }
                guard arg.index < 6 else { throw Problem(field: "syscalls[\(i)].args[\(j)].index", reason: "\(arg.index) is not an argument index (0 to 5)") }
            }
        }
    }
}
