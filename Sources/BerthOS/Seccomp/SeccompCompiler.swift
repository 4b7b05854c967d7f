import BerthOCI
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

extension BerthError {
    /// A profile Berth cannot compile, as one line: `where` names the profile ("linux.seccomp.",
    /// "seccomp profile 'p.json': "), the field follows; control characters escaped.
    public static func seccomp(_ problem: SeccompNames.Problem, in place: String) -> BerthError {
        .invalidArgument(place + Quoted.escapeControls("\(problem.field): \(problem.reason)"))
    }
}

/// A seccomp filter ready for the shim: classic BPF (`struct sock_filter`, 8 bytes per
/// instruction, host byte order) and the `SECCOMP_FILTER_FLAG_*` bits to load it with.
public struct SeccompFilter: Equatable, Sendable {
    public var program: [UInt8]
    public var flags: UInt32

    public init(program: [UInt8], flags: UInt32) {
        self.program = program
        self.flags = flags
    }
}

/// `linux.seccomp` → BPF with libseccomp (loaded on first use, CSeccomp), in the Swift process
/// before the shim is spawned: the shim only installs the result between fork and exec. Follows
/// runc's rules: unknown system call names are skipped (a newer kernel's or another ABI's), a rule
/// whose action is the default one is redundant and skipped, errnoRet defaults to EPERM, and
/// conditions on the same argument become one rule each (libseccomp cannot AND them).
public enum SeccompCompiler {
    /// The kernel refuses longer programs (BPF_MAXINSNS).
    public static let maximumInstructions = 4096

    public static func compile(_ s: OCI.Seccomp) throws(SeccompNames.Problem) -> SeccompFilter {
        try SeccompNames.check(s)
        let defaultAction = try actionValue(s.defaultAction, errno: s.defaultErrnoRet, field: "defaultAction")
        guard let ctx = seccomp_init(defaultAction) else {
            throw SeccompNames.Problem(field: "defaultAction", reason: "libseccomp refused \(s.defaultAction)")
        }
        defer { seccomp_release(ctx) }
        for (i, name) in (s.architectures ?? []).enumerated() {
            let token = SeccompNames.architecture(name).map { seccomp_arch_resolve_name($0) } ?? 0
            guard token != 0 else {
                throw SeccompNames.Problem(field: "architectures[\(i)]", reason: "\(name) is not known to this libseccomp")
            }
            let rc = seccomp_arch_add(ctx, token)
            guard rc == 0 || rc == -EEXIST else {
                throw SeccompNames.Problem(field: "architectures[\(i)]", reason: "libseccomp cannot add \(name): \(String(cString: strerror(-rc)))")
            }
        }
        for (i, call) in (s.syscalls ?? []).enumerated() {
            let action = try actionValue(call.action, errno: call.errnoRet, field: "syscalls[\(i)].action")
            if action == defaultAction { continue }
            let conditions = (call.args ?? []).map { a in
                scmp_arg_cmp(arg: a.index, op: scmp_compare(rawValue: SeccompNames.op(a.op) ?? 0), datum_a: a.value, datum_b: a.valueTwo ?? 0)
            }
            let indexes = conditions.map(\.arg)
            // Two conditions on one argument: each its own rule (an OR), as runc does.
            let groups = Set(indexes).count == indexes.count ? [conditions] : conditions.map { [$0] }
            for name in call.names {
                let nr = seccomp_syscall_resolve_name(name)
                if nr == __NR_SCMP_ERROR { continue }
                for group in groups {
                    let rc = group.withUnsafeBufferPointer { seccomp_rule_add_array(ctx, action, nr, UInt32($0.count), $0.baseAddress) }
                    guard rc == 0 else {
                        throw SeccompNames.Problem(field: "syscalls[\(i)]", reason: "libseccomp refused the rule for \(name): \(String(cString: strerror(-rc)))")
                    }
                }
            }
        }
        var size = 0
        guard let raw = berth_seccomp_export(ctx, &size) else {
            throw SeccompNames.Problem(field: "syscalls", reason: "libseccomp could not export the filter: \(String(cString: strerror(errno)))")
        }
        defer { free(raw) }
        guard size / 8 <= maximumInstructions else {
            throw SeccompNames.Problem(field: "syscalls", reason: "the filter has \(size / 8) instructions, more than the kernel loads (\(maximumInstructions))")
        }
        let program = [UInt8](UnsafeRawBufferPointer(start: raw, count: size))
        var flags = (s.flags ?? []).reduce(UInt32(0)) { $0 | (SeccompNames.flag($1) ?? 0) }
        if (s.syscalls ?? []).contains(where: { $0.action == "SCMP_ACT_NOTIFY" }) { flags |= SeccompNames.newListenerFlag }
        return SeccompFilter(program: program, flags: flags)
    }

    /// The `SECCOMP_RET_*` value of an action; ERRNO and TRACE carry `errno` (EPERM by default).
    static func actionValue(_ name: String, errno: UInt32?, field: String) throws(SeccompNames.Problem) -> UInt32 {
        guard let base = SeccompNames.action(name) else { throw SeccompNames.Problem(field: field, reason: "unknown action \(name)") }
        switch name {
        case "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE": return base | ((errno ?? UInt32(EPERM)) & 0xffff)
        default: return base
        }
    }

    /// The architectures this libseccomp can build filters for (`berth-runc features`).
    public static func supportedArchitectures() -> [String] {
        SeccompNames.architectures.filter { seccomp_arch_resolve_name($0.libseccomp) != 0 }.map(\.name)
    }

    /// libseccomp's version, "2.5.4".
    public static func libraryVersion() -> String {
        guard let v = seccomp_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }
}
