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
    /// A `berth run` SIGKILLed right after it made a parent must leave that parent recorded (the CI
    /// failure: a pids parent nobody removed). Every parent is in the ledger at the instant of its mkdir.
    func testAParentIsRecordedBeforeItIsMade() throws {
        let ledger = fixture.path("ledger")
        let outer = fixture.path("cg/outer"), inner = fixture.path("cg/outer/inner")
        fixture.mkdir("cg")
        let base = CgroupFixture.v1Hooks()
        var hooks = base
        let seen = Mutex<[String: [String]]>([:])
        hooks.afterMkdir = { dir in
            base.afterMkdir(dir)
            let recorded = OwnedDirectories.recorded(in: ledger)
            seen.withLock { $0[dir] = recorded }
        }
        let owned = OwnedDirectories(alwaysOwned: [], ledger: ledger)
        let made = try owned.make(chain: [outer, inner], leaf: inner + "/c", tree: CgroupTree(hooks: hooks))
        XCTAssertEqual(made, [outer, inner, inner + "/c"])
        let atMkdir = seen.withLock { $0 }
        XCTAssertEqual(atMkdir[outer].map(Set.init), [outer, inner], "recorded when the outer parent was made")
        XCTAssertEqual(atMkdir[inner].map(Set.init), [outer, inner], "recorded when the inner parent was made")
        XCTAssertEqual(Set(OwnedDirectories.recorded(in: ledger)), [outer, inner], "the leaf is not a shared parent")
    }

    /// A make that fails (here: the leaf cannot be made) forgets the parents it recorded and did not
    /// leave behind, and keeps the record of one that already existed and is still there.
    func testAFailedMakeForgetsWhatItDidNotLeave() throws {
        let ledger = fixture.path("ledger")
        let outer = fixture.path("cg/outer"), inner = fixture.path("cg/outer/inner")
        fixture.mkdir("cg")
        let tree = CgroupTree(hooks: CgroupFixture.v1Hooks())
        let owned = OwnedDirectories(alwaysOwned: [], ledger: ledger)
        _ = try owned.make(chain: [outer], leaf: outer + "/a", tree: tree)
        // A file at the inner parent's path makes the mkdir below it fail (ENOTDIR).
        XCTAssertTrue(FileManager.default.createFile(atPath: inner, contents: nil))
        XCTAssertThrowsError(try owned.make(chain: [outer, inner + "/x"], leaf: inner + "/x/b", tree: tree))
        XCTAssertEqual(OwnedDirectories.recorded(in: ledger), [outer], "the outer parent still exists and stays recorded")
    }
}
