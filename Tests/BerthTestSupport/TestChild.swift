// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import BerthOS
import Glibc

/// A child process a test started, so that a test only ever kills what it spawned.
public struct TestChild {
    public let pid: pid_t

    public static func spawn(_ arguments: [String]) throws -> TestChild {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
        guard rc == 0 else { throw BerthError.system(operation: "posix_spawn", path: arguments[0], errno: rc) }
        return TestChild(pid: pid)
    }

    public func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}
#endif
