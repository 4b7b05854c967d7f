import BerthOS
import BerthRuntime
import CBerthSys
import Glibc

/// Runs a command with stdin from /dev/null and collects its stdout and stderr (both read as
/// they come, so neither pipe fills up and stalls it); for the dashboard's remote actions
/// (`berth --context HOST stop ID`), which print a little and end.
enum CapturedCommand {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ argv: [String]) throws -> Result {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&outPipe) == 0 else { throw BerthError.errno("pipe") }
        guard berth_pipe_cloexec(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw BerthError.errno("pipe")
        }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&fa, errPipe[1], 2)
        var pid: pid_t = 0
        let rc = spawnWithDefaultSignals(argv, fileActions: &fa, pid: &pid)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw BerthError.invalidArgument("cannot run \(argv[0].quoted): \(String(cString: strerror(rc)))")
        }
        var collected: [Int32: [UInt8]] = [outPipe[0]: [], errPipe[0]: []]
        var open = [outPipe[0], errPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 { if errno == EINTR { continue }; break }
            for f in fds where f.revents != 0 {
                let n = read(f.fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { close(f.fd); open.removeAll { $0 == f.fd }; continue }
                collected[f.fd]! += buffer[0..<n]
            }
        }
        for fd in open { close(fd) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, stdout: String(decoding: collected[outPipe[0]]!, as: UTF8.self),
                      stderr: String(decoding: collected[errPipe[0]]!, as: UTF8.self))
    }
}
