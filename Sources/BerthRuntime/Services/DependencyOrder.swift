/// Start order for services with dependencies: a topological sort that keeps the given order
/// among services that do not depend on each other (Kahn's algorithm, taking the earliest ready
/// service each time), so the order is stable from one run to the next.
public enum DependencyOrder {
    public struct Cycle: Error, Equatable, CustomStringConvertible {
        /// The services around the cycle, the first repeated at the end: ["a", "b", "a"].
        public var path: [String]
        public var description: String { "dependency cycle: " + path.joined(separator: " -> ") }
    }

    /// `dependencies[name]` lists what `name` needs started first; every name in them must be in `names`.
    public static func sort(_ names: [String], dependencies: [String: [String]]) throws(Cycle) -> [String] {
        var remaining = names
        var done = Set<String>()
        var order: [String] = []
        while !remaining.isEmpty {
            guard let i = remaining.firstIndex(where: { name in (dependencies[name] ?? []).allSatisfy(done.contains) }) else {
                throw Cycle(path: findCycle(in: remaining, dependencies: dependencies))
            }
            let name = remaining.remove(at: i)
            done.insert(name)
            order.append(name)
        }
        return order
    }

    /// Every service left depends on another left, so walking dependencies must revisit one.
    private static func findCycle(in names: [String], dependencies: [String: [String]]) -> [String] {
        let left = Set(names)
        var path = [names[0]]
        var seen = [names[0]: 0]
        while true {
            guard let next = (dependencies[path.last!] ?? []).first(where: left.contains) else { return path }
            if let start = seen[next] { return Array(path[start...]) + [next] }
            seen[next] = path.count
            path.append(next)
        }
    }
}
