import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a container's output (stdout to stdout, stderr to stderr).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Follow new output until the container stops.") var follow = false
    @Option(name: [.customShort("n"), .long], help: "Number of lines from the end (all by default).") var tail: String = "all"
    @Option(help: "Only lines since a time (RFC 3339, unix seconds) or a duration ago (10s, 5m, 1h30m).") var since: String?
    @Option(help: "Only lines until a time (RFC 3339, unix seconds) or a duration ago (10s, 5m, 1h30m).") var until: String?
    @Flag(name: .shortAndLong, help: "Prefix each line with its timestamp.") var timestamps = false
    /// docker prints the attributes its log drivers were given (`--log-opt labels=…`) before each
    /// line; Berth's log has none, so the lines are printed as they are.
    @Flag(help: "Show the extra attributes of each line (Berth's log records have none).") var details = false
    @Argument(help: "Container name or id.") var container: String

    func run() throws {
        try withRuntimeErrors {
            let engine = try global.engine()
            let now = Date()
            var window = LogReader.Window()
            window.since = try since.map { try DurationParser.parseTimestamp($0, now: now).unixNanoseconds ?? Int64.min }
            window.until = try until.map { try DurationParser.parseTimestamp($0, now: now).unixNanoseconds ?? Int64.max }
            if tail != "all" {
                guard let n = Int(tail), n >= 0 else { throw BerthError.invalidArgument("--tail takes a number or 'all'") }
                window.tail = n
            }
            // Watched before reading, so an exit while the window is printed still ends the follow.
            let supervisor = follow ? try engine.supervisorWatch(container) : nil
            let reader = LogReader(path: try engine.logPath(container))
            let out = LogOutput(timestamps: timestamps)
            reader.read(window, flushPartials: !follow) { out.write($0) }
            out.flush()
            guard let supervisor else { return }
            reader.follow(until: supervisor) { batch in
                for line in batch { out.write(line) }
                out.flush()
            }
        }
    }
}

/// Writes log lines as the container wrote them: stdout to stdout, stderr to stderr, a newline
/// after each complete line (a partial one continues in the next). Buffered per stream and
/// flushed whenever the stream changes, so the two keep their order when they share a terminal.
final class LogOutput {
    private let timestamps: Bool
    private var buffer: [UInt8] = []
    private var stream: LogStream = .stdout
    /// A partial line was written: the next piece continues it, without a second prefix.
    private var midLine: [LogStream: Bool] = [:]

    init(timestamps: Bool = false) { self.timestamps = timestamps }

    func write(_ line: LogLine) {
        if line.stream != stream { flush(); stream = line.stream }
        if timestamps && midLine[line.stream] != true {
            buffer.append(contentsOf: Timestamp(unixNanoseconds: line.timestampNanos).rfc3339.utf8)
            buffer.append(0x20)
        }
        buffer.append(contentsOf: line.text.utf8)
        if line.complete { buffer.append(0x0a) }
        midLine[line.stream] = !line.complete
        if buffer.count >= 64 << 10 { flush() }
    }

    func flush() {
        let fd: Int32 = stream == .stderr ? 2 : 1
        // A closed pipe (`logs | head`) ends the writing; the follow loop learns of it by SIGPIPE's EPIPE.
        try? FileIO.writeAll(fd: fd, buffer, path: "standard output")
        buffer.removeAll(keepingCapacity: true)
    }
}
