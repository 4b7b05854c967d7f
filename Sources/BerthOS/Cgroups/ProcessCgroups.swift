import Foundation

/// The cgroups a process is in, from `/proc/PID/cgroup`, as directories of the hierarchies this
/// process has mounted: how containers another runtime made (runc, containerd, podman) are found
/// and sampled, whatever placement that runtime chose. Reads only.
public struct ProcessCgroups: Sendable, Equatable {
    /// Each controller's directory ("" keys the v2 directory on a unified host).
    public var directories: [String: String]
    public var version: CgroupVersion

    /// This host's hierarchies read once (mountinfo can be long on a busy node), then any
    /// number of processes resolved against them; `of(pid:)` is nil when the process is gone or
    /// no hierarchy it is in is mounted here.
    public struct Resolver: Sendable {
        let layout: CgroupLayout
        public init?() {
            guard let layout = try? Cgroups.currentLayout() else { return nil }
            self.layout = layout
        }
        public func of(pid: Int32) -> ProcessCgroups? {
            guard pid > 0, let text = KernelFile.readIfPresent("/proc/\(pid)/cgroup") else { return nil }
            return ProcessCgroups.resolve(ProcCgroup.parse(text), in: layout)
        }
    }

    static func resolve(_ entries: [ProcCgroupEntry], in layout: CgroupLayout) -> ProcessCgroups? {
        // A process in another cgroup namespace shows paths above its root ("/../../x"): they
        // would name directories outside the cgroup mount, so nothing of it is resolved.
        guard !entries.contains(where: { $0.path.split(separator: "/").contains("..") }) else { return nil }
        var dirs: [String: String] = [:]
        switch layout {
        case .v1(let hierarchies):
            for h in hierarchies {
                guard let entry = entries.first(where: { !$0.isUnified && Set($0.controllers) == Set(h.controllers) }),
                      let dir = h.directory(of: entry.path) else { continue }
                for c in h.controllers { dirs[c] = dir }
            }
        case .v2(let h):
            if let entry = entries.first(where: \.isUnified), let dir = h.directory(of: entry.path) { dirs[""] = dir }
        }
        return dirs.isEmpty ? nil : ProcessCgroups(directories: dirs, version: layout.version)
    }

    public var statsFiles: CgroupStatsFiles {
        version == .v2 ? .v2(directory: directories[""] ?? "") : .v1 { directories[$0] }
    }

    /// Whether the kernel reports its cgroup frozen (runc's `pause`).
    public var isFrozen: Bool { CgroupFreezer.isFrozen(directories: Array(Set(directories.values)).sorted()) }
}

extension ProcessCgroups {
    /// Every process in the cgroup (of the pids controller where v1 has it, else any joined one).
    public func pids() -> [Int32] {
        guard let dir = directories[""] ?? directories["pids"] ?? directories["memory"] ?? directories.values.sorted().first else { return [] }
        return CgroupTree.readPids(dir + "/cgroup.procs").sorted()
    }
}
