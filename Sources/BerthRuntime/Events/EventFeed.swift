/// Where a front end reads events as they happen: the journal of this host (`EventReader`), or
/// the events several hosts' streams carried (the dashboard over several hosts). Used from one
/// thread (the dashboard's sampler).
public protocol EventFeed: AnyObject {
    /// Starts reading. `replay`: what is already known comes back at once; otherwise only what
    /// arrives from now on.
    func open(replay: Bool) -> [Event]
    /// What arrived since the last call, oldest first.
    func poll() -> [Event]
}

extension EventReader: EventFeed {}
