import BerthOS
import CBerthSys
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One host's `berth system stream`, kept open for a front end (the dashboard over several
/// hosts): runs `argv` (e.g. `berth --context b system stream`) on a thread of its own, reads it
/// through a `StreamReader`, and keeps the latest snapshot. A host that stops answering — the
/// process ended, sent what is not a stream, or sent nothing for `staleAfter` seconds — is
/// unreachable since its last line; the connection is started again after a backoff that
/// doubles from `backoff.lowerBound` to `backoff.upperBound` and starts over once a hello is read.
/// Each connection has its own thread, so a slow host never delays another.
public final class StreamConnection: Sendable {
    public struct State: Sendable, Equatable {
        public var hello: StreamHello?
        /// The last snapshot read; kept while the host is unreachable (its last known state).
        public var snapshot: StreamSnapshot?
        /// When the last line arrived; nil before the first.
        public var lastLine: Date?
        /// nil while the host answers.
        public var unreachableSince: Date?
        /// Why it is unreachable: the reader's error, or the last line the process wrote on stderr (ssh's).
        public var problem: String?
        /// How many connections read a hello.
        public var connections = 0
        /// Why the last connection ended, with the process's exit status; unlike `problem` it is
        /// kept after a reconnection, so a host that flapped can say why.
        public var lastEnd: String?

        public init(hello: StreamHello? = nil, snapshot: StreamSnapshot? = nil, lastLine: Date? = nil,
                    unreachableSince: Date? = nil, problem: String? = nil, connections: Int = 0, lastEnd: String? = nil) {
            self.hello = hello; self.snapshot = snapshot; self.lastLine = lastLine
            self.unreachableSince = unreachableSince; self.problem = problem; self.connections = connections
            self.lastEnd = lastEnd
        }
    }

    private let argv: [String]
    private let staleAfter: Double
    private let backoff: ClosedRange<Double>
    private let state = Mutex(State())
    /// Events the stream carried and no one has taken yet (`takeEvents`), the newest
    /// `eventBacklog` at most.
    private let events = Mutex<[Event]>([])
    public static let eventBacklog = 10_000
    private let live = Mutex<(stopped: Bool, pid: pid_t, stdin: Int32)>((false, 0, -1))
    private let finished = DispatchSemaphore(value: 0)

    public init(argv: [String], staleAfter: Double = 5, backoff: ClosedRange<Double> = 1...30) {
        self.argv = argv; self.staleAfter = staleAfter; self.backoff = backoff
    }

    /// What is known now; a connection silent for `staleAfter` counts as unreachable since its last line.
    public var current: State {
        var s = state.withLock { $0 }
        if s.unreachableSince == nil, let last = s.lastLine ?? nil, Date().timeIntervalSince(last) > staleAfter {
            s.unreachableSince = last
            s.problem = s.problem ?? "no answer for \(Int(staleAfter)) s"
        }
        return s
    }

    /// The events read since the last call, in the order the host sent them.
    public func takeEvents() -> [Event] {
        events.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }

    public func start() {
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "berth-stream"
        thread.start()
    }

    /// Ends the stream (its stdin closed, then SIGTERM to the process this connection started)
    /// and waits for the thread, at most `timeout` seconds.
    public func stop(timeout: Double = 10) {
        live.withLock { l in
            l.stopped = true
            if l.stdin >= 0 { close(l.stdin); l.stdin = -1 }
            if l.pid > 0 { kill(l.pid, SIGTERM) }
        }
        _ = finished.wait(timeout: .now() + timeout)
    }

    private var stopped: Bool { live.withLock { $0.stopped } }

    private func loop() {
        var delay = backoff.lowerBound
        while !stopped {
            let greeted = connectOnce()
            if greeted { delay = backoff.lowerBound }
            let until = Date().addingTimeInterval(delay)
            while !stopped && Date() < until { usleep(50_000) }
            delay = min(delay * 2, backoff.upperBound)
        }
    }

    /// One run of the process; whether it said hello.
    private func connectOnce() -> Bool {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&inPipe) == 0 else { return failed("pipe: \(String(cString: strerror(errno)))") }
        guard berth_pipe_cloexec(&outPipe) == 0 else { close(inPipe[0]); close(inPipe[1]); return failed("pipe failed") }
        guard berth_pipe_cloexec(&errPipe) == 0 else {
            for fd in inPipe + outPipe { close(fd) }
            return failed("pipe failed")
        }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        posix_spawn_file_actions_adddup2(&fa, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&fa, errPipe[1], 2)
        var pid: pid_t = 0
        let rc = spawnWithDefaultSignals(argv, fileActions: &fa, pid: &pid)
        posix_spawn_file_actions_destroy(&fa)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            for fd in [inPipe[1], outPipe[0], errPipe[0]] { close(fd) }
            return failed("cannot run \(argv[0].quoted): \(String(cString: strerror(rc)))")
        }
        let keep = live.withLock { l -> Bool in
            guard !l.stopped else { return false }
            l.pid = pid; l.stdin = inPipe[1]
            return true
        }
        if !keep { close(inPipe[1]); kill(pid, SIGTERM) }

        var reader = StreamReader()
        var greeted = false
        var pending: [UInt8] = [], errText: [UInt8] = []
        var problem: String?
        var open = [outPipe[0], errPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), 500) <= 0 { continue }
            for f in fds where f.revents != 0 {
                let n = read(f.fd, &buffer, buffer.count)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    close(f.fd); open.removeAll { $0 == f.fd }; continue
                }
                if f.fd == errPipe[0] {
                    errText += buffer[0..<n]
                    if errText.count > 4096 { errText.removeFirst(errText.count - 4096) }
                    continue
                }
                pending += buffer[0..<n]
                while problem == nil, let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<nl], as: UTF8.self)
                    pending.removeSubrange(...nl)
                    do {
                        let message = try reader.read(line: line)
                        greeted = true
                        state.withLock { s in
                            s.lastLine = Date()
                            switch message {
                            case .hello(let h):
                                s.hello = h; s.connections += 1; s.unreachableSince = nil; s.problem = nil
                            case .snapshot(let snap): s.snapshot = snap
                            case .event(let e):
                                events.withLock { list in
                                    list.append(e)
                                    if list.count > Self.eventBacklog { list.removeFirst(list.count - Self.eventBacklog) }
                                }
                            case .unknown: break
                            }
                        }
                    } catch {
                        // Not a stream, or a version this Berth cannot read: this connection is over.
                        problem = error.description
                        live.withLock { l in if l.pid == pid { kill(pid, SIGTERM) } }
                    }
                }
                if pending.count > 64 << 20 { problem = "a line longer than 64 MiB"; kill(pid, SIGTERM) }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        live.withLock { l in
            if l.stdin >= 0 { close(l.stdin); l.stdin = -1 }
            l.pid = 0
        }
        guard !stopped else { return greeted }
        let lastErr = String(decoding: errText, as: UTF8.self).split(separator: "\n").last.map(String.init)
        let why = problem ?? lastErr ?? "the stream ended"
        let exit = (status & 0x7f) == 0 ? "exit status \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
        state.withLock { $0.lastEnd = Quoted.escapeControls("\(why) (\(exit))") }
        _ = failed(why)
        return greeted
    }

    @discardableResult
    private func failed(_ why: String) -> Bool {
        state.withLock { s in
            if s.unreachableSince == nil { s.unreachableSince = s.lastLine ?? Date() }
            s.problem = Quoted.escapeControls(why)
        }
        return false
    }
}
