import Synchronization

/// The shared directories (bases and their new ancestors) this manager created, so that `remove`
/// deletes only those: a --cgroup-parent that existed before Berth must survive its last container.
/// The default base "<current>/berth" is always Berth's, whichever process created it.
final class OwnedDirectories: Sendable {
    private let created = Mutex<Set<String>>([])
    let alwaysOwned: Set<String>

    init(alwaysOwned: Set<String>) {
        self.alwaysOwned = alwaysOwned
    }

    func insert(_ dirs: [String]) {
        created.withLock { $0.formUnion(dirs) }
    }

    func contains(_ dir: String) -> Bool {
        alwaysOwned.contains(dir) || created.withLock { $0.contains(dir) }
    }

    /// Deletes the owned part of `placement`'s chain, innermost first, stopping at the first directory
    /// that is not owned or is still in use.
    func removeUnused(_ placement: CgroupPlacement, tree: CgroupTree) {
        for dir in placement.chain.reversed() {
            guard contains(dir), tree.removeIfEmpty(dir) else { return }
            created.withLock { _ = $0.remove(dir) }
        }
    }
}
