import BerthOS
import Foundation

/// The lifecycle events this process records (create, kill, stop, restart, destroy, …); the
/// supervisors record start, die and oom themselves (`berth-shim/events.c`). See docs/events.md.
extension Engine {
    public var eventJournal: EventJournal { EventJournal(directory: root + "/events", maxBytes: options.eventsMaxBytes) }

    /// The part of each of the container's lines that names it: name, image and labels.
    func eventActor(_ r: ContainerRecord) -> String {
        EventLine.actor(name: r.name, attributes: ["image": r.image], labels: r.labels)
    }

    /// What the supervisor needs to record the container's own events.
    func planEvents(_ r: ContainerRecord) -> LaunchPlan.Events {
        let j = eventJournal
        return LaunchPlan.Events(journal: j.path, maxBytes: j.maxBytes, actor: eventActor(r))
    }

    func recordEvent(_ action: String, _ r: ContainerRecord, _ extra: [String: String] = [:]) {
        eventJournal.append(action: action, id: r.id, actor: eventActor(r), extra: extra)
    }

    /// A reader of the root's journal, for `berth events` and the dashboard.
    public func eventReader() -> EventReader { EventReader(journal: eventJournal) }

    public func journal() -> EventJournal? { eventJournal }
}
