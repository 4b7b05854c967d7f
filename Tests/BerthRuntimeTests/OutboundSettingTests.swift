import BerthOS
import BerthRuntime
import Foundation
import BerthTestSupport
import XCTest

/// The outbound-off setting of a state root (`BERTH_OUTBOUND`, `settings.json`): the switch the
/// test suite and the demo rely on never to turn on forwarding or NAT on the real host.
final class OutboundSettingTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.path + "/berth-outbound-\(getpid())-\(UUID().uuidString.prefix(8))"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    func testOnByDefaultAsDocker() throws {
        XCTAssertTrue(try OutboundSetting.isEnabled(root: root, environment: [:]))
    }

    func testTheEnvironmentTurnsItOffAndOn() throws {
        for off in ["off", "OFF", "0", "false", "no"] {
            XCTAssertFalse(try OutboundSetting.isEnabled(root: root, environment: ["BERTH_OUTBOUND": off]), off)
        }
        try OutboundSetting.write(root: root, outbound: false)
        XCTAssertTrue(try OutboundSetting.isEnabled(root: root, environment: ["BERTH_OUTBOUND": "on"]), "the environment comes first")
    }

    func testTheRootsSettingTurnsItOff() throws {
        try OutboundSetting.write(root: root, outbound: false)
        XCTAssertFalse(try OutboundSetting.isEnabled(root: root, environment: [:]))
        XCTAssertEqual(FileIO.readString(OutboundSetting.settingsPath(root: root))?.contains("\"outbound\""), true)
        try OutboundSetting.write(root: root, outbound: true)
        XCTAssertTrue(try OutboundSetting.isEnabled(root: root, environment: [:]))
    }

    /// A typo or a broken file never reads as "on" (that would turn NAT on where it was refused).
    func testBadValuesAreErrorsNotOn() throws {
        XCTAssertThrowsError(try OutboundSetting.isEnabled(root: root, environment: ["BERTH_OUTBOUND": "of\u{1b}[2J"])) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("expected on or off"), text)
            XCTAssertFalse(text.contains("\u{1b}"), "control characters are escaped: \(text)")
        }
        try FileIO.mkdirs(root, mode: 0o700)
        try FileIO.writeAtomically(OutboundSetting.settingsPath(root: root), string: "{\"outbound\": \"maybe\"}")
        XCTAssertThrowsError(try OutboundSetting.isEnabled(root: root, environment: [:]))
    }

    /// The test process itself runs with it off: every berth a test starts inherits that.
    func testTheTestSuiteRunsWithOutboundOff() throws {
        _ = Subprocess.run("/bin/true", [])
        XCTAssertEqual(ProcessInfo.processInfo.environment["BERTH_OUTBOUND"].map { $0.lowercased() }, "off")
    }
}
