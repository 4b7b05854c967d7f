import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether the networks of a state root get outbound access (masquerade, forwarding and
/// published ports in Berth's nftables table) or stay layer 2 only, as before issue 12.
///
/// Two sources, the environment first: `BERTH_OUTBOUND=on|off`, else the root's
/// `settings.json` (`{"outbound": false}`), else on, as docker does. The test suite and the demo
/// turn it off on the real host, so they never enable forwarding or NAT there; the outbound
/// scenarios run in a network namespace that plays the host (docs/networking.md).
public enum OutboundSetting {
    public static let environmentVariable = "BERTH_OUTBOUND"
    /// The root's settings file, beside `containers/` and `networks/`.
    public static func settingsPath(root: String) -> String { root + "/settings.json" }

    /// The root's settings file: every key optional (a missing key keeps its default).
    public struct RootSettings: Codable, Equatable, Sendable {
        public var outbound: Bool?
        public init(outbound: Bool? = nil) { self.outbound = outbound }
    }

    /// On unless the environment or the root's settings say off. A value other than on/off (or
    /// a settings file that does not parse) is an error, never read as "on": that would turn on
    /// NAT where the user asked for none.
    public static func isEnabled(root: String, environment: [String: String]? = nil) throws -> Bool {
        // getenv, not a copy of the environment taken earlier: `berth demo` sets it in process.
        let value = environment.map { $0[environmentVariable] } ?? getenv(environmentVariable).map { String(cString: $0) }
        if let text = value, !text.isEmpty {
            switch text.lowercased() {
            case "on", "1", "true", "yes": return true
            case "off", "0", "false", "no": return false
            default:
                throw BerthError.invalidArgument("invalid \(environmentVariable) \(text.quoted): expected on or off")
            }
        }
        return try settings(root: root).outbound ?? true
    }

    /// The root's settings; empty when the file does not exist.
    public static func settings(root: String) throws -> RootSettings {
        guard let bytes = FileIO.read(settingsPath(root: root)) else { return RootSettings() }
        do {
            return try JSONDecoder.berth.decode(RootSettings.self, from: Data(bytes))
        } catch {
            throw BerthError.invalidState("cannot read \(settingsPath(root: root).quoted): expected {\"outbound\": true|false}")
        }
    }

    /// Writes the root's setting (tests write it into every root they make, `berth demo` does not
    /// need to: its network is internal).
    public static func write(root: String, outbound: Bool) throws {
        var s = (try? settings(root: root)) ?? RootSettings()
        s.outbound = outbound
        try FileIO.mkdirs(root, mode: 0o700)
        try FileIO.writeAtomically(settingsPath(root: root), bytes: Array(try JSONEncoder.berth.encode(s)), mode: 0o600)
    }
}
