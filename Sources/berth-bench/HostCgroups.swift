import Foundation

/// The benchmark's view of the host's cgroup mounts: where its own cgroup is in each hierarchy,
/// so crun/runc containers (and their cleanup) stay below it.
struct HostCgroups {
    struct Hierarchy {
        /// e.g. /sys/fs/cgroup/memory
        var mountPoint: String
        /// Controllers (v1), empty for cgroup2.
        var controllers: Set<String>
        var isV2: Bool
        /// The benchmark's own cgroup directory in this hierarchy.
        var ownDirectory: String
    }

    var hierarchies: [Hierarchy]

    var isV1: Bool { hierarchies.contains { !$0.isV2 } }
    var memory: Hierarchy? {
        hierarchies.first { $0.controllers.contains("memory") } ?? (isV1 ? nil : hierarchies.first { $0.isV2 })
    }
    /// The cgroup2 mount of a hybrid host (v1 controllers plus cgroup2).
    var hybridUnified: Hierarchy? { isV1 ? hierarchies.first { $0.isV2 } : nil }

    static func detect() throws -> HostCgroups {
        guard let mountinfo = Files.read("/proc/self/mountinfo"), let selfCgroup = Files.read("/proc/self/cgroup") else {
            throw BenchError("cannot read /proc/self/mountinfo or /proc/self/cgroup")
        }
        // "4:memory:/path", "1:cpu,cpuacct:/", "0::/"
        var ownPaths: [Set<String>: String] = [:]
        var ownV2: String?
        for line in selfCgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" && parts[1].isEmpty { ownV2 = String(parts[2]); continue }
            ownPaths[Set(parts[1].split(separator: ",").map(String.init))] = String(parts[2])
        }
        var result: [Hierarchy] = []
        for line in mountinfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let pre = halves[0].split(separator: " ")
            let post = halves[1].split(separator: " ")
            guard pre.count >= 5, post.count >= 3 else { continue }
            let root = String(pre[3]), mountPoint = String(pre[4]), fstype = post[0]
            func own(_ path: String) -> String {
                var rel = path
                if root != "/" && rel.hasPrefix(root) { rel = String(rel.dropFirst(root.count)) }
                return rel == "/" || rel.isEmpty ? mountPoint : mountPoint + rel
            }
            if fstype == "cgroup2", let p = ownV2 {
                result.append(Hierarchy(mountPoint: mountPoint, controllers: [], isV2: true, ownDirectory: own(p)))
            } else if fstype == "cgroup" {
                let opts = post[2].split(separator: ",").map(String.init)
                let controllers = Set(ownPaths.keys.first { key in key.allSatisfy { opts.contains($0) } } ?? [])
                guard !controllers.isEmpty, let p = ownPaths[controllers] else { continue }
                result.append(Hierarchy(mountPoint: mountPoint, controllers: controllers, isV2: false, ownDirectory: own(p)))
            }
        }
        guard !result.isEmpty else { throw BenchError("no cgroup hierarchy mounted") }
        return HostCgroups(hierarchies: result)
    }

    /// memory usage file of a cgroup at `relative` below the benchmark's own memory cgroup.
    func memoryUsageFile(relative: String) -> String? {
        guard let m = memory else { return nil }
        return m.ownDirectory + "/" + relative + (m.isV2 ? "/memory.current" : "/memory.usage_in_bytes")
    }

    /// CPU time a cgroup at `relative` (below the benchmark's own cgroup) has used, in nanoseconds:
    /// v1 `cpuacct.usage`, v2 `cpu.stat` usage_usec.
    func cpuUsageNanos(relative: String) -> UInt64? {
        if let h = hierarchies.first(where: { $0.controllers.contains("cpuacct") }) {
            return Files.firstInteger(h.ownDirectory + "/" + relative + "/cpuacct.usage")
        }
        guard !isV1, let h = hierarchies.first(where: { $0.isV2 }),
              let stat = Files.read(h.ownDirectory + "/" + relative + "/cpu.stat") else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("usage_usec ") {
            return UInt64(line.dropFirst("usage_usec ".count)).map { $0 * 1000 }
        }
        return nil
    }

    /// Removes the cgroup tree `relative` (below the benchmark's own cgroup) in every hierarchy, deepest first.
    /// Only directories: a cgroup with a live task stays (rmdir fails with EBUSY) and is reported.
    @discardableResult
    func removeTree(relative: String) -> [String] {
        var leftovers: [String] = []
        for h in hierarchies {
            let top = h.ownDirectory + "/" + relative
            guard Files.exists(top) else { continue }
            for dir in Self.directoriesDeepestFirst(top) where rmdir(dir) != 0 && errno != ENOENT {
                // A just-killed task is freed asynchronously: retry briefly.
                var ok = false
                for _ in 0..<50 {
                    usleep(20_000)
                    if rmdir(dir) == 0 || errno == ENOENT { ok = true; break }
                }
                if !ok { leftovers.append(dir) }
            }
        }
        return leftovers
    }

    private static func directoriesDeepestFirst(_ top: String) -> [String] {
        var out: [String] = []
        func walk(_ dir: String) {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for e in entries {
                var isDir: ObjCBool = false
                let p = dir + "/" + e
                // cgroupfs has only files and cgroup directories.
                if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { walk(p) }
            }
            out.append(dir)
        }
        walk(top)
        return out
    }
}
