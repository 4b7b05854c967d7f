extension OCI {
    /// The runtime-spec `linux` object: namespaces, cgroup settings and the hardening lists.
    public struct Linux: Codable, Sendable, Equatable {
        public var namespaces: [Namespace]?
        public var resources: Resources?
        public var cgroupsPath: String?
        public var maskedPaths: [String]?
        public var readonlyPaths: [String]?
        public var devices: [Device]?
        /// Kernel parameters written under /proc/sys in the container (`net.ipv4.ip_forward` → `/proc/sys/net/ipv4/ip_forward`).
        public var sysctl: [String: String]?
        /// The system call filter; nil: none.
        public var seccomp: Seccomp?
        /// A new user namespace's maps (with a `user` entry in `namespaces`).
        public var uidMappings: [IDMapping]?
        public var gidMappings: [IDMapping]?

        public init(namespaces: [Namespace]? = nil, resources: Resources? = nil, cgroupsPath: String? = nil,
                    maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil, devices: [Device]? = nil,
                    sysctl: [String: String]? = nil, seccomp: Seccomp? = nil) {
            self.namespaces = namespaces
            self.resources = resources
            self.cgroupsPath = cgroupsPath
            self.maskedPaths = maskedPaths
            self.readonlyPaths = readonlyPaths
            self.devices = devices
            self.sysctl = sysctl
            self.seccomp = seccomp
        }
    }

    /// `size` ids from `containerID` inside the user namespace are `hostID`… outside it.
    public struct IDMapping: Codable, Sendable, Equatable {
        public var containerID: UInt32
        public var hostID: UInt32
        public var size: UInt32

        public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
            self.containerID = containerID; self.hostID = hostID; self.size = size
        }
    }

    /// A namespace to create, or to join when `path` names an existing one (e.g. `/proc/<pid>/ns/net`).
    public struct Namespace: Codable, Sendable, Equatable {
        public var type: NamespaceType
        public var path: String?

        public init(type: NamespaceType, path: String? = nil) {
            self.type = type
            self.path = path
        }
    }

    /// Raw values are the runtime-spec strings, which differ from the kernel's short names ("network", not "net").
    public enum NamespaceType: String, Codable, Sendable, CaseIterable {
        case pid
        case network
        case mount
        case ipc
        case uts
        case user
        case cgroup
        case time
    }

    /// A device node to create in the container's `/dev`.
    public struct Device: Codable, Sendable, Equatable {
        public var path: String
        /// "c" (character), "b" (block), "u" (unbuffered character) or "p" (FIFO).
        public var type: String
        public var major: Int64
        public var minor: Int64
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?

        public init(path: String, type: String, major: Int64, minor: Int64, fileMode: UInt32? = nil,
                    uid: UInt32? = nil, gid: UInt32? = nil) {
            self.path = path
            self.type = type
            self.major = major
            self.minor = minor
            self.fileMode = fileMode
            self.uid = uid
            self.gid = gid
        }
    }
}
