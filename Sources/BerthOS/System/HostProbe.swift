import Glibc

/// The host facts the dashboard's header shows. Hostname, kernel and cgroup version are read once per
/// process; memory, CPU ticks and pressure on every call (the dashboard calls this every tick).
public enum HostProbe {
    private struct Fixed: Sendable {
        var hostname: String
        var kernel: String
        var cgroupVersion: String
    }

    private static let fixed: Fixed = {
        let names = uts()
        return Fixed(hostname: field(names.nodename), kernel: field(names.release),
                     cgroupVersion: Cgroups.detectVersion()?.rawValue ?? "none")
    }()

    private static func uts() -> utsname {
        var names = utsname()
        uname(&names)
        return names
    }

    private static func field<T>(_ value: T) -> String {
        withUnsafeBytes(of: value) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The running kernel's (major, minor), e.g. (6, 1) for "6.1.0-13-amd64": what seccomp
    /// profiles' `minKernel` compares with. Without the cgroup probe of `hostInfo`.
    public static let kernelVersion: (Int, Int) = {
        let parts = field(uts().release).split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : (0, 0)
    }()

    public static func hostInfo() -> HostInfo {
        let memory = KernelFile.readIfPresent("/proc/meminfo").flatMap(MemInfo.parse)
        let cpu = KernelFile.readIfPresent("/proc/stat").flatMap(ProcStatCPU.parse)
        return HostInfo(hostname: fixed.hostname, kernel: fixed.kernel, cgroupVersion: fixed.cgroupVersion,
                        cpuCount: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
                        memoryTotal: memory?.total ?? 0, memoryAvailable: memory?.available ?? 0,
                        cpuBusyTicks: cpu?.busyTicks ?? 0, cpuTotalTicks: cpu?.totalTicks ?? 0,
                        pressure: PressureSet.host())
    }
}
