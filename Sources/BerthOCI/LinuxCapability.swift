/// Linux capabilities with their kernel numbers (`include/uapi/linux/capability.h`); the raw value is
/// the bit the shim sets in `capset(2)` and `PR_CAPBSET_DROP`.
public enum LinuxCapability: UInt8, CaseIterable, Sendable, Comparable {
    case chown = 0
    case dacOverride = 1
    case dacReadSearch = 2
    case fowner = 3
    case fsetid = 4
    case kill = 5
    case setgid = 6
    case setuid = 7
    case setpcap = 8
    case linuxImmutable = 9
    case netBindService = 10
    case netBroadcast = 11
    case netAdmin = 12
    case netRaw = 13
    case ipcLock = 14
    case ipcOwner = 15
    case sysModule = 16
    case sysRawio = 17
    case sysChroot = 18
    case sysPtrace = 19
    case sysPacct = 20
    case sysAdmin = 21
    case sysBoot = 22
    case sysNice = 23
    case sysResource = 24
    case sysTime = 25
    case sysTtyConfig = 26
    case mknod = 27
    case lease = 28
    case auditWrite = 29
    case auditControl = 30
    case setfcap = 31
    case macOverride = 32
    case macAdmin = 33
    case syslog = 34
    case wakeAlarm = 35
    case blockSuspend = 36
    case auditRead = 37
    case perfmon = 38
    case bpf = 39
    case checkpointRestore = 40

    /// The kernel's name, as the runtime-spec spells it: "CAP_NET_BIND_SERVICE".
    public var name: String { "CAP_" + Self.shortNames[Int(rawValue)] }

    /// Accepts "CAP_CHOWN", "chown" or "Cap_Chown": docker's `--cap-add` takes all of them.
    public init?(name: String) {
        var key = name.uppercased()
        if key.hasPrefix("CAP_") { key.removeFirst(4) }
        guard let index = Self.shortNames.firstIndex(of: key) else { return nil }
        self.init(rawValue: UInt8(index))
    }

    /// The highest capability this table knows; kernels may know more, which Berth never grants.
    public static let last = LinuxCapability.checkpointRestore

    public static func < (lhs: LinuxCapability, rhs: LinuxCapability) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Indexed by capability number, so the table and the enum cannot drift apart unnoticed (tests check both).
    private static let shortNames = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
        "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
        "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
        "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
        "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
        "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
    ]
}
