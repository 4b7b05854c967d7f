import BerthOS
import Foundation

/// A snapshot's JSON line, written by hand where it is large and regular: the stats of every
/// running container. Through `JSONEncoder` those were 17 % of `berth system stream`'s CPU
/// with 200 containers (docs/benchmarks.md); the host and the container list (sent only when
/// it changed) still go through the encoder. Same members, sorted as the encoder sorts them,
/// and what `StreamProtocol.decoder()` reads back is the snapshot written (StreamSnapshotWriterTests).
public struct StreamSnapshotWriter {
    private let encoder = StreamProtocol.encoder()
    /// Reused between lines: a stream writes one a second for as long as it runs.
    private var line: [UInt8] = []

    public init() {}

    /// The snapshot as one line, newline included.
    public mutating func line(for snapshot: StreamSnapshot) throws -> [UInt8] {
        line.removeAll(keepingCapacity: true)
        line += "{".utf8
        if !snapshot.containersUnchanged {
            key("containers")
            line += try encoder.encode(snapshot.containers)
            line += ",".utf8
        }
        key("host")
        line += try encoder.encode(snapshot.host)
        line += ",".utf8
        key("replicas")
        line += "{".utf8
        for (i, name) in snapshot.replicas.keys.sorted().enumerated() {
            if i > 0 { line += ",".utf8 }
            string(name)
            line += ":".utf8
            line += String(snapshot.replicas[name]!).utf8
        }
        line += "},".utf8
        key("stats")
        line += "[".utf8
        for (i, s) in snapshot.stats.enumerated() {
            if i > 0 { line += ",".utf8 }
            stats(s)
        }
        line += "],".utf8
        key("time")
        string(Timestamp(snapshot.time).rfc3339)
        line += ",".utf8
        key("type")
        string(snapshot.type)
        line += "}\n".utf8
        return line
    }

    /// One container's sample: its members in sorted order, optional ones left out when nil
    /// (as the encoder leaves them out).
    private mutating func stats(_ s: ContainerStats) {
        line += "{".utf8
        var first = true
        func member(_ name: String, _ value: UInt64?) {
            guard let value else { return }
            open(name, &first)
            line += String(value).utf8
        }
        member("blockRead", s.blockRead)
        member("blockTimestamp", s.blockTimestamp)
        member("blockWrite", s.blockWrite)
        member("cpuThrottledNanos", s.cpuThrottledNanos)
        member("cpuThrottledPeriods", s.cpuThrottledPeriods)
        member("cpuUsageNanos", s.cpuUsageNanos)
        open("id", &first)
        string(s.id)
        member("memoryCache", s.memoryCache)
        member("memoryLimit", s.memoryLimit)
        member("memoryUsage", s.memoryUsage)
        member("netRx", s.netRx)
        member("netTx", s.netTx)
        member("oomKills", s.oomKills)
        member("pids", s.pids)
        member("pidsLimit", s.pidsLimit)
        if let p = s.pressure {
            open("pressure", &first)
            pressureSet(p)
        }
        member("timestamp", s.timestamp)
        line += "}".utf8
    }

    private mutating func pressureSet(_ p: PressureSet) {
        line += "{".utf8
        var first = true
        for (name, value) in [("cpu", p.cpu), ("io", p.io), ("memory", p.memory)] {
            guard let value else { continue }
            open(name, &first)
            line += "{".utf8
            var inner = true
            if let full = value.full { open("full", &inner); pressureLine(full) }
            open("some", &inner)
            pressureLine(value.some)
            line += "}".utf8
        }
        line += "}".utf8
    }

    private mutating func pressureLine(_ l: Pressure.Line) {
        // Finite by construction (`Pressure.parse` refuses the rest): JSON has no NaN.
        line += "{\"avg10\":\(l.avg10),\"avg300\":\(l.avg300),\"avg60\":\(l.avg60),\"totalMicroseconds\":\(l.totalMicroseconds)}".utf8
    }

    private mutating func open(_ name: String, _ first: inout Bool) {
        if !first { line += ",".utf8 }
        first = false
        key(name)
    }

    private mutating func key(_ name: String) {
        string(name)
        line += ":".utf8
    }

    /// A JSON string: quotes, backslashes and control characters escaped (ids from other
    /// runtimes' roots are validated, but the line must stay JSON whatever they hold).
    private mutating func string(_ s: String) {
        line.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): line += "\\\"".utf8
            case UInt8(ascii: "\\"): line += "\\\\".utf8
            case 0x0A: line += "\\n".utf8
            case 0x0D: line += "\\r".utf8
            case 0x09: line += "\\t".utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                line += "\\u00".utf8
                line.append(hex[Int(byte >> 4)]); line.append(hex[Int(byte & 0xF)])
            default: line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }
}
