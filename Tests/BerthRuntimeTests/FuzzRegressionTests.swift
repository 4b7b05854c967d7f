@testable import BerthRuntime
import XCTest

/// Inputs the fuzzers (Tests/Fuzz; docs/testing.md, "Fuzzing") found that stopped the process
/// with a trap. Each is here as found (or cut down to the part that mattered), and must now be
/// refused or read like any other input.
final class FuzzRegressionTests: XCTestCase {
    /// fuzz-crilog: a year after 2262 overflowed the Int64 nanoseconds of a log record's timestamp.
    func testCRILogTimestampsPastInt64NanosecondsAreRefused() {
        XCTAssertNil(CRILog.parse("4052-11-29T10:00:02Z stdout F "))
        XCTAssertNil(Timestamp(rfc3339: "9999-12-31T23:59:59.999999999Z")?.unixNanoseconds)
        XCTAssertNil(Timestamp(rfc3339: "2262-04-11T23:47:16.854775808Z")?.unixNanoseconds)
        XCTAssertNil(Timestamp(rfc3339: "1677-09-20T00:00:00Z")?.unixNanoseconds)
        XCTAssertEqual(Timestamp(rfc3339: "2262-04-11T23:47:16.854775807Z")?.unixNanoseconds, Int64.max)
        XCTAssertEqual(Timestamp(rfc3339: "1677-09-22T00:00:00Z")?.unixNanoseconds, -9_223_286_400 * 1_000_000_000)
    }

    /// fuzz-compose: a grace period too long for an Int trapped converting the seconds.
    func testComposeGracePeriodsTooLongAreRefused() {
        let file = "services:\n  a:\n    image: busybox\n    stop_grace_period: 99999999999999999999h\n"
        XCTAssertThrowsError(try ComposeParser.parse(file, options: .init(environment: [:]))) {
            XCTAssertTrue("\($0)".contains("services.a.stop_grace_period: must be at most"), "\($0)")
        }
        let fits = try? ComposeParser.parse(file.replacingOccurrences(of: "99999999999999999999h", with: "596523h"), options: .init(environment: [:]))
        XCTAssertEqual(fits?.services.first?.stopTimeout, 596_523 * 3600)
    }

    /// fuzz-compose: a mapping merged twice (`<<: [*x, *x]`) named its services twice, and building
    /// the dependency table from them trapped on the duplicate key. The first merged mapping wins.
    func testComposeMergingAMappingTwiceNamesEachServiceOnce() throws {
        let file = """
            x-a: &a
              web: {image: busybox}
            x-b: &b
              web: {image: alpine}
            services:
              <<: [*a, *a, *b]
              db: {image: busybox, depends_on: [web, web]}
            """
        let project = try ComposeParser.parse(file, options: .init(environment: [:]))
        XCTAssertEqual(project.services.map(\.name), ["web", "db"])
        XCTAssertEqual(project.services.first?.template.image, "busybox")
    }
}
