import BerthOS
import Foundation

/// `berth info`, with docker's keys so `--format '{{.ContainersRunning}}'` reads as it does there;
/// Berth's own facts are under `Berth`.
public struct SystemInfo: Codable, Sendable {
    public var name: String
    public var serverVersion: String
    public var containers: Int
    public var containersRunning: Int
    public var containersPaused: Int
    public var containersStopped: Int
    public var images: Int
    public var driver = "overlay"
    public var rootDir: String
    public var cgroupVersion: String
    public var kernelVersion: String
    public var operatingSystem: String
    public var osType = "linux"
    public var architecture: String
    public var ncpu: Int
    public var memTotal: UInt64
    public var berth: Extras

    public struct Extras: Codable, Sendable {
        public var cgroupParent: String?
        public var eventsJournal: String

        enum CodingKeys: String, CodingKey { case cgroupParent = "CgroupParent", eventsJournal = "EventsJournal" }
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", serverVersion = "ServerVersion", containers = "Containers"
        case containersRunning = "ContainersRunning", containersPaused = "ContainersPaused"
        case containersStopped = "ContainersStopped", images = "Images", driver = "Driver"
        case rootDir = "DockerRootDir", cgroupVersion = "CgroupVersion", kernelVersion = "KernelVersion"
        case operatingSystem = "OperatingSystem", osType = "OSType", architecture = "Architecture"
        case ncpu = "NCPU", memTotal = "MemTotal", berth = "Berth"
    }
}

extension Engine {
    /// Berth's release: `berth --version` and `berth-runc --version` print it.
    public static let version = "0.1.0"

    public func systemInfo(version: String) throws -> SystemInfo {
        let all = try list(all: true)
        let host = hostInfo()
        let running = all.filter { $0.state.isRunning }
        let paused = running.filter { $0.state.paused }.count
        return SystemInfo(
            name: host.hostname, serverVersion: version, containers: all.count,
            containersRunning: running.count - paused, containersPaused: paused, containersStopped: all.count - running.count,
            images: (try? images.list().count) ?? 0, rootDir: root,
            cgroupVersion: host.cgroupVersion.hasPrefix("v") ? String(host.cgroupVersion.dropFirst()) : host.cgroupVersion,
            kernelVersion: host.kernel, operatingSystem: Self.operatingSystem(), architecture: Self.architecture(),
            ncpu: host.cpuCount, memTotal: host.memoryTotal,
            berth: .init(cgroupParent: options.cgroupParent, eventsJournal: eventJournal.path))
    }

    /// PRETTY_NAME of /etc/os-release, as docker shows it.
    static func operatingSystem() -> String {
        for line in (FileIO.readString("/etc/os-release") ?? "").split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return "Linux"
    }

    /// The machine as uname reports it (x86_64, aarch64).
    public static func architecture() -> String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
