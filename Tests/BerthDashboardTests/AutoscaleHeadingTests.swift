import BerthRuntime
@testable import BerthDashboard
import XCTest

/// An autoscaled service in the dashboard: its heading shows the range and the targets beside
/// the replicas' use, and `+`/`-` move the range (the controller owns the count), saying so.
final class AutoscaleHeadingTests: XCTestCase {
    func model() throws -> DashboardModel {
        var m = Fixtures.model(samples: 3, available: ActionAvailability(scale: true))
        var s = Fixtures.snapshot(Fixtures.standard, k: 4)
        s.autoscale["web"] = AutoscalePolicy(min: 2, max: 6, cpuTarget: 60)
        _ = m.update(.snapshot(s))
        return m
    }

    func testTheHeadingShowsTheRangeAndTheTargets() throws {
        let m = try model()
        let screen = Golden.render(m).text()
        let heading = try XCTUnwrap(screen.split(separator: "\n").first { $0.contains("web  3/3 running") }.map(String.init), screen)
        XCTAssertNotNil(heading.range(of: #"auto 2\.\.6 · cpu [0-9.]+%/60%"#, options: .regularExpression), heading)
        XCTAssertFalse(screen.contains("auto") && screen.split(separator: "\n").contains { $0.contains("db") && $0.contains("auto") }, "only web is autoscaled")
    }

    func testPlusAndMinusMoveTheRange() throws {
        var m = try model()
        m.press(.char("g"))
        XCTAssertEqual(m.selectedService, "web")
        XCTAssertEqual(m.press(.char("+")), [.perform(.autoscaleRange(service: "web", min: 3, max: 7))])
        XCTAssertEqual(m.status?.text, "web is autoscaled: its range moves from 2..6 to 3..7…")
        _ = m.update(.actionFinished(ActionOutcome(action: .autoscaleRange(service: "web", min: 3, max: 7), seconds: 0.1, error: nil)))
        XCTAssertEqual(m.status?.text.hasPrefix("web now autoscales within 3..7"), true, m.status?.text ?? "")
        // On a replica too; at min 1 the range cannot go lower.
        var s = Fixtures.snapshot(Fixtures.standard, k: 5)
        s.autoscale["web"] = AutoscalePolicy(min: 1, max: 2, cpuTarget: 60)
        _ = m.update(.snapshot(s))
        m.press(.char("j"))
        XCTAssertEqual(m.selected?.info.service, "web")
        XCTAssertEqual(m.press(.char("-")), [])
        XCTAssertEqual(m.status?.kind, .error)
        XCTAssertTrue(m.status?.text.contains("cannot go lower") ?? false, m.status?.text ?? "")
        // A service that is not autoscaled still scales by count.
        var plain = Fixtures.model(samples: 3, available: ActionAvailability(scale: true))
        plain.press(.char("g"))
        XCTAssertEqual(plain.press(.char("+")), [.perform(.scale(service: "web", replicas: 4))])
    }
}
