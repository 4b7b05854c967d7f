import Foundation
import XCTest

/// The real `berth` binary in tmux against a real test root. Skipped when the binary, tmux, or the
/// ability to run containers (root) is missing.
final class DashboardE2ETests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    var berth: String { Self.repo.appendingPathComponent(".build/debug/berth").path }
    var root = ""
    let session = "berth-e2e-\(getpid())"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: berth) else { throw XCTSkip("no berth binary at \(berth)") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
        guard getuid() == 0 else { throw XCTSkip("running containers needs root") }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-e2e-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        _ = try? sh("/usr/bin/tmux", "kill-session", "-t", session)
        if !root.isEmpty {
            _ = try? sh(berth, "--root", root, "rm", "-f", "e2e-web", "e2e-log")
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    @discardableResult
    func sh(_ args: String...) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func screen() throws -> String { try sh("/usr/bin/tmux", "capture-pane", "-t", session, "-p") }

    func keys(_ k: String...) throws { _ = try sh(["/usr/bin/tmux", "send-keys", "-t", session] + k) }

    func sh(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Polls the screen until `predicate` holds or `timeout` passes.
    func waitFor(_ what: String, timeout: Double = 10, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(last)")
        return last
    }

    func image() throws -> String {
        guard let img = ProcessInfo.processInfo.environment["BERTH_E2E_IMAGE"] else {
            throw XCTSkip("set BERTH_E2E_IMAGE to an image (or rootfs tarball) with /bin/sh to run the dashboard e2e test")
        }
        return img
    }

    func testDashboardAgainstRealContainers() throws {
        let img = try image()
        try sh(berth, "--root", root, "run", "-d", "--name", "e2e-web", img, "sh", "-c", "while true; do :; done")
        try sh(berth, "--root", root, "run", "-d", "--name", "e2e-log", img, "sh", "-c", "sleep 4; echo hello-from-e2e; sleep 1000")
        _ = try sh("/usr/bin/tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                   "env LANG=C.UTF-8 TERM=xterm-256color \(berth) --root \(root) top")

        // Rows appear with live CPU.
        try waitFor("both rows with CPU figures") { s in
            s.contains("e2e-web") && s.contains("e2e-log") && s.range(of: #"e2e-web\s+\S*\s+[1-9][0-9.]*%"#, options: .regularExpression) != nil
        }

        // `/` filters.
        try keys("/", "e2e-log", "Enter")
        var s = try waitFor("the filter to hide e2e-web") { !$0.contains("e2e-web") && $0.contains("e2e-log") }
        XCTAssertTrue(s.contains("/e2e-log"))

        // The logs pane shows a line printed after the dashboard opened.
        try keys("3")
        try waitFor("the log line", timeout: 15) { $0.contains("hello-from-e2e") }

        // `s` stops the selected container, confirmed by `berth ps --json`.
        try keys("Escape", "1", "s")
        try waitFor("the stop to be reported", timeout: 20) { $0.contains("stopped e2e-log") }
        let ps = try sh(berth, "--root", root, "ps", "-a", "--json")
        let list = try JSONSerialization.jsonObject(with: Data(ps.utf8)) as? [[String: Any]] ?? []
        let log = list.first { ($0["name"] as? String) == "e2e-log" }
        XCTAssertNotNil(log, ps)
        XCTAssertFalse(String(describing: log?["state"] ?? "").contains("running"), ps)

        // Resize keeps it usable, and too small says so.
        _ = try sh("/usr/bin/tmux", "resize-window", "-t", session, "-x", "70", "-y", "20")
        try waitFor("the too-small message") { $0.contains("Terminal too small") }
        _ = try sh("/usr/bin/tmux", "resize-window", "-t", session, "-x", "80", "-y", "24")
        try waitFor("the compact layout") { $0.contains("Containers") && !$0.contains("Terminal too small") }

        // `q` quits and restores the terminal (the alternate screen is gone, the shell prompt is back).
        try keys("q")
        s = try waitFor("the dashboard to exit") { !$0.contains("Containers") }
        XCTAssertFalse(s.contains("╭"))
    }
}
