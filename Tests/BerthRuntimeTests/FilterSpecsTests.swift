import XCTest
@testable import BerthRuntime

/// docker's `--filter` grammar, one parser for `ps` and `events`: the first problem in the order
/// given is the one reported, with the verb's own wording.
final class FilterSpecsTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    func testErrorsNameTheFirstProblemInTheVerbsWords() {
        XCTAssertEqual(message { _ = try ContainerListFilter(["status=bogus", "colour=red"]) },
                       "invalid filter 'status=bogus': one of created, restarting, running, paused, exited, dead")
        XCTAssertEqual(message { _ = try ContainerListFilter(["colour=red", "status=bogus"]) },
                       "invalid filter 'colour': ps filters by id, name, label, status, ancestor, network, health")
        XCTAssertEqual(message { _ = try EventFilter(["colour=red"]) },
                       "invalid filter 'colour': events filter by container, event, label, type")
        for bad in ["=x", "nokey"] {
            XCTAssertEqual(message { _ = try EventFilter([bad]) }, "bad format of filter '\(bad)': expected KEY=VALUE")
            XCTAssertEqual(message { _ = try ContainerListFilter([bad]) }, "bad format of filter '\(bad)': expected KEY=VALUE")
        }
        XCTAssertEqual(message { _ = try ContainerListFilter(["status=paused", "label=a=b", "name=x"]) }, "")
    }

    func testLabelMatchesAKeyOrAKeyAndItsValue() {
        let labels = ["tier": "web", "empty": ""]
        XCTAssertTrue(FilterSpecs.label("tier", in: labels))
        XCTAssertTrue(FilterSpecs.label("tier=web", in: labels))
        XCTAssertFalse(FilterSpecs.label("tier=db", in: labels))
        XCTAssertTrue(FilterSpecs.label("empty=", in: labels))
        XCTAssertFalse(FilterSpecs.label("missing", in: labels))
    }
}
