import ArgumentParser
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
    @Flag(name: .shortAndLong, help: "Prefix each line with its timestamp.") var timestamps = false
    @Argument(help: "Container name or id.") var container: String

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let info = try engine.inspect(container)
            let path = try engine.logPath(container)
            let sinceNanos: Int64? = try since.map {
                Int64(try DurationParser.parseTime($0, now: Date()).timeIntervalSince1970 * 1e9)
            }
            var lines: [String]
            if tail == "all" {
                lines = (FileIO_readLines(path))
            } else {
                guard let n = Int(tail), n >= 0 else { throw BerthError.invalidArgument("--tail takes a number or 'all'") }
                lines = LogTail.lastLines(path: path, count: n).map(String.init)
            }
            let follower = follow ? LogFollower(path: path, fromEnd: true) : nil
            for l in lines { emit(l, since: sinceNanos) }
            guard follow, let follower else { return }
            var stopped = !info.state.isRunning
            while true {
                for l in follower.poll() { emit(l, since: sinceNanos) }
                if stopped { break }
                usleep(100_000)
                if let s = try? engine.inspect(container).state, s.isRunning { continue }
                stopped = true // one more read for what came before the exit
            }
        }
    }

    private func emit(_ line: String, since: Int64?) {
        if let since, let parsed = CRILog.parse(line), parsed.timestampNanos < since { return }
        Attach.emit(line, timestamps: timestamps)
    }
}

/// Every line of a file (the whole log); the tail reader is used when --tail is given.
func FileIO_readLines(_ path: String) -> [String] {
    guard let follower = LogFollower(path: path) else { return [] }
    return follower.poll()
}
