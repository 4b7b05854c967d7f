import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The whole supervisor, not only its plan reader, built with AddressSanitizer and UBSan and used
/// for real containers through `BERTH_SHIM`: run, exit codes, restart policy, logs, exec, a
/// published port, stop. The shipped shim is static, which the sanitizers cannot be; this copy is
/// dynamic and otherwise built from the same sources.
///
/// A report from the supervisor (which never leaves the host's filesystem) lands in the report
/// directory and fails the test; one from the container's init before `execve` (after
/// `pivot_root`, so its report file would be written inside the container) shows as the
/// sanitizer's exit code 99 and a missing output, which the assertions catch.
final class ShimSanitizerTests: ContainerTestCase {
    override class var rootLabel: String { "asan" }

    private var scratch = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        scratch = "/var/tmp/berth-test-asan-shim-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch + "/reports", withIntermediateDirectories: true)
    }

    override func tearDown() {
        unsetenv("BERTH_SHIM")
        unsetenv("ASAN_OPTIONS")
        unsetenv("UBSAN_OPTIONS")
        for name in ["asan-web", "asan-restart", "asan-sleeper", "asan-patient"] { cli.run(["rm", "-f", name]) }
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    private func buildSanitizedShim() throws -> String {
        guard let clang = ShimPlanReaderTests.clang else {
            try Prerequisite.unmet("clang is missing (the Swift toolchain ships it at /opt/swift/usr/bin/clang)")
        }
        let dir = ShimPlanReaderTests.repo + "/Sources/berth-shim"
        let sources = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".c") }.sorted().map { dir + "/" + $0 }
        let output = scratch + "/berth-shim"
        let r = Subprocess.run(clang, ["-std=gnu11", "-D_GNU_SOURCE", "-g", "-O1", "-fuse-ld=lld",
                                       "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                                       "-fno-omit-frame-pointer", "-I", dir] + sources + ["-o", output], timeout: 300)
        XCTAssertEqual(r.status, 0, "compiling the shim with the sanitizers: \(r.stderr)")
        return output
    }

    private var reports: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratch + "/reports")) ?? []).sorted()
    }

    private func reportText() -> String {
        reports.map { name in
            "\(name):\n" + ((try? String(contentsOfFile: scratch + "/reports/" + name, encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
    }

    func testContainersRunCleanlyUnderTheSanitizedSupervisor() throws {
        let shim = try buildSanitizedShim()
        // Leak checking needs ptrace-like stopping of every thread, which a PID-namespace init and a
        // daemonised supervisor do not allow; memory errors and undefined behaviour are the point.
        setenv("ASAN_OPTIONS", "log_path=\(scratch)/reports/asan:exitcode=99:detect_leaks=0:abort_on_error=0", 1)
        setenv("UBSAN_OPTIONS", "log_path=\(scratch)/reports/ubsan:print_stacktrace=1:halt_on_error=1", 1)
        setenv("BERTH_SHIM", shim, 1)

        let hello = cli.run(["run", "--rm", "busybox", "sh", "-c", "echo hello; echo oops >&2; exit 3"])
        XCTAssertEqual(hello.status, 3, hello.stderr)
        XCTAssertEqual(hello.stdout, "hello\n")
        XCTAssertEqual(hello.stderr, "oops\n")

        XCTAssertEqual(cli.run(["run", "-d", "--name", "asan-restart", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo try; exit 4"]).status, 0)
        let restarted = cli.eventually(timeout: 30) {
            let c = (try? cli.inspect("asan-restart")) ?? [:]
            return (c["State"] as? [String: Any])?["Status"] as? String == "exited" && c["RestartCount"] as? Int == 2
        }
        XCTAssertTrue(restarted, "\((try? cli.inspect("asan-restart")) ?? [:])")
        XCTAssertEqual(cli.run(["logs", "asan-restart"]).stdout, "try\ntry\ntry\n")

        let port = 20000 + Int((getpid() + 7) % 20000)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "asan-web", "-p", "127.0.0.1:\(port):80", "busybox", "sh", "-c",
                                "echo through-the-proxy > /var/www/index.html; exec httpd -f -p 80 -h /var/www"]).status, 0)
        var body = ""
        let answered = cli.eventually(timeout: 10) {
            body = Subprocess.run("/bin/busybox", ["timeout", "3", "busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:\(port)/"]).stdout
            return body == "through-the-proxy\n"
        }
        XCTAssertTrue(answered, "got '\(body)'")

        let exec = cli.run(["exec", "-w", "/var/www", "-e", "X=1", "asan-web", "sh", "-c", "pwd; echo $X; cat index.html"])
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout, "/var/www\n1\nthrough-the-proxy\n")

        XCTAssertEqual(cli.run(["run", "-d", "--name", "asan-sleeper", "busybox", "sh", "-c", "trap '' TERM; sleep 60"]).status, 0)
        let stop = cli.run(["stop", "-t", "1", "asan-sleeper", "asan-web"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertEqual(try cli.state("asan-sleeper")["ExitCode"] as? Int, 137, "killed after the grace period")

        // A grace period too long for nanoseconds in an Int64 (UBSan's signed overflow before the
        // supervisor clamped it): the container, which exits on SIGTERM, stops at once.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "asan-patient", "--network", "none", "busybox", "sh", "-c",
                                "trap 'exit 0' TERM; echo ready; sleep 600 & wait"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 10) { self.cli.run(["logs", "asan-patient"]).stdout == "ready\n" })
        let patient = cli.run(["stop", "-t", "99999999999", "asan-patient"])
        XCTAssertEqual(patient.status, 0, patient.stderr)
        XCTAssertEqual(try cli.state("asan-patient")["ExitCode"] as? Int, 0)

        XCTAssertEqual(cli.run(["rm", "-f", "asan-web", "asan-restart", "asan-sleeper", "asan-patient"]).status, 0)
        XCTAssertEqual(reports, [], reportText())
    }
}
