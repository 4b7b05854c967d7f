import BerthOCI
import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The bundle's hooks that run after the command started: poststart after `start`, poststop at
/// `delete`, by berth-runc in its own namespaces with the container's state JSON on stdin, one
/// after another; a hook that exits non-zero or outlives its timeout fails. The four that run
/// before the command are the shim's (berth-shim/hooks.c, carried in the launch plan): only it is
/// at the points the spec gives them.
enum RuncHooks {
    static func run(_ hooks: [OCI.Hook]?, kind: String, state: RuncStateDocument) throws {
        guard let hooks, !hooks.isEmpty else { return }
        let input = try JSONEncoder().encode(state)
        for (i, hook) in hooks.enumerated() {
            try runOne(hook, input: [UInt8](input), name: "hooks.\(kind)[\(i)] \(hook.path.quoted)")
        }
    }

    private static func runOne(_ hook: OCI.Hook, input: [UInt8], name: String) throws {
        var fds: [Int32] = [0, 0]
        guard berth_pipe_cloexec(&fds) == 0 else { throw BerthError.errno("pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        // Its stdout is nobody's: berth-runc's own may be the container's log.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let argv = hook.args.flatMap { $0.isEmpty ? nil : $0 } ?? [hook.path]
        let rc = withCStringArray(argv) { cargv in
            withCStringArray(hook.env ?? []) { cenv in
                posix_spawn(&pid, hook.path, &actions, nil, UnsafeMutablePointer(mutating: cargv), UnsafeMutablePointer(mutating: cenv))
            }
        }
        close(fds[0])
        guard rc == 0 else {
            close(fds[1])
            throw BerthError.startFailed("\(name): cannot run it: \(String(cString: strerror(rc)))")
        }
        // A hook that does not read its stdin must not block us: SIGPIPE is ignored, EPIPE is fine.
        signal(SIGPIPE, SIG_IGN)
        _ = input.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        let pidfd = berth_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        if let timeout = hook.timeout, timeout > 0, pidfd >= 0 {
            var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            var left = Int64(timeout) * 1000
            let end = MonotonicClock.nanos() + UInt64(left) * 1_000_000
            while left > 0 {
                let n = poll(&p, 1, Int32(min(left, Int64(Int32.max))))
                if n > 0 { break }
                left = Int64(MonotonicClock.millisecondsUntil(end))
            }
            if p.revents == 0 {
                _ = kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw BerthError.startFailed("\(name): timed out after \(timeout) s")
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signaled = status & 0x7f
        if signaled != 0 { throw BerthError.startFailed("\(name): killed by signal \(signaled)") }
        let code = (status >> 8) & 0xff
        if code != 0 { throw BerthError.startFailed("\(name): exited with status \(code)") }
    }
}
