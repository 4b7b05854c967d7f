import Foundation
// `swift build -c release --static-swift-stdlib` (the README's main command) builds every target,
// this one too, and the static SDK has no XCTest: without it the prerequisites are simply absent.
#if canImport(XCTest)
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What a test needs from the host (root, a tool on PATH, a cgroup layout). Locally a missing
/// prerequisite skips the test and prints why; under CI (`CI` set) it fails the test with the
/// reason, so a CI run never goes green with coverage silently gone.
public enum Prerequisite {
    /// A prerequisite that is not met, thrown under CI: XCTest records it as a failure.
    public struct Missing: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "missing prerequisite under CI: \(reason)" }
    }

    public static var isCI: Bool { !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }

    /// Throws the skip (locally) or the failure (CI) for `reason`.
    public static func unmet(_ reason: String, file: StaticString = #filePath, line: UInt = #line) throws -> Never {
        if isCI {
            XCTFail("missing prerequisite under CI: \(reason)", file: file, line: line)
            throw Missing(reason: reason)
        }
        print("skipped: \(reason)")
        throw XCTSkip(reason, file: file, line: line)
    }

    /// `condition` or `unmet(reason)`.
    public static func require(_ condition: @autoclosure () -> Bool, _ reason: @autoclosure () -> String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        if !condition() { try unmet(reason(), file: file, line: line) }
    }

    public static func requireRoot(_ why: String = "running containers needs root", file: StaticString = #filePath, line: UInt = #line) throws {
        try require(getuid() == 0, "\(why) (uid is \(getuid()))", file: file, line: line)
    }

    /// The path of `name` found on PATH, or `unmet("NAME is not on PATH")`.
    @discardableResult
    public static func requireTool(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let path = find(name) else {
            try unmet("\(name) is not on PATH (\(ProcessInfo.processInfo.environment["PATH"] ?? "unset")); install it (see docs/testing.md)",
                      file: file, line: line)
        }
        return path
    }

    /// The first executable `name` in PATH's directories, nil when none.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
#endif
