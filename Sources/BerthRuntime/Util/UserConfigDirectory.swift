import Foundation

/// The user's Berth configuration directory: `$XDG_CONFIG_HOME/berth`, else `~/.config/berth`.
/// The dashboard's `config.yaml` and themes and the contexts file all live there.
public enum UserConfigDirectory {
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/berth" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.config/berth"
    }
}
