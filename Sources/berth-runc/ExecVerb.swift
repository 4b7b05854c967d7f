import BerthOCI
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `exec [--process FILE | ARGS…] ID`: the shim's exec path (setns with a pidfd, a fork into the
/// pid namespace) run in berth-runc's place, so its exit code is the command's.
enum ExecVerb {
    static func exec(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "exec",
                          valued: ["process", "p", "console-socket", "pid-file", "cwd", "env", "e", "user", "u",
                                   "additional-gids", "g", "cap", "c", "process-label", "apparmor", "preserve-fds", "cgroup"],
                          boolean: ["tty", "t", "detach", "d", "no-new-privs", "ignore-paused"],
                          stopAtFirstPositional: true)
        let id = try f.id("exec")
        // Before anything here opens a file: a gap among the descriptors to hand on gets
        // /dev/null, so nothing of berth-runc's can take that number and reach the container.
        let preserve = try Lifecycle.preservedFDs(f)
        for fd in Int32(3)..<Int32(3 + preserve) where fcntl(fd, F_GETFD) < 0 {
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            if null >= 0 && null != fd {
                dup2(null, fd)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                close(null)
            }
        }
        let runtime = g.runtime()
        var process: OCI.Process
        if let file = f.value("process") ?? f.value("p") {
            guard let data = FileIO.read(file) else { throw BerthError.invalidArgument("exec: cannot read --process \(file.quoted)") }
            do { process = try JSONDecoder().decode(OCI.Process.self, from: Data(data)) } catch let e as DecodingError {
                throw BerthError.invalidArgument("exec: --process \(file.quoted): " + RuncBundle.describe(e))
            }
        } else {
            process = try runtime.containerProcess(id)
            guard f.positional.count > 1 else { throw BerthError.invalidArgument("exec: give the command after the container id, or --process") }
            process.args = Array(f.positional.dropFirst())
            process.terminal = f.has("tty") || f.has("t")
        }
        if let cwd = f.value("cwd") { process.cwd = cwd }
        process.env = (process.env ?? []) + f.all("env") + f.all("e")
        if let user = f.value("user") ?? f.value("u") {
            let parts = user.split(separator: ":", maxSplits: 1)
            guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                throw BerthError.invalidArgument("exec: --user \(user.quoted): UID[:GID] as numbers")
            }
            process.user.uid = uid
            process.user.gid = parts.count > 1 ? UInt32(parts[1])! : 0
        }
        let gids = try (f.all("additional-gids") + f.all("g")).map { g throws(BerthError) -> UInt32 in
            guard let n = UInt32(g) else { throw .invalidArgument("exec: --additional-gids \(g.quoted): a number") }
            return n
        }
        if !gids.isEmpty { process.user.additionalGids = gids }
        let extra = f.all("cap") + f.all("c")
        if !extra.isEmpty {
            var caps = process.capabilities ?? OCI.Capabilities()
            caps.bounding = (caps.bounding ?? []) + extra
            process.capabilities = caps
        }
        if f.has("no-new-privs") { process.noNewPrivileges = true }
        let argv = try runtime.execArguments(id: id, options: .init(
            process: process, consoleSocket: f.value("console-socket"), pidFile: f.value("pid-file"),
            detach: f.has("detach") || f.has("d"), preserveFDs: preserve))
        // The shim runs in this process's place: the caller's descriptors to hand on must survive
        // the exec (the shim closes every other one).
        for fd in Int32(3)..<Int32(3 + preserve) where fcntl(fd, F_GETFD) >= 0 { _ = fcntl(fd, F_SETFD, 0) }
        _ = withCStringArray(argv) { execv(argv[0], $0) }
        throw BerthError.errno("exec", argv[0])
    }
}
