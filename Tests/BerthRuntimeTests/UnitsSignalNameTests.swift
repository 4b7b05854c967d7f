import XCTest
@testable import BerthRuntime

final class UnitsSignalNameTests: XCTestCase {
    func testNamesInAnySpelling() throws {
        XCTAssertEqual(try SignalName.parse("KILL"), 9)
        XCTAssertEqual(try SignalName.parse("SIGKILL"), 9)
        XCTAssertEqual(try SignalName.parse("sigkill"), 9)
        XCTAssertEqual(try SignalName.parse("term"), 15)
        XCTAssertEqual(try SignalName.parse("HUP"), 1)
        XCTAssertEqual(try SignalName.parse("INT"), 2)
        XCTAssertEqual(try SignalName.parse("QUIT"), 3)
        XCTAssertEqual(try SignalName.parse("USR1"), 10)
        XCTAssertEqual(try SignalName.parse("USR2"), 12)
        XCTAssertEqual(try SignalName.parse("STOP"), 19)
        XCTAssertEqual(try SignalName.parse("CONT"), 18)
        XCTAssertEqual(try SignalName.parse("WINCH"), 28)
        XCTAssertEqual(try SignalName.parse("SIGIOT"), 6)
        XCTAssertEqual(try SignalName.parse("CLD"), 17)
        XCTAssertEqual(try SignalName.parse("SYS"), 31)
    }

    func testNumbersAndRealtimeSignals() throws {
        XCTAssertEqual(try SignalName.parse("9"), 9)
        XCTAssertEqual(try SignalName.parse("64"), 64)
        XCTAssertEqual(try SignalName.parse("RTMIN"), 34)
        XCTAssertEqual(try SignalName.parse("SIGRTMIN+3"), 37)
        XCTAssertEqual(try SignalName.parse("RTMAX"), 64)
        XCTAssertEqual(try SignalName.parse("rtmax-1"), 63)
    }

    func testRejectsUnknownAndOutOfRange() {
        for bad in ["", "0", "65", "-9", "SIG", "KILLL", "SIGFOO", "RTMIN+31", "RTMIN-1", "RTMAX+1", "RTMIN+", "9a"] {
            XCTAssertThrowsError(try SignalName.parse(bad), "'\(bad)' should be rejected")
        }
    }

    func testNumberToName() {
        XCTAssertEqual(SignalName.name(of: 9), "SIGKILL")
        XCTAssertEqual(SignalName.name(of: 6), "SIGABRT")
        XCTAssertEqual(SignalName.name(of: 17), "SIGCHLD")
        XCTAssertEqual(SignalName.name(of: 34), "SIGRTMIN")
        XCTAssertEqual(SignalName.name(of: 36), "SIGRTMIN+2")
        XCTAssertEqual(SignalName.name(of: 64), "SIGRTMAX")
        XCTAssertNil(SignalName.name(of: 0))
        XCTAssertNil(SignalName.name(of: 32))
        XCTAssertNil(SignalName.name(of: 65))
    }

    func testNameAndNumberRoundTrip() throws {
        for number in Int32(1)...64 {
            guard let name = SignalName.name(of: number) else { continue }
            XCTAssertEqual(try SignalName.parse(name), number, name)
        }
    }
}
