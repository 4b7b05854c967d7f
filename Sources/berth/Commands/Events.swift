import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Print lifecycle events from the journal, following new ones.",
        discussion: """
        Events are recorded under the state root by every berth command and every container's \
        supervisor (docs/events.md), so nothing is lost while no one listens. Without --since only \
        new events are printed; without --until new events are followed until interrupted.
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Also events since a time (RFC 3339, unix seconds) or a duration ago (10s, 5m, 1h30m).") var since: String?
    @Option(help: "Stop at a time (RFC 3339, unix seconds) or a duration ago; in the past: print and exit.") var until: String?
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Filter: container=NAME|ID, event=ACTION, label=KEY[=VALUE], type=container (repeatable).", valueName: "filter"))
    var filter: [String] = []
    @Option(help: ArgumentHelp("'json' (one docker-shaped object per line) or a Go template such as '{{.Action}} {{.Actor.Attributes.name}}'.", valueName: "format"))
    var format: String?

    func run() throws {
        try withErrors {
            let now = Date()
            let since = try self.since.map { try DurationParser.parseTimestamp($0, now: now).unixNanoseconds ?? Int64.min }
            let until = try self.until.map { try DurationParser.parseTimestamp($0, now: now).unixNanoseconds ?? Int64.max }
            let filter = try EventFilter(self.filter)
            let template: Template? = try format.flatMap { $0 == "json" ? nil : try Template($0) }
            let engine = try global.engine()
            let reader = engine.eventReader()
            var batch = reader.open(replay: since != nil)
            while true {
                var out = ""
                for e in batch where filter.matches(e) && e.time >= (since ?? .min) && e.time <= (until ?? .max) {
                    if let template {
                        out += try template.render(e.dockerValue) + "\n"
                    } else if format == "json" {
                        out += e.dockerValue.jsonText + "\n"
                    } else {
                        out += Quoted.escapeControls(e.text) + "\n"
                    }
                }
                if !out.isEmpty { FileHandle.standardOutput.write(Data(out.utf8)) }
                if let until, EventJournal.now() > until { return }
                // The journal is a file: a short poll is simpler than inotify and costs nothing measurable.
                usleep(100_000)
                batch = reader.poll()
            }
        }
    }
}
