/// A seccomp profile in docker's format (`--security-opt seccomp=FILE`, and Berth's default,
/// `SeccompDefaults`): the runtime-spec fields plus rules that apply only with some capabilities,
/// on some architectures or from some kernel version, and an `archMap` from the native
/// architecture to the ABIs it also runs. `resolve` turns it into the `linux.seccomp` of one
/// container, as docker does at create.
public struct DockerSeccompProfile: Codable, Sendable, Equatable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var archMap: [ArchMap]?
    public var flags: [String]?
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [Rule]?

    public struct ArchMap: Codable, Sendable, Equatable {
        public var architecture: String
        public var subArchitectures: [String]?

        public init(_ architecture: String, _ subArchitectures: [String]?) {
            self.architecture = architecture
            self.subArchitectures = subArchitectures
        }
    }

    /// A rule; `name` is the older spelling of a one-name `names`.
    public struct Rule: Codable, Sendable, Equatable {
        public var name: String?
        public var names: [String]?
        public var action: String
        public var errnoRet: UInt32?
        public var args: [OCI.SeccompArg]?
        public var comment: String?
        public var includes: Condition?
        public var excludes: Condition?

        public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [OCI.SeccompArg]? = nil,
                    includes: Condition? = nil, excludes: Condition? = nil) {
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
            self.includes = includes
            self.excludes = excludes
        }
    }

    /// `includes`: the rule applies only when all of these hold; `excludes`: not when any holds.
    /// Architectures are Go's names as docker spells them (`amd64`, `arm64`, `x86`).
    public struct Condition: Codable, Sendable, Equatable {
        public var caps: [String]?
        public var arches: [String]?
        public var minKernel: String?

        public init(caps: [String]? = nil, arches: [String]? = nil, minKernel: String? = nil) {
            self.caps = caps
            self.arches = arches
            self.minKernel = minKernel
        }
    }

    public init(defaultAction: String, defaultErrnoRet: UInt32? = nil, archMap: [ArchMap]? = nil, syscalls: [Rule]) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.archMap = archMap
        self.syscalls = syscalls
    }

    /// The host's architecture as docker's profiles name it in `includes`/`excludes`.
    public static var hostArch: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #elseif arch(s390x)
        return "s390x"
        #elseif arch(powerpc64le)
        return "ppc64le"
        #elseif arch(riscv64)
        return "riscv64"
        #else
        return "unknown"
        #endif
    }

    /// The `SCMP_ARCH_*` name of the host, the key of `archMap`.
    static var hostSeccompArch: String {
        switch hostArch {
        case "amd64": return "SCMP_ARCH_X86_64"
        case "arm64": return "SCMP_ARCH_AARCH64"
        default: return "SCMP_ARCH_" + hostArch.uppercased()
        }
    }

    /// The filter for a container whose bounding set is `capabilities` on a kernel of version
    /// `kernel` (major, minor), with docker's rules: a rule is dropped when an excluded
    /// capability is held, an excluded architecture is the host's or the kernel is at least an
    /// excluded version; and unless every included capability is held, the host's architecture
    /// is among the included ones and the kernel is at least the included version.
    public func resolve(capabilities: [String], kernel: (Int, Int)) throws(SeccompNames.Problem) -> OCI.Seccomp {
        if architectures?.isEmpty == false && archMap?.isEmpty == false {
            throw SeccompNames.Problem(field: "archMap", reason: "both architectures and archMap are given; use one")
        }
        var arches = architectures ?? []
        if let entry = archMap?.first(where: { $0.architecture == Self.hostSeccompArch }) {
            arches = [entry.architecture] + (entry.subArchitectures ?? [])
        }
        let caps = Set(capabilities)
        var rules: [OCI.Syscall] = []
        for (i, rule) in (syscalls ?? []).enumerated() {
            if rule.name != nil && rule.names?.isEmpty == false {
                throw SeccompNames.Problem(field: "syscalls[\(i)]", reason: "both name and names are given; use one")
            }
            if let ex = rule.excludes {
                if ex.arches?.contains(Self.hostArch) == true { continue }
                if ex.caps?.contains(where: caps.contains) == true { continue }
                if let v = ex.minKernel, try Self.atLeast(kernel, v, field: "syscalls[\(i)].excludes.minKernel") { continue }
            }
            if let inc = rule.includes {
                if let a = inc.arches, !a.isEmpty, !a.contains(Self.hostArch) { continue }
                if let c = inc.caps, !c.allSatisfy(caps.contains) { continue }
                if let v = inc.minKernel, try !Self.atLeast(kernel, v, field: "syscalls[\(i)].includes.minKernel") { continue }
            }
            rules.append(OCI.Syscall(names: rule.name.map { [$0] } ?? rule.names ?? [], action: rule.action,
                                     errnoRet: rule.errnoRet, args: rule.args))
        }
        let out = OCI.Seccomp(defaultAction: defaultAction, defaultErrnoRet: defaultErrnoRet,
                              architectures: arches.isEmpty ? nil : arches, flags: flags, listenerPath: listenerPath,
                              listenerMetadata: listenerMetadata, syscalls: rules)
        try SeccompNames.check(out)
        return out
    }

    /// `kernel` ≥ `version` ("4.8", "5.10.3": major and minor compared, as docker does).
    static func atLeast(_ kernel: (Int, Int), _ version: String, field: String) throws(SeccompNames.Problem) -> Bool {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else {
            throw SeccompNames.Problem(field: field, reason: "\(version) is not a kernel version (MAJOR.MINOR)")
        }
        return kernel.0 != major ? kernel.0 > major : kernel.1 >= minor
    }
}
