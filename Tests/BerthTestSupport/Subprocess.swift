// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn + poll + waitpid. Foundation's Process polls for exit in 50 ms steps and, here,
/// sometimes never noticed a child that exited after forking a daemon (tmux): tests hung.
public enum Subprocess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var both: String { stdout + stderr }
    }

    /// Runs `path` to completion. With `throughFiles`, stdout and stderr go to temporary files
    /// read after the exit instead of pipes: a program that leaves a daemon behind holding its
    /// output (`berth run -d`'s supervisor, a tmux server) cannot keep the call waiting for EOF.
    public static func run(_ path: String, _ args: [String], stdin: String? = nil, capture: Bool = true,
                           throughFiles: Bool = false, timeout requested: Double = 60) -> Result {
        TestSafety.outboundOff()
        let timeout = requested * timeoutScale
        if throughFiles { return runThroughFiles(path, args, timeout: timeout) }
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPipe: [Int32] = [-1, -1]
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        if capture {
            guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { return Result(status: -1, stdout: "", stderr: "pipe failed") }
            posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&fa, errPipe[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
        }
        if stdin != nil {
            guard pipe(&inPipe) == 0 else { return Result(status: -1, stdout: "", stderr: "pipe failed") }
            posix_spawn_file_actions_adddup2(&fa, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        }
        for fd in outPipe + errPipe + inPipe where fd > 2 { posix_spawn_file_actions_addclose(&fa, fd) }
        var pid: pid_t = 0
        let argv = [path] + args
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let rc = posix_spawn(&pid, path, &fa, nil, &cargs, environ)
        for fd in [outPipe[1], errPipe[1], inPipe[0]] where fd >= 0 { close(fd) }
        guard rc == 0 else {
            for fd in [outPipe[0], errPipe[0], inPipe[1]] where fd >= 0 { close(fd) }
            return Result(status: -1, stdout: "", stderr: "spawn \(path): \(String(cString: strerror(rc)))")
        }
        if let stdin, inPipe[1] >= 0 {
            _ = stdin.utf8CString.withUnsafeBufferPointer { write(inPipe[1], $0.baseAddress, $0.count - 1) }
            close(inPipe[1])
        }
        var out = [UInt8](), err = [UInt8]()
        var open = capture ? [outPipe[0], errPipe[0]] : []
        let deadline = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 65536)
        var timedOut = false
        while !open.isEmpty {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { kill(pid, SIGKILL); timedOut = true; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), Int32(min(left, 1) * 1000)) <= 0 { continue }
            for f in fds where f.revents != 0 {
                let n = read(f.fd, &buf, buf.count)
                if n > 0 {
                    if f.fd == outPipe[0] { out += buf[0..<n] } else { err += buf[0..<n] }
                } else {
                    close(f.fd)
                    open.removeAll { $0 == f.fd }
                }
            }
        }
        for fd in open { close(fd) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Result(status: exitCode(status), stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self) + (timedOut ? "\n(killed after \(timeout) s)" : ""))
    }

    /// `BERTH_TEST_TIMEOUT_SCALE` multiplies every timeout: the cgroup v2 lane's guest sets it, since
    /// under software emulation each command takes seconds, and a loaded host many more.
    static let timeoutScale: Double = {
        guard let v = ProcessInfo.processInfo.environment["BERTH_TEST_TIMEOUT_SCALE"], let d = Double(v), d >= 1 else { return 1 }
        return d
    }()

    private static func runThroughFiles(_ path: String, _ args: [String], timeout: Double) -> Result {
        let base = NSTemporaryDirectory() + "berth-subprocess-\(getpid())-\(UUID().uuidString)"
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fa, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let closeFrom = addCloseFrom { _ = closeFrom(&fa, 3) }
        var cargs: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &fa, nil, &cargs, environ)
        guard rc == 0 else { return Result(status: -1, stdout: "", stderr: "spawn \(path): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if !timedOut && Date() > deadline { kill(pid, SIGKILL); timedOut = true }
            usleep(2_000)
        }
        let read = { (file: String) in (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }
        return Result(status: exitCode(status), stdout: read(outPath),
                      stderr: read(errPath) + (timedOut ? "\n(killed after \(timeout) s)" : ""))
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not import: the child gets no descriptor of the test process beyond 0–2.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// The shell's convention: the exit status, or 128 + the signal (WIFEXITED/WEXITSTATUS are
    /// macros Swift does not import).
    private static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
#endif
