import XCTest
@testable import BerthOS
@testable import BerthRuntime

final class UnitsContainerNameTests: XCTestCase {
    func testValidNames() throws {
        XCTAssertEqual(try ContainerName.validate("web"), "web")
        XCTAssertEqual(try ContainerName.validate("web-1"), "web-1")
        XCTAssertEqual(try ContainerName.validate("my_app.v2"), "my_app.v2")
        XCTAssertEqual(try ContainerName.validate("/db"), "db")
        XCTAssertEqual(try ContainerName.validate("9lives"), "9lives")
        XCTAssertEqual(try ContainerName.validate(String(repeating: "a", count: 128)).count, 128)
    }

    func testInvalidNames() {
        for bad in ["", "a", "/", "-web", "_web", ".web", "web app", "web/1", "wéb", "web:1", "../x",
                    String(repeating: "a", count: 129)] {
            XCTAssertThrowsError(try ContainerName.validate(bad), "'\(bad)' should be rejected")
        }
        XCTAssertThrowsError(try ContainerName.validate("-x")) { error in
            XCTAssertEqual(error as? BerthError,
                           .invalidArgument("invalid container name '-x': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"))
        }
    }

    func testGeneratedNamesAreValidAndReadable() throws {
        var generator = NameSplitMix64(seed: 42)
        for _ in 0..<200 {
            let name = ContainerName.generate(using: &generator)
            XCTAssertEqual(try ContainerName.validate(name), name)
            let parts = name.split(separator: "_").map(String.init)
            XCTAssertEqual(parts.count, 2, name)
            XCTAssertTrue(ContainerName.adjectives.contains(parts[0]), name)
            XCTAssertTrue(ContainerName.nouns.contains(parts[1]), name)
        }
    }

    func testGenerationAvoidsTakenNames() throws {
        let all = Set(ContainerName.adjectives.flatMap { a in ContainerName.nouns.map { "\(a)_\($0)" } })
        var generator = NameSplitMix64(seed: 7)
        let name = ContainerName.generate(avoiding: all, using: &generator)
        XCTAssertFalse(all.contains(name))
        XCTAssertEqual(try ContainerName.validate(name), name)
    }

    func testWordListsHaveNoDuplicates() {
        XCTAssertEqual(Set(ContainerName.adjectives).count, ContainerName.adjectives.count)
        XCTAssertEqual(Set(ContainerName.nouns).count, ContainerName.nouns.count)
    }
}

/// SplitMix64: deterministic, so a failure names the exact sequence that produced it.
private struct NameSplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
