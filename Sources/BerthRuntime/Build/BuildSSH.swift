import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth build --ssh ID[=SOCKET]`: an ssh-agent socket a `RUN --mount=type=ssh,id=ID` step may
/// use (`default` when no id; the socket defaults to `$SSH_AUTH_SOCK`). BuildKit also takes key
/// files; Berth forwards agents only, so the keys never enter the build.
public struct BuildSSH: Sendable, Equatable {
    public var id: String
    /// The agent's socket, absolute.
    public var socket: String

    public static func parse(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BuildSSH {
        let eq = text.firstIndex(of: "=")
        let id = String(text[..<(eq ?? text.endIndex)])
        try RunMount.checkName(id, what: "ssh id")
        var socket: String
        if let eq {
            socket = String(text[text.index(after: eq)...])
            guard !socket.contains(",") else {
                throw BerthError.invalidArgument("--ssh \(text.quoted): berth forwards one agent socket per id, not key files")
            }
        } else {
            guard let env = environment["SSH_AUTH_SOCK"], !env.isEmpty else {
                throw BerthError.invalidArgument("--ssh \(id): SSH_AUTH_SOCK is not set; start an agent (ssh-agent) or give --ssh \(id)=SOCKET")
            }
            socket = env
        }
        if !socket.hasPrefix("/") { socket = FileManager.default.currentDirectoryPath + "/" + socket }
        var st = stat()
        guard stat(socket, &st) == 0, (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw BerthError.invalidArgument("--ssh \(id): \(socket.quoted) is not an agent's socket (berth forwards ssh-agent sockets, not key files)")
        }
        return BuildSSH(id: id, socket: socket)
    }
}

/// A socket in a RUN step's scratch directory, with the mount's owner and mode, that relays each
/// connection to the user's agent socket: the step's user can reach the agent without the host's
/// socket changing owner or mode, and the relay goes with the step (`stop`).
final class SSHAgentRelay: @unchecked Sendable {
    let path: String
    private let agent: String
    private let listener: Int32

    init(path: String, agent: String, uid: uid_t, gid: gid_t, mode: mode_t) throws {
        self.path = path
        self.agent = agent
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BerthError.errno("socket", path) }
        do {
            guard var address = Self.address(path) else { throw BerthError.invalidArgument("ssh relay path too long: \(path.quoted)") }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else { throw BerthError.errno("bind", path) }
            // In the step's own 0700 scratch directory: nothing else can swap the name.
            guard chown(path, uid, gid) == 0, chmod(path, mode) == 0 else { throw BerthError.errno("chmod", path) }
            guard listen(fd, 16) == 0 else { throw BerthError.errno("listen", path) }
        } catch {
            close(fd)
            throw error
        }
        listener = fd
        let listener = self.listener, agent = self.agent
        Thread.detachNewThread { Self.acceptLoop(listener, agent: agent) }
    }

    /// Ends new connections; those open end when the step's processes close them.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func address(_ path: String) -> sockaddr_un? {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: a.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &a.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return a
    }

    private static func acceptLoop(_ listener: Int32, agent: String) {
        while true {
            let client = Glibc.accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return // shut down
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            Thread.detachNewThread { relay(client, agent: agent) }
        }
    }

    /// Copies bytes both ways between the step's connection and a new one to the agent until
    /// either side closes.
    private static func relay(_ client: Int32, agent: String) {
        defer { close(client) }
        let upstream = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard upstream >= 0, var address = address(agent) else { return }
        defer { close(upstream) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return }
        var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while poll(&fds, 2, -1) >= 0 {
            for (i, other) in [(0, upstream), (1, client)] where fds[i].revents != 0 {
                let n = read(fds[i].fd, &buffer, buffer.count)
                guard n > 0 else { return }
                var sent = 0
                while sent < n {
                    let w = buffer.withUnsafeBytes { send(other, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                    guard w > 0 else { return }
                    sent += w
                }
            }
        }
    }
}
