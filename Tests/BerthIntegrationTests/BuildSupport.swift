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

    /// `berth build --network none ARGS` in the background (its output discarded), returned once its
    /// RUN step's container runs, for the test to SIGKILL; killed by the teardown if it is not.
    func startBuildUntilItsStepRuns(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Process {
        let builder = Process()
        builder.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        builder.arguments = ["--root", cli.root, "--cgroup-parent", cli.cgroupParent, "build", "--network", "none"] + args
        builder.standardOutput = FileHandle.nullDevice
        builder.standardError = FileHandle.nullDevice
        try builder.run()
        let pid = builder.processIdentifier
        addTeardownBlock { kill(pid, SIGKILL); builder.waitUntilExit() }
        XCTAssertTrue(cli.eventually(timeout: 30) { !cli.run(["ps", "-q"]).stdout.isEmpty }, "the RUN step's container started",
                      file: file, line: line)
        return builder
    }

    /// Temporaries of the store: none may outlive a command.
    func leftovers() -> [String] {
        let root = Self.root.path
        return ((try? FileManager.default.contentsOfDirectory(atPath: root + "/layers")) ?? []).filter { $0.hasPrefix(".") }
            + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/tmp")) ?? [])
            + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/build-cache")) ?? []).filter { $0.hasSuffix(".tmp") }
    }
}
