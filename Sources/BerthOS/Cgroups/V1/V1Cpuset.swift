import Foundation

/// A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and the kernel refuses a task
/// into it (ENOSPC) until both are filled, so every directory Berth creates gets its parent's values.
enum V1Cpuset {
    static func prepare(placement: CgroupPlacement, leaf: String, cpus: String?, mems: String?,
                        isOwned: (String) -> Bool) throws {
        for dir in placement.chain where isOwned(dir) {
            try inherit("cpuset.cpus", into: dir)
            try inherit("cpuset.mems", into: dir)
        }
        if let cpus {
            try KernelFile.write(cpus, to: leaf + "/cpuset.cpus")
        } else {
            try inherit("cpuset.cpus", into: leaf)
        }
        if let mems {
            let offered = parent(of: leaf) + "/cpuset.mems"
            try CpusetMems.checkAvailable(mems, offered: try KernelFile.read(offered), source: offered)
            try KernelFile.write(mems, to: leaf + "/cpuset.mems")
        } else {
            try inherit("cpuset.mems", into: leaf)
        }
    }

    /// Copies `file` from the parent directory when `dir`'s own is still empty.
    private static func inherit(_ file: String, into dir: String) throws {
        let own = try KernelFile.read(dir + "/" + file)
        guard own.allSatisfy(\.isWhitespace) else { return }
        let value = try KernelFile.read(parent(of: dir) + "/" + file).trimmingCharacters(in: .whitespacesAndNewlines)
        try KernelFile.write(value, to: dir + "/" + file)
    }

    private static func parent(of dir: String) -> String {
        String(dir[..<(dir.lastIndex(of: "/") ?? dir.endIndex)])
    }
}
