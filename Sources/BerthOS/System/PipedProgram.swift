import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program on the host with bytes on its stdin and its stdout and stderr collected, within
/// a time limit: `posix_spawn` (no shell, nothing runs in a forked copy of this multithreaded
/// process), a socket pair for stdin (written with `MSG_NOSIGNAL`, so a program that exits without
/// reading cannot kill the caller with SIGPIPE), pipes for the output, each kept to `outputLimit`
/// bytes. For small helper programs (docker credential helpers), not for streams.
public struct PipedProgram {
    public struct Output: Sendable {
        /// The exit status, or nil when a signal ended the program (`signal` says which).
        public var status: Int32?
        public var signal: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    public enum Failure: Error, Sendable {
        /// posix_spawn failed (the program is not executable…): its errno.
        case spawn(Int32)
        /// The program was still running (or held its output open) at the deadline; it was killed.
        case timedOut
    }

    public var path: String
    public var arguments: [String]
    public var timeout: Double
    public var outputLimit = 64 << 10

    public init(path: String, arguments: [String], timeout: Double) {
        self.path = path
        self.arguments = arguments
        self.timeout = timeout
    }

    public func run(input: [UInt8]) throws -> Output {
        var stdinPair: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &stdinPair) == 0 else { throw Failure.spawn(errno) }
        defer { for fd in [stdinPair[0], stdinPair[1]] where fd >= 0 { close(fd) } }
        guard berth_pipe_cloexec(&outPipe) == 0 else { throw Failure.spawn(errno) }
        defer { for fd in outPipe where fd >= 0 { close(fd) } }
        guard berth_pipe_cloexec(&errPipe) == 0 else { throw Failure.spawn(errno) }
        defer { for fd in errPipe where fd >= 0 { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies: only 0, 1 and 2 reach the program.
        posix_spawn_file_actions_adddup2(&actions, stdinPair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var pid: pid_t = 0
        let argv = [path] + arguments
        let spawned: Int32 = withCStrings(argv) { cargv in
            posix_spawn(&pid, path, &actions, nil, cargv, environ)
        }
        guard spawned == 0 else { throw Failure.spawn(spawned) }
        close(stdinPair[1]); stdinPair[1] = -1
        close(outPipe[1]); outPipe[1] = -1
        close(errPipe[1]); errPipe[1] = -1

        let deadline = MonotonicClock.nanos() + UInt64(timeout * 1e9)
        var output = Output(status: nil, signal: 0, stdout: [], stderr: [])
        var pending = input[...]
        var writer = stdinPair[0]
        _ = fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) | O_NONBLOCK)
        if pending.isEmpty { shutdown(writer, Int32(SHUT_WR)) ; writer = -1 }
        var readers = [outPipe[0], errPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var timedOut = false
        while readers.contains(where: { $0 >= 0 }) {
            let now = MonotonicClock.nanos()
            guard now < deadline else { timedOut = true; break }
            var fds = readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0))
            let n = poll(&fds, nfds_t(fds.count), Int32(min((deadline - now) / 1_000_000 + 1, 1000)))
            if n < 0 && errno != EINTR { break }
            if writer >= 0 && fds[2].revents != 0 {
                let sent = pending.withUnsafeBytes { send(writer, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent > 0 { pending = pending.dropFirst(sent) }
                // Everything sent, or the program stopped reading: end its input.
                if pending.isEmpty || (sent < 0 && errno != EAGAIN && errno != EINTR) { shutdown(writer, Int32(SHUT_WR)); writer = -1 }
            }
            for i in 0..<2 where readers[i] >= 0 && fds[i].revents != 0 {
                let got = read(readers[i], &buffer, buffer.count)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { readers[i] = -1; continue }
                let room = max(0, outputLimit - (i == 0 ? output.stdout.count : output.stderr.count))
                if i == 0 { output.stdout += buffer.prefix(min(got, room)) } else { output.stderr += buffer.prefix(min(got, room)) }
            }
        }
        // Its output closed: the program has exited or is about to; it gets until the deadline.
        var status: Int32 = 0
        while !timedOut {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if MonotonicClock.nanos() >= deadline { timedOut = true; break }
            usleep(5_000)
        }
        if timedOut {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            throw Failure.timedOut
        }
        if status & 0x7f == 0 { output.status = (status >> 8) & 0xff } else { output.signal = status & 0x7f }
        return output
    }

    private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for p in pointers { free(p) } }
        return body(pointers)
    }
}
