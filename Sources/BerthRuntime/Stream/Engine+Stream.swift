import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// `berth system stream`: writes the hello, then a snapshot every `interval` seconds and each
    /// journal event as it appears (polled every 100 ms, as `berth events` follows), to `output`,
    /// until `input` reaches EOF (the remote front end went away, or closed its side) or `output`
    /// is closed. Costs nothing when no one is connected: it is one process per connection.
    public func stream(interval: Double, berthVersion: String, input: Int32 = 0, output: Int32 = 1) throws(BerthError) {
        let encoder = StreamProtocol.encoder()
        var snapshots = StreamSnapshotWriter()
        func write(_ bytes: [UInt8]) -> Bool {
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        func send<T: Encodable>(_ value: T) -> Bool {
            guard var bytes = try? Array(encoder.encode(value)) else { return true }
            bytes.append(UInt8(ascii: "\n"))
            return write(bytes)
        }
        let host = hostInfo()
        guard send(StreamHello(berth: berthVersion, host: host.hostname, interval: interval)) else { return }
        let reader = eventReader()
        _ = reader.open(replay: false)
        var nextSnapshot = MonotonicClock.nanos()
        var previous: [ContainerInfo]?
        let step = UInt64(interval * 1e9)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let now = MonotonicClock.nanos()
            if now >= nextSnapshot {
                let containers = (try? list(all: true)) ?? []
                let snapshot = StreamSnapshot(time: Date(), host: hostInfo(), containers: containers,
                                              stats: sampleStats(of: containers), replicas: desiredReplicas(),
                                              containersUnchanged: containers == previous)
                if let line = try? snapshots.line(for: snapshot), !write(line) { return }
                previous = containers
                nextSnapshot = now + step
            }
            for e in reader.poll() { guard send(StreamEvent(event: e)) else { return } }
            // Wait for input (only its EOF matters) for at most 100 ms, or until the next snapshot.
            let left = MonotonicClock.millisecondsUntil(nextSnapshot)
            var fds = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, Int32(min(left, 100)))
            if ready > 0 {
                let n = read(input, &buffer, buffer.count)
                if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) { return }
            }
        }
    }
}
