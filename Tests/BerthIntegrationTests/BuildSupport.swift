import Foundation
import XCTest
import BerthTestSupport

/// What the build suites share: context directories, `berth build` without a network, and the
/// store's temporaries that no command may leave behind.
extension ContainerTestCase {
    /// A fresh context directory with `files` (path → content), removed after the test.
    func context(_ files: [String: String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let dir = Self.root.path + "/ctx-" + UUID().uuidString.prefix(8)
        for (path, content) in files {
            let full = dir + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: false, encoding: .utf8)
        }
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func build(_ args: [String], timeout: Double = 120) -> BerthCLI.Result {
        cli.run(["build", "--network", "none"] + args, timeout: timeout)
    }

    /// Temporaries of the store: none may outlive a command.
    func leftovers() -> [String] {
        let root = Self.root.path
        return ((try? FileManager.default.contentsOfDirectory(atPath: root + "/layers")) ?? []).filter { $0.hasPrefix(".") }
            + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/tmp")) ?? [])
            + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/build-cache")) ?? []).filter { $0.hasSuffix(".tmp") }
    }
}
