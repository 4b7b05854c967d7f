import Foundation
import XCTest
import BerthTestSupport

/// Runs after every other class of the target (XCTest runs classes in name order): fails on
/// anything this test process's roots left on the host. The per-test checks name the test that
/// leaked; this catches what a class set-up or tear-down leaked, or the class tear-downs'
/// removal of bridges and roots (where XCTest drops assertions).
final class ZZZHostLeakFinalTests: XCTestCase {
    func testNothingOfThisRunIsLeftOnTheHost() throws {
        try Prerequisite.requireRoot("the host checks read cgroups and interfaces as root")
        let left = HostLeaks.finalLeftoversOnceSettled()
        XCTAssertEqual(left, [], "left on the host by this run:\n  " + left.joined(separator: "\n  "))
    }
}
