import Foundation
import Synchronization
import XCTest
@testable import BerthOS

/// The ownership record of shared cgroup directories (a `--cgroup-parent` Berth created) when a
/// remove and a create race: whatever order they run in, the directory that exists at the end is
/// recorded, so the last container's removal takes it away.
final class OwnedDirectoriesTests: XCTestCase {
    private var fixture: CgroupFixture!

    override func setUpWithError() throws {
        fixture = try CgroupFixture()
    }

    override func tearDown() {
        fixture?.destroy()
        super.tearDown()
    }

    /// Another process recreates (and records) the parent between this one's rmdir and its update of
    /// the ledger: the parent must stay recorded, and go with the other container.
    func testAParentRecreatedRightAfterItsRemovalStaysOwned() throws {
        let ledger = fixture.path("ledger")
        let parent = fixture.path("cg/parent")
        fixture.mkdir("cg")
        let placement = CgroupPlacement(anchor: fixture.path("cg"), chain: [parent])
        let other = OwnedDirectories(alwaysOwned: [], ledger: ledger)
        var hooks = CgroupFixture.v1Hooks()
        let base = hooks
        let racedOnce = Mutex(false)
        hooks.afterRmdir = { dir in
            base.afterRmdir(dir)
            guard dir == parent, !racedOnce.withLock({ let was = $0; $0 = true; return was }) else { return }
            // The other process's create: mkdir of the parent and its leaf, then its record.
            let made = try? CgroupTree(hooks: base).makeDirectories([parent, parent + "/b"])
            other.insert((made ?? []).filter { $0 != parent + "/b" })
        }
        let tree = CgroupTree(hooks: hooks)
        let owned = OwnedDirectories(alwaysOwned: [], ledger: ledger)

        XCTAssertEqual(try tree.makeDirectories([parent, parent + "/a"]), [parent, parent + "/a"])
        owned.insert([parent])
        try tree.removeLeaf(parent + "/a", deadline: CgroupTree.retryDeadline())
        owned.removeUnused(placement, tree: tree)

        XCTAssertTrue(racedOnce.withLock { $0 }, "the race was staged")
        XCTAssertTrue(fixture.exists("cg/parent/b"), "the other container's cgroup")
        XCTAssertEqual(OwnedDirectories.recorded(in: ledger), [parent], "the recreated parent is still recorded")
        XCTAssertTrue(OwnedDirectories(alwaysOwned: [], ledger: ledger).contains(parent))

        // The other container goes: so does the parent, and the record of it.
        try tree.removeLeaf(parent + "/b", deadline: CgroupTree.retryDeadline())
        other.removeUnused(placement, tree: tree)
        XCTAssertFalse(fixture.exists("cg/parent"))
        XCTAssertEqual(OwnedDirectories.recorded(in: ledger), [])
    }

    /// Without a race the record and the directory go together.
    func testTheLastRemovalTakesTheParentAndItsRecord() throws {
        let ledger = fixture.path("ledger")
        let parent = fixture.path("cg/parent")
        fixture.mkdir("cg")
        let tree = CgroupTree(hooks: CgroupFixture.v1Hooks())
        let owned = OwnedDirectories(alwaysOwned: [], ledger: ledger)
        _ = try tree.makeDirectories([parent, parent + "/a"])
        owned.insert([parent])
        XCTAssertEqual(OwnedDirectories.recorded(in: ledger), [parent])
        try tree.removeLeaf(parent + "/a", deadline: CgroupTree.retryDeadline())
        owned.removeUnused(CgroupPlacement(anchor: fixture.path("cg"), chain: [parent]), tree: tree)
        XCTAssertFalse(fixture.exists("cg/parent"))
        XCTAssertEqual(OwnedDirectories.recorded(in: ledger), [])
    }
}
