import BerthOS
import BerthRuntime
import Foundation
import XCTest

/// The hand-written snapshot line says what `JSONEncoder` says: the same JSON document, and the
/// snapshot back when the stream's decoder reads it.
final class StreamSnapshotWriterTests: XCTestCase {
    let host = HostInfo(hostname: "h\"ost", kernel: "6.1", cgroupVersion: "v2", cpuCount: 2, memoryTotal: 1 << 30,
                        memoryAvailable: 1 << 29, cpuBusyTicks: 10, cpuTotalTicks: 100)

    func samples() -> [ContainerStats] {
        let line = Pressure.Line(avg10: 0.5, avg60: 12.25, avg300: 0, totalMicroseconds: 123_456)
        var full = ContainerStats(id: String(repeating: "b", count: 64), timestamp: 9_000_000_001, cpuUsageNanos: 5,
                                  cpuThrottledNanos: 7, cpuThrottledPeriods: 3, memoryUsage: 1 << 20, memoryLimit: 1 << 26,
                                  memoryCache: 4096, pids: 4, pidsLimit: 33, blockRead: UInt64.max, blockWrite: 1,
                                  netRx: 17, netTx: 18, oomKills: 2, blockTimestamp: 8_000_000_000)
        full.pressure = PressureSet(cpu: Pressure(some: line, full: line), memory: Pressure(some: line), io: nil)
        let bare = ContainerStats(id: "a", timestamp: 1)
        // Ids of other runtimes' roots are validated; the line stays JSON whatever they hold.
        var hostile = ContainerStats(id: "x\"y\\z\u{1B}[2J\n\u{7F}é", timestamp: 2)
        hostile.pressure = PressureSet()
        return [full, bare, hostile]
    }

    func check(_ snapshot: StreamSnapshot, file: StaticString = #filePath, line: UInt = #line) throws {
        var writer = StreamSnapshotWriter()
        let written = try writer.line(for: snapshot)
        XCTAssertEqual(written.last, UInt8(ascii: "\n"), file: file, line: line)
        XCTAssertEqual(written.filter { $0 == UInt8(ascii: "\n") }.count, 1, "one line", file: file, line: line)
        let encoded = try StreamProtocol.encoder().encode(snapshot)
        let mine = try JSONSerialization.jsonObject(with: Data(written)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: encoded) as? NSDictionary
        XCTAssertEqual(mine, theirs, "\(String(decoding: written, as: UTF8.self))\nvs\n\(String(decoding: encoded, as: UTF8.self))", file: file, line: line)
        let back = try StreamProtocol.decoder().decode(StreamSnapshot.self, from: Data(written))
        XCTAssertEqual(back.stats, snapshot.stats, file: file, line: line)
        XCTAssertEqual(back.replicas, snapshot.replicas, file: file, line: line)
        XCTAssertEqual(back.host, snapshot.host, file: file, line: line)
        XCTAssertEqual(back.time, snapshot.time, file: file, line: line)
        XCTAssertEqual(back.containersUnchanged, snapshot.containersUnchanged, file: file, line: line)
        if !snapshot.containersUnchanged { XCTAssertEqual(back.containers, snapshot.containers, file: file, line: line) }
    }

    func testTheLineIsTheEncodersDocument() throws {
        let time = Timestamp(seconds: 1_700_000_000, nanosecond: 5).date
        let info = ContainerInfo(id: String(repeating: "a", count: 64), name: "web", image: "busybox", command: ["sh"],
                                 created: Timestamp(seconds: 1_700_000_000).date, state: ContainerState(status: .running),
                                 limits: ResourceLimits(), restartPolicy: .no, labels: ["k": "\"stats\":[]"], hostname: "web",
                                 network: .none, autoRemove: false)
        try check(StreamSnapshot(time: time, host: host, containers: [info], stats: samples(), replicas: ["web": 3, "db": 1, "a-b_c.d": 0]))
        try check(StreamSnapshot(time: time, host: host, containers: [info], stats: samples(), replicas: [:], containersUnchanged: true))
        try check(StreamSnapshot(time: time, host: host, containers: [], stats: [], replicas: [:]))
    }

    /// The writer keeps its buffer between lines: a second, shorter line holds nothing of the first.
    func testLinesDoNotCarryOver() throws {
        var writer = StreamSnapshotWriter()
        let time = Timestamp(seconds: 1_700_000_000).date
        _ = try writer.line(for: StreamSnapshot(time: time, host: host, containers: [], stats: samples(), replicas: ["web": 3]))
        let short = try writer.line(for: StreamSnapshot(time: time, host: host, containers: [], stats: [], replicas: [:]))
        let back = try StreamProtocol.decoder().decode(StreamSnapshot.self, from: Data(short))
        XCTAssertEqual(back.stats, [])
        XCTAssertEqual(back.replicas, [:])
    }
}
