import BerthOS
import Foundation

/// `berth system stream`'s protocol (docs/stream.md): JSON lines, each an object whose `type`
/// says what it is. The first line is a `hello` naming the protocol version `MAJOR.MINOR`: a
/// minor version only adds fields and message types (readers ignore what they do not know); a
/// new major version changes what existing fields mean, and a reader refuses it.
public enum StreamProtocol {
    public static let major = 1
    public static let minor = 0
    public static var version: String { "\(major).\(minor)" }

    /// Dates as RFC 3339 text with nanoseconds, the same on both sides.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Timestamp(date).rfc3339)
        }
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let t = Timestamp(rfc3339: text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return t.date
        }
        return d
    }
}

/// The first line: who is speaking, and in which version.
public struct StreamHello: Codable, Sendable, Equatable {
    public var type = "hello"
    public var `protocol`: String
    public var berth: String
    public var host: String
    /// Seconds between two snapshots.
    public var interval: Double

    public init(protocol: String = StreamProtocol.version, berth: String, host: String, interval: Double) {
        self.protocol = `protocol`; self.berth = berth; self.host = host; self.interval = interval
    }
}

/// The engine at one moment: the host, every container (exited ones too), a stats sample of the
/// running ones (raw counters; rates are the reader's, from two snapshots), services' replicas.
/// On the wire `containers` is left out when it equals the previous snapshot's (encoding 200
/// containers every second was a quarter of the stream's CPU time); `StreamReader` fills it back in.
public struct StreamSnapshot: Codable, Sendable, Equatable {
    public var type = "snapshot"
    public var time: Date
    public var host: HostInfo
    public var containers: [ContainerInfo]
    public var stats: [ContainerStats]
    public var replicas: [String: Int]
    /// Written without `containers` (the writer's choice), or read without them (the reader fills them in).
    public var containersUnchanged = false

    public init(time: Date, host: HostInfo, containers: [ContainerInfo], stats: [ContainerStats], replicas: [String: Int],
                containersUnchanged: Bool = false) {
        self.time = time; self.host = host; self.containers = containers; self.stats = stats; self.replicas = replicas
        self.containersUnchanged = containersUnchanged
    }

    private enum CodingKeys: String, CodingKey { case type, time, host, containers, stats, replicas }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decode(Date.self, forKey: .time)
        host = try c.decode(HostInfo.self, forKey: .host)
        stats = try c.decode([ContainerStats].self, forKey: .stats)
        replicas = try c.decode([String: Int].self, forKey: .replicas)
        let listed = try c.decodeIfPresent([ContainerInfo].self, forKey: .containers)
        containers = listed ?? []
        containersUnchanged = listed == nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(time, forKey: .time)
        try c.encode(host, forKey: .host)
        if !containersUnchanged { try c.encode(containers, forKey: .containers) }
        try c.encode(stats, forKey: .stats)
        try c.encode(replicas, forKey: .replicas)
    }
}

/// One event of the journal, as `berth events` would print it.
public struct StreamEvent: Codable, Sendable, Equatable {
    public var type = "event"
    public var event: Event

    public init(event: Event) { self.event = event }
}

/// A line of the stream, decoded.
public enum StreamMessage: Sendable, Equatable {
    case hello(StreamHello)
    case snapshot(StreamSnapshot)
    case event(Event)
    /// A message type of a later minor version: skipped, as the protocol says.
    case unknown(String)
}
