import Foundation

/// Elapsed time in docker's words ("About a minute", "3 hours"): the wording of go-units'
/// `HumanDuration`, so `ps` output reads like docker's.
public enum HumanDuration {
    public static func format(_ interval: TimeInterval) -> String {
        let seconds = Int(interval)
        if seconds < 1 { return "Less than a second" }
        if seconds == 1 { return "1 second" }
        if seconds < 60 { return "\(seconds) seconds" }
        let minutes = seconds / 60
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        // Hours round to nearest, as go-units does; everything above derives from them.
        let hours = Int(interval / 3600 + 0.5)
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int(interval / 3600) / 24 / 365) years"
    }
}

/// The STATUS column of `ps`: "Up 3 minutes", "Exited (0) 2 hours ago", "Created".
public enum StatusText {
    public static func up(since start: Date, now: Date, paused: Bool = false, health: String? = nil) -> String {
        "Up " + HumanDuration.format(now.timeIntervalSince(start)) + note(paused: paused, health: health)
    }

    /// docker's note after "Up …": paused wins over health; `starting` reads "health: starting".
    static func note(paused: Bool, health: String?) -> String {
        if paused { return " (Paused)" }
        guard let health else { return "" }
        return health == "starting" ? " (health: starting)" : " (\(health))"
    }

    public static func exited(code: Int32, at finish: Date?, now: Date) -> String {
        guard let finish else { return "Exited (\(code))" }
        return "Exited (\(code)) " + HumanDuration.format(now.timeIntervalSince(finish)) + " ago"
    }

    public static func restarting(code: Int32, at finish: Date?, now: Date) -> String {
        guard let finish else { return "Restarting (\(code))" }
        return "Restarting (\(code)) " + HumanDuration.format(now.timeIntervalSince(finish)) + " ago"
    }

    public static func describe(_ state: ContainerState, now: Date) -> String {
        // A run ended by a signal reports 128 + signal, as a shell and docker do.
        let code = state.exitCode ?? state.signal.map { 128 + $0 } ?? 0
        switch state.status {
        case .created: return "Created"
        case .running:
            return state.startedAt.map { up(since: $0, now: now, paused: state.paused, health: state.health) }
                ?? "Up" + note(paused: state.paused, health: state.health)
        case .restarting: return restarting(code: code, at: state.finishedAt, now: now)
        case .exited: return exited(code: code, at: state.finishedAt, now: now)
        case .dead: return "Dead" + stray(state)
        case .broken: return "Broken (" + (state.error ?? "unreadable record") + ")" + stray(state)
        }
    }

    /// The note on a container whose supervisor is gone while its processes still run.
    static func stray(_ state: ContainerState) -> String {
        guard let n = state.strayProcesses, n > 0 else { return "" }
        return n == 1 ? ", 1 process still running" : ", \(n) processes still running"
    }
}
