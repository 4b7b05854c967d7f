import BerthOS
import BerthRuntime
import Foundation
import XCTest

/// `berth system stream` on a real root: the hello first, snapshots with the container and its
/// stats, an event for what another command does while the stream is open, read back through
/// `StreamReader` (the client the dashboard uses); EOF on stdin ends it with status 0.
final class SystemStreamTests: ContainerTestCase {
    override class var rootLabel: String { "stream" }

    func testStreamCarriesSnapshotsAndEventsUntilStdinEnds() throws {
        let id = cli.run(["run", "-d", "--name", "streamed", "--network", "none", "busybox", "sleep", "600"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 64)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        process.arguments = ["--root", cli.root, "--cgroup-parent", cli.cgroupParent, "system", "stream", "--interval", "0.2"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var reader = StreamReader()
        var lines = LineSource(output.fileHandleForReading)
        var sawRunning = false, sawStop = false, stopped = false
        var messages: [StreamMessage] = []
        let deadline = Date().addingTimeInterval(60)
        while !(sawRunning && sawStop), Date() < deadline, let line = lines.next() {
            let m = try reader.read(line: line)
            messages.append(m)
            switch m {
            case .snapshot(let s):
                if s.containers.contains(where: { $0.id == id && $0.state.status == .running }),
                   s.stats.contains(where: { $0.id == id && $0.pids >= 1 }) {
                    sawRunning = true
                }
            case .event(let e) where e.id == id && e.action == "stop": sawStop = true
            default: break
            }
            // Once the stream is known to be open, change something through another process.
            if sawRunning && !stopped {
                stopped = true
                XCTAssertEqual(cli.run(["stop", "-t", "0", "streamed"]).status, 0)
            }
        }
        guard case .hello(let hello)? = messages.first else { return XCTFail("the first message is not a hello: \(messages.prefix(1))") }
        XCTAssertEqual(hello.protocol, StreamProtocol.version)
        XCTAssertEqual(hello.interval, 0.2)
        XCTAssertTrue(sawRunning, "no snapshot showed the running container with its stats")
        XCTAssertTrue(sawStop, "the stop event did not arrive")
        // EOF on stdin ends the stream.
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}

/// Lines from a pipe, blocking.
private struct LineSource {
    let handle: FileHandle
    var buffer = Data()
    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
