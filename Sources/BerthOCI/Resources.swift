extension OCI {
    /// The runtime-spec `linux.resources` object, limited to the controllers Berth drives.
    public struct Resources: Codable, Sendable, Equatable {
        public var memory: MemoryResources?
        public var cpu: CPUResources?
        public var pids: PidsResources?
        /// The device allow-list, applied in order over "deny all" (`DeviceRules` in BerthOS).
        public var devices: [DeviceCgroup]?
        public var blockIO: BlockIO?

        public init(memory: MemoryResources? = nil, cpu: CPUResources? = nil, pids: PidsResources? = nil,
                    devices: [DeviceCgroup]? = nil, blockIO: BlockIO? = nil) {
            self.memory = memory
            self.cpu = cpu
            self.pids = pids
            self.devices = devices
            self.blockIO = blockIO
        }
    }

    /// The runtime-spec `linux.resources.blockIO` members Berth applies: the weight (10–1000) and
    /// the throttles per device (bytes or operations per second). `leafWeight` and `weightDevice`
    /// are not modelled (`berth-runc` reports them as not applied). The numbers are wider than the
    /// spec's (uint16, uint64) so that a value out of range reaches `LimitRules`, whose message
    /// names it, rather than failing the whole document's decoding.
    public struct BlockIO: Codable, Sendable, Equatable {
        public var weight: Int64?
        public var throttleReadBpsDevice: [ThrottleDevice]?
        public var throttleWriteBpsDevice: [ThrottleDevice]?
        public var throttleReadIOPSDevice: [ThrottleDevice]?
        public var throttleWriteIOPSDevice: [ThrottleDevice]?

        public init(weight: Int64? = nil, throttleReadBpsDevice: [ThrottleDevice]? = nil,
                    throttleWriteBpsDevice: [ThrottleDevice]? = nil, throttleReadIOPSDevice: [ThrottleDevice]? = nil,
                    throttleWriteIOPSDevice: [ThrottleDevice]? = nil) {
            self.weight = weight
            self.throttleReadBpsDevice = throttleReadBpsDevice
            self.throttleWriteBpsDevice = throttleWriteBpsDevice
            self.throttleReadIOPSDevice = throttleReadIOPSDevice
            self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
        }
    }

    /// One block device (by number) and its rate limit.
    public struct ThrottleDevice: Codable, Sendable, Equatable {
        public var major: Int64
        public var minor: Int64
        public var rate: Int64

        public init(major: Int64, minor: Int64, rate: Int64) {
            self.major = major
            self.minor = minor
            self.rate = rate
        }
    }

    /// One `linux.resources.devices` entry: allow or deny `access` ("r", "w", "m" in any order) to
    /// devices of `type` ("a" all, "c", "b"; absent: all) and `major`/`minor` (absent: all).
    public struct DeviceCgroup: Codable, Sendable, Equatable {
        public var allow: Bool
        public var type: String?
        public var major: Int64?
        public var minor: Int64?
        public var access: String?

        public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }
    }

    /// Bytes; `swap` is memory plus swap as in cgroup v1's `memsw`, and -1 means unlimited.
    public struct MemoryResources: Codable, Sendable, Equatable {
        public var limit: Int64?
        public var reservation: Int64?
        public var swap: Int64?

        public init(limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil) {
            self.limit = limit
            self.reservation = reservation
            self.swap = swap
        }
    }

    /// CFS settings in microseconds; `cpus`/`mems` are cpuset lists such as "0-1".
    public struct CPUResources: Codable, Sendable, Equatable {
        public var shares: UInt64?
        public var quota: Int64?
        public var period: UInt64?
        public var cpus: String?
        public var mems: String?

        public init(shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil, cpus: String? = nil,
                    mems: String? = nil) {
            self.shares = shares
            self.quota = quota
            self.period = period
            self.cpus = cpus
            self.mems = mems
        }
    }

    /// Maximum number of tasks; zero or negative means unlimited, as in the runtime-spec.
    public struct PidsResources: Codable, Sendable, Equatable {
        public var limit: Int64

        public init(limit: Int64) {
            self.limit = limit
        }
    }
}
