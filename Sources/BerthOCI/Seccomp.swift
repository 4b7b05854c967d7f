extension OCI {
    /// The runtime-spec `linux.seccomp` object: a filter every process of the container runs under.
    /// Names stay strings (as the spec spells them) so that a bundle naming an action, operator or
    /// architecture Berth does not know is refused with the field named (`SeccompNames.check`)
    /// rather than failing to decode.
    public struct Seccomp: Codable, Sendable, Equatable {
        /// The action for every system call no rule names, e.g. `SCMP_ACT_ERRNO`.
        public var defaultAction: String
        /// The errno of `defaultAction` when it is `SCMP_ACT_ERRNO`/`SCMP_ACT_TRACE` (EPERM when absent).
        public var defaultErrnoRet: UInt32?
        /// `SCMP_ARCH_*`: the ABIs the filter accepts besides the native one.
        public var architectures: [String]?
        /// `SECCOMP_FILTER_FLAG_*`.
        public var flags: [String]?
        /// Where `SCMP_ACT_NOTIFY` sends the listener descriptor.
        public var listenerPath: String?
        public var listenerMetadata: String?
        public var syscalls: [Syscall]?

        public init(defaultAction: String, defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
                    flags: [String]? = nil, listenerPath: String? = nil, listenerMetadata: String? = nil,
                    syscalls: [Syscall]? = nil) {
            self.defaultAction = defaultAction
            self.defaultErrnoRet = defaultErrnoRet
            self.architectures = architectures
            self.flags = flags
            self.listenerPath = listenerPath
            self.listenerMetadata = listenerMetadata
            self.syscalls = syscalls
        }
    }

    /// One rule: these system calls, when every argument condition holds, get `action`.
    public struct Syscall: Codable, Sendable, Equatable {
        public var names: [String]
        public var action: String
        public var errnoRet: UInt32?
        public var args: [SeccompArg]?

        public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [SeccompArg]? = nil) {
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
        }
    }

    /// A condition on argument `index` (0…5): `op` compares it with `value` (`SCMP_CMP_MASKED_EQ`:
    /// `arg & value == valueTwo`).
    public struct SeccompArg: Codable, Sendable, Equatable {
        public var index: UInt32
        public var value: UInt64
        public var valueTwo: UInt64?
        public var op: String

        public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: String) {
            self.index = index
            self.value = value
            self.valueTwo = valueTwo
            self.op = op
        }
    }
}
