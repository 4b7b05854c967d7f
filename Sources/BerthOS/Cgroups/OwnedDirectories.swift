import Synchronization

/// The shared directories (bases and their new ancestors) this manager created, so that `remove`
/// deletes only those: a --cgroup-parent that existed before Berth must survive its last container.
/// The default base "<current>/berth" is always Berth's, whichever process created it.
/// With a `ledger` file (in Berth's state root) the record outlives the process, so the `berth rm`
/// that removes the last container also removes the parent an earlier `berth run` created.
public final class OwnedDirectories: Sendable {
    private let created = Mutex<Set<String>>([])
    let alwaysOwned: Set<String>
    let ledger: String?

    init(alwaysOwned: Set<String>, ledger: String? = nil) {
        self.alwaysOwned = alwaysOwned
        self.ledger = ledger
    }

    func insert(_ dirs: [String]) {
        guard !dirs.isEmpty else { return }
        created.withLock { $0.formUnion(dirs) }
        updateLedger { $0.formUnion(dirs) }
    }

    /// Creates `chain` (shared parents, outermost first) and `leaf`; returns the directories it made.
    /// The parents about to be made are recorded *before* their mkdir: a `berth run` killed right
    /// after a mkdir must not leave a parent that no record names, since only recorded parents are
    /// ever removed. A recorded parent that no mkdir made (the kill came first, or the mkdir failed)
    /// does not exist, and the next prune or remove forgets it. Recorded and made under the ledger's
    /// lock: a prune or removal in between (another process's `rm`) would find the parent recorded
    /// but absent, forget it, and our mkdir would then make it unrecorded.
    func make(chain: [String], leaf: String, tree: CgroupTree) throws -> [String] {
        let missing = chain.filter { !KernelFile.isDirectory($0) }
        created.withLock { $0.formUnion(missing) }
        var made: Result<[String], Error>?
        if let ledger {
            try? FileLock.with(ledger + ".lock") {
                var set = readLedger()
                if !set.isSuperset(of: missing) {
                    set.formUnion(missing)
                    try FileIO.writeAtomically(ledger, string: set.sorted().map { $0 + "\n" }.joined())
                }
                made = Result { try tree.makeDirectories(chain + [leaf]) }
            }
        }
        // Without a ledger, or one that cannot be locked or written: as before it, in memory only.
        do {
            return try (made ?? Result { try tree.makeDirectories(chain + [leaf]) }).get()
        } catch {
            for dir in chain.reversed() { forget(dir) }
            throw error
        }
    }

    func contains(_ dir: String) -> Bool {
        alwaysOwned.contains(dir) || created.withLock { $0.contains(dir) } || readLedger().contains(dir)
    }

    private func readLedger() -> Set<String> {
        guard let ledger, let text = FileIO.readString(ledger) else { return [] }
        return Set(text.split(separator: "\n").map(String.init))
    }

    private func updateLedger(_ change: (inout Set<String>) -> Void) {
        guard let ledger else { return }
        try? FileLock.with(ledger + ".lock") {
            var set = readLedger()
            change(&set)
            try FileIO.writeAtomically(ledger, string: set.sorted().map { $0 + "\n" }.joined())
        }
    }

    /// Deletes the owned part of `placement`'s chain, innermost first, stopping at the first directory
    /// that is not owned or is still in use.
    func removeUnused(_ placement: CgroupPlacement, tree: CgroupTree) {
        for dir in placement.chain.reversed() {
            guard contains(dir), tree.removeIfEmpty(dir) else { return }
            forget(dir)
        }
    }

    /// Drops a removed directory from the record, unless a concurrent create (another process, or
    /// another thread of this one) has made it again meanwhile: its creator recorded it after its
    /// mkdir, and forgetting that record would leave the directory unowned, so nothing would ever
    /// remove it (the empty parent cgroups a busy benchmark run left behind). Checked under the
    /// ledger's lock, which every creator takes to record, so the check and the write are one step.
    private func forget(_ dir: String) {
        created.withLock { set in
            if !KernelFile.isDirectory(dir) { set.remove(dir) }
        }
        updateLedger { set in
            if !KernelFile.isDirectory(dir) { set.remove(dir) }
        }
    }

    /// Every directory in `ledger`, deepest first: the recorded ones and their new ancestors.
    public static func recorded(in ledger: String) -> [String] {
        guard let text = FileIO.readString(ledger) else { return [] }
        return text.split(separator: "\n").map(String.init).sorted { $0.count > $1.count }
    }

    /// Removes the recorded directories nothing uses any more (no container cgroup, no task), deepest
    /// first, and forgets them: the parents a killed `berth rm` (or one that removed a container some
    /// other way) left behind. One still in use stays; a concurrent create retries on a vanished parent.
    public static func pruneUnused(ledger: String, tree: CgroupTree = CgroupTree()) {
        var gone: Set<String> = []
        for dir in recorded(in: ledger) where tree.removeIfEmpty(dir) { gone.insert(dir) }
        guard !gone.isEmpty else { return }
        OwnedDirectories(alwaysOwned: [], ledger: ledger).updateLedger { set in
            // A concurrent create may have made one again (and recorded it) meanwhile: keep that one.
            set.subtract(gone.filter { !KernelFile.isDirectory($0) })
        }
    }
}
