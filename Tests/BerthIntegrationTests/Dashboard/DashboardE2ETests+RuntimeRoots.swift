import BerthRuntime
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth top --runc-root`: a berth-runc container (the runc CLI containerd drives) shows in the
/// real dashboard beside Berth's own, with its memory, and `s` on it is refused, not done.
extension DashboardE2ETests {
    func testRuntimeRootContainerIsShownAndNotStopped() throws {
        try Prerequisite.require(access("/bin/busybox", X_OK) == 0, "busybox-static is not installed")
        let dir = berth.root + "-runc"
        let runcBinary = String(E2EBerth.binary[..<E2EBerth.binary.lastIndex(of: "/")!]) + "/berth-runc"
        let stateRoot = dir + "/state", bundle = dir + "/bundle", out = dir + "/out"
        func runc(_ args: [String]) -> Subprocess.Result { Subprocess.run(runcBinary, ["--root", stateRoot] + args) }
        defer {
            _ = runc(["delete", "--force", "rr-e2e"])
            try? FileManager.default.removeItem(atPath: dir)
        }
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        _ = try BusyboxRootfs.build(at: bundle + "/rootfs")
        XCTAssertEqual(runc(["spec", "--bundle", bundle]).status, 0)
        let configPath = bundle + "/config.json"
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any])
        var process = try XCTUnwrap(config["process"] as? [String: Any])
        process["terminal"] = false
        process["args"] = ["sleep", "1000"]
        config["process"] = process
        var linux = try XCTUnwrap(config["linux"] as? [String: Any])
        linux["cgroupsPath"] = berth.cgroupParent + "-runc/rr-e2e"
        config["linux"] = linux
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        // The init keeps the caller's stdio: a file, not a pipe.
        let started = Subprocess.run("/bin/sh", ["-c", "'\(runcBinary)' --root '\(stateRoot)' run -d --bundle '\(bundle)' rr-e2e >'\(out)' 2>&1 </dev/null"])
        XCTAssertEqual(started.status, 0, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")

        try openDashboard(extra: "--runc-root \(quote(stateRoot))")
        let screen = try XCTUnwrap(waitFor("the berth-runc container's row, with memory") { s in
            (E2ERow("rr-e2e", in: s)?.memory?.used ?? 0) > 0
        })
        XCTAssertTrue(try XCTUnwrap(E2ERow("rr-e2e", in: screen)).line.contains("berth-runc"),
                      "the image column names the runtime and root: \(screen)")
        tmux.keys("s")
        XCTAssertNotNil(waitFor("the refusal") { $0.contains("belongs to the runtime root") })
        let state = runc(["state", "rr-e2e"])
        XCTAssertTrue(state.stdout.contains("\"running\""), "the container was not stopped: \(state.stdout)")
    }
}
