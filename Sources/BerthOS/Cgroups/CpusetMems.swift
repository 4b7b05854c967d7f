import Foundation

/// `--cpuset-mems` against the memory nodes the container's parent cgroup offers (v1 `cpuset.mems`,
/// v2 `cpuset.mems.effective`): a node the host lacks is refused naming what it has, before the
/// kernel's bare EINVAL on the write.
enum CpusetMems {
    /// Linux's largest node count (`MAX_NUMNODES` with NODES_SHIFT 10).
    static let maximumNodes = 1024

    static func checkAvailable(_ requested: String, offered: String, source: String) throws {
        let have = members(offered) ?? []
        guard let want = members(requested), want.isSubset(of: have) else {
            let shown = offered.trimmingCharacters(in: .whitespacesAndNewlines)
            throw BerthError.invalidArgument("the memory nodes \(requested.quoted) (--cpuset-mems) are not available: this host offers \(shown.isEmpty ? "none" : shown) (\(source))")
        }
    }

    /// The numbers of a list such as "0-1,3" (as `cpuset.mems` prints it); nil when it is not one or
    /// names a node above `maximumNodes`.
    static func members(_ list: String) -> Set<Int>? {
        let text = list.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return [] }
        var out = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(ends.count), let low = ends.first ?? nil, let high = ends.last ?? nil,
                  low >= 0, low <= high, high < maximumNodes else { return nil }
            out.formUnion(low...high)
        }
        return out
    }
}
