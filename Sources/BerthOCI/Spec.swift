extension OCI {
    /// The OCI runtime-spec `config.json`, as plain values.
    ///
    /// Property names are the runtime-spec's JSON keys, so the synthesised `Codable` conformance reads and
    /// writes the real format; optional fields are `nil` and then left out of the JSON, as the spec asks.
    public struct Spec: Codable, Sendable, Equatable {
        public var ociVersion: String
        public var process: Process?
        public var root: Root?
        public var hostname: String?
        /// The NIS domain name of the container's UTS namespace (`--domainname`).
        public var domainname: String?
        public var mounts: [Mount]?
        public var linux: Linux?
        public var annotations: [String: String]?
        /// Programs the runtime runs at points of the lifecycle (berth-runc; Berth's engine sets none).
        public var hooks: Hooks?

        /// The runtime-spec version Berth writes; readers accept any 1.x.
        public static let version = "1.2.0"

        public init(ociVersion: String = OCI.Spec.version, process: Process? = nil, root: Root? = nil,
                    hostname: String? = nil, mounts: [Mount]? = nil, linux: Linux? = nil,
                    annotations: [String: String]? = nil) {
            self.ociVersion = ociVersion
            self.process = process
            self.root = root
            self.hostname = hostname
            self.mounts = mounts
            self.linux = linux
            self.annotations = annotations
        }
    }

    /// The container's root filesystem.
    public struct Root: Codable, Sendable, Equatable {
        public var path: String
        public var readonly: Bool?

        public init(path: String, readonly: Bool? = nil) {
            self.path = path
            self.readonly = readonly
        }
    }

    /// One entry of `mounts`; `options` are fstab-style strings, see `MountOptions.parse`.
    public struct Mount: Codable, Sendable, Equatable {
        public var destination: String
        public var type: String?
        public var source: String?
        public var options: [String]?

        public init(destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
        }
    }

    /// The runtime-spec's `hooks`: each list runs in order at its point of the lifecycle.
    public struct Hooks: Codable, Sendable, Equatable {
        public var prestart: [Hook]?
        public var createRuntime: [Hook]?
        public var createContainer: [Hook]?
        public var startContainer: [Hook]?
        public var poststart: [Hook]?
        public var poststop: [Hook]?

        public init(prestart: [Hook]? = nil, createRuntime: [Hook]? = nil, createContainer: [Hook]? = nil,
                    startContainer: [Hook]? = nil, poststart: [Hook]? = nil, poststop: [Hook]? = nil) {
            self.prestart = prestart; self.createRuntime = createRuntime; self.createContainer = createContainer
            self.startContainer = startContainer; self.poststart = poststart; self.poststop = poststop
        }
    }

    /// One hook: an absolute path, its argv (argv[0] included) and environment, a timeout in seconds.
    public struct Hook: Codable, Sendable, Equatable {
        public var path: String
        public var args: [String]?
        public var env: [String]?
        public var timeout: Int?

        public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
            self.path = path; self.args = args; self.env = env; self.timeout = timeout
        }
    }
}
