import XCTest
@testable import BerthOS

final class UnitsCPUsTests: XCTestCase {
    func testFractionsBecomeQuotaOverTheDefaultPeriod() throws {
        XCTAssertEqual(try CPUs.parse("0.5"), CPUs.Quota(quota: 50_000, period: 100_000))
        XCTAssertEqual(try CPUs.parse("1.25"), CPUs.Quota(quota: 125_000, period: 100_000))
        XCTAssertEqual(try CPUs.parse("2"), CPUs.Quota(quota: 200_000, period: 100_000))
        XCTAssertEqual(try CPUs.parse("0.01").quota, 1000)
        XCTAssertEqual(try CPUs.parse("1024").quota, 102_400_000)
        XCTAssertEqual(try CPUs.parse("0.333").quota, 33_300)
        XCTAssertEqual(try CPUs.parse("1.5").cpus, 1.5)
    }

    func testRejectsOutOfRangeAndNonNumbers() {
        for bad in ["", "0", "0.0", "-1", "-0.5", "nan", "NaN", "inf", "1e2", "0.001", "1024.5", "2000", "one", "1,5"] {
            XCTAssertThrowsError(try CPUs.parse(bad), "'\(bad)' should be rejected") { error in
                guard case .invalidArgument(let message)? = error as? BerthError else {
                    return XCTFail("expected invalidArgument, got \(error)")
                }
                // A malformed number names the flag; a number out of range gets LimitRules' message.
                XCTAssertTrue(message.contains("--cpus") || message.hasPrefix("the number of CPUs"), message)
            }
        }
    }

    func testNumericEntryPointValidatesToo() {
        XCTAssertThrowsError(try CPUs.quota(for: .nan))
        XCTAssertThrowsError(try CPUs.quota(for: -1))
        XCTAssertEqual(try? CPUs.quota(for: 0.5).quota, 50_000)
    }
}
