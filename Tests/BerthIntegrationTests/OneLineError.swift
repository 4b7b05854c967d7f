import XCTest

extension XCTestCase {
    /// A refusal as Berth gives it: `status`, and one stderr line `berth: …` containing `fragment`.
    func assertOneLine(_ r: BerthCLI.Result, status: Int32, saying fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("berth: ") && r.stderr.contains(fragment), "\(r.stderr) does not say \(fragment)", file: file, line: line)
    }
}
