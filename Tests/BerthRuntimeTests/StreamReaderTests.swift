import BerthOS
import BerthRuntime
import Foundation
import XCTest

/// The stream's client side against lines the server side encodes, and against a newer server.
final class StreamReaderTests: XCTestCase {
    private func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StreamProtocol.encoder().encode(value), as: UTF8.self)
    }

    func testMessagesRoundTrip() throws {
        var reader = StreamReader()
        let hello = StreamHello(berth: "0.1.0", host: "h", interval: 1)
        XCTAssertEqual(try reader.read(line: try line(hello)), .hello(hello))
        let host = HostInfo(hostname: "h", kernel: "6.1", cgroupVersion: "v1", cpuCount: 2, memoryTotal: 1 << 30,
                            memoryAvailable: 1 << 29, cpuBusyTicks: 10, cpuTotalTicks: 100)
        let snapshot = StreamSnapshot(time: Timestamp(seconds: 1_700_000_000, nanosecond: 5).date, host: host,
                                      containers: [], stats: [], replicas: ["web": 3])
        guard case .snapshot(let got) = try reader.read(line: try line(snapshot)) else { return XCTFail("not a snapshot") }
        XCTAssertEqual(got.replicas, ["web": 3])
        XCTAssertEqual(got.host, host)
        // Unchanged containers are left out on the wire and filled back in by the reader.
        let info = ContainerInfo(id: String(repeating: "a", count: 64), name: "web", image: "busybox", command: ["sh"],
                                 created: Timestamp(seconds: 1_700_000_000).date, state: ContainerState(status: .running),
                                 limits: ResourceLimits(), restartPolicy: .no, labels: [:], hostname: "web", network: .none, autoRemove: false)
        let listed = StreamSnapshot(time: snapshot.time, host: host, containers: [info], stats: [], replicas: [:])
        let unchanged = StreamSnapshot(time: snapshot.time, host: host, containers: [info], stats: [], replicas: [:], containersUnchanged: true)
        XCTAssertFalse(try line(unchanged).contains("\"containers\""))
        XCTAssertEqual(try reader.read(line: try line(listed)), .snapshot(listed))
        XCTAssertEqual(try reader.read(line: try line(unchanged)), .snapshot(listed))
        var fresh = StreamReader()
        _ = try fresh.read(line: try line(hello))
        XCTAssertThrowsError(try fresh.read(line: try line(unchanged)), "unchanged before any list")
        let event = Event(time: 42, action: "die", id: "abc", name: "web", attributes: ["exitCode": "3"])
        XCTAssertEqual(try reader.read(line: try line(StreamEvent(event: event))), .event(event))
        // A later minor version's message type and fields are skipped, not errors.
        XCTAssertEqual(try reader.read(line: #"{"type":"alert","level":"high"}"#), .unknown("alert"))
    }

    func testANewerMinorVersionIsRead() throws {
        var reader = StreamReader()
        let m = try reader.read(line: #"{"type":"hello","protocol":"1.7","berth":"0.9","host":"h","interval":2,"zone":"x"}"#)
        guard case .hello(let h) = m else { return XCTFail("\(m)") }
        XCTAssertEqual(h.protocol, "1.7")
    }

    /// An older client meeting a newer server: one clear line, nothing misread.
    func testANewerMajorVersionFailsClearly() {
        var reader = StreamReader()
        XCTAssertThrowsError(try reader.read(line: #"{"type":"hello","protocol":"2.0","berth":"9.0","host":"h","interval":1}"#)) { error in
            XCTAssertEqual("\(error)", "the host speaks stream protocol '2.0', this berth reads 1.x: upgrade berth on this machine")
        }
        var old = StreamReader(supportedMajor: 2)
        XCTAssertThrowsError(try old.read(line: #"{"type":"hello","protocol":"1.0","berth":"0.1","host":"h","interval":1}"#)) { error in
            XCTAssertTrue("\(error)".contains("upgrade berth on the host"), "\(error)")
        }
    }

    func testNotAStreamFailsClearly() {
        for (first, expected) in [("Welcome to Debian!", "not a JSON object"), (#"{"type":"snapshot"}"#, "first line is not a hello"),
                                  (#"{"type":"hello","protocol":"x"}"#, "is not MAJOR.MINOR")] {
            var reader = StreamReader()
            XCTAssertThrowsError(try reader.read(line: first)) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
        var reader = StreamReader()
        XCTAssertNoThrow(try reader.read(line: #"{"type":"hello","protocol":"1.0","berth":"0.1","host":"h","interval":1}"#))
        XCTAssertThrowsError(try reader.read(line: #"{"type":"snapshot","time":"yesterday"}"#)) {
            XCTAssertTrue("\($0)".hasPrefix("not a berth stream: a malformed snapshot"), "\($0)")
        }
    }
}
