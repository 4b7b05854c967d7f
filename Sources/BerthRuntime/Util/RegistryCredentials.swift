import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Registry credentials in docker's `config.json` format (`{"auths": {"HOST": {"auth":
/// base64("user:password")}}}`): Berth's own file is `auth.json` in the user's config directory
/// (the one contexts use), written 0600; docker's `~/.docker/config.json` (or `$DOCKER_CONFIG`) is
/// read too, so a `docker login` already done is used, with the credential helpers it names
/// (`credHelpers` per registry, `credsStore` for all; `CredentialHelper`).
public struct RegistryCredentials: Sendable {
    public var path: String
    public var dockerPath: String
    /// Where credential helpers are looked for (its `PATH`).
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        path = UserConfigDirectory.path(environment: environment) + "/auth.json"
        let dockerDir = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.docker"
        dockerPath = dockerDir + "/config.json"
    }

    /// The user name that marks the secret as an identity token (docker's convention, from a
    /// credential helper or `config.json`'s `identitytoken`): an OAuth2 refresh token the registry's
    /// token service exchanges for access tokens, never sent as a password.
    public static let identityTokenUser = "<token>"

    /// The keys a registry may be stored under: `host[:port]`, with a scheme, and for Docker Hub
    /// the legacy `https://index.docker.io/v1/` docker writes.
    static func keys(_ registry: String) -> [String] {
        var keys = [registry, "https://" + registry, "http://" + registry]
        if registry == RegistryReference.dockerHub {
            keys += ["https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io"]
        }
        return keys
    }

    /// The server URL a credential helper knows a registry by: docker's legacy URL for Docker
    /// Hub, the host[:port] otherwise (what `docker login` hands it).
    static func serverURL(_ registry: String) -> String {
        registry == RegistryReference.dockerHub ? "https://index.docker.io/v1/" : registry
    }

    /// The helper docker's `config.json` names for `registry`: its `credHelpers` entry, else
    /// `credsStore`; nil when neither is set.
    public func helper(for registry: String) throws -> CredentialHelper? {
        guard let top = try Self.object(dockerPath) else { return nil }
        let perRegistry = top["credHelpers"] as? [String: Any] ?? [:]
        if let name = Self.keys(registry).lazy.compactMap({ perRegistry[$0] as? String }).first {
            return try CredentialHelper(name: name, environment: environment)
        }
        if let name = top["credsStore"] as? String, !name.isEmpty { return try CredentialHelper(name: name, environment: environment) }
        return nil
    }

    /// The user name and password for `registry`: Berth's file, then the credential helper
    /// docker's `config.json` names for it (`credHelpers`, then `credsStore`), then its `auths`.
    public func lookup(_ registry: String) throws -> (user: String, password: String)? {
        if let found = Self.fromAuths(path, registry) { return found }
        if let helper = try helper(for: registry), let found = try helper.get(Self.serverURL(registry)) { return found }
        return Self.fromAuths(dockerPath, registry)
    }

    private static func fromAuths(_ file: String, _ registry: String) -> (user: String, password: String)? {
        guard let auths = auths(file) else { return nil }
        for key in keys(registry) {
            // docker writes `identitytoken` beside (or instead of) `auth` when a registry's token
            // service handed one out at login.
            if let entry = auths[key] as? [String: Any], let token = entry["identitytoken"] as? String, !token.isEmpty {
                return (identityTokenUser, token)
            }
            guard let entry = auths[key] as? [String: Any], let encoded = entry["auth"] as? String,
                  let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":") else { continue }
            return (String(text[..<colon]), String(text[text.index(after: colon)...]))
        }
        return nil
    }

    /// Saves credentials for `registry`: with the credential helper docker's `config.json` names
    /// for it (any entry in Berth's file is removed, so it cannot shadow the helper's), else in
    /// Berth's file (0600, written atomically), keeping the file's other keys.
    public func store(_ registry: String, user: String, password: String) throws {
        if let helper = try helper(for: registry) {
            try helper.store(Self.serverURL(registry), user: user, password: password)
            _ = try removeFromFile(registry)
            return
        }
        var top = try Self.object(path) ?? [:]
        var auths = top["auths"] as? [String: Any] ?? [:]
        auths[registry] = ["auth": Data("\(user):\(password)".utf8).base64EncodedString()]
        top["auths"] = auths
        try write(top)
    }

    /// Forgets `registry`'s credentials: in its credential helper (if docker's `config.json` names
    /// one) and in Berth's file; false when neither had any.
    public func remove(_ registry: String) throws -> Bool {
        let erased = try helper(for: registry)?.erase(Self.serverURL(registry)) ?? false
        return try removeFromFile(registry) || erased
    }

    private func removeFromFile(_ registry: String) throws -> Bool {
        guard var top = try Self.object(path), var auths = top["auths"] as? [String: Any] else { return false }
        let before = auths.count
        for key in Self.keys(registry) { auths.removeValue(forKey: key) }
        guard auths.count != before else { return false }
        top["auths"] = auths
        try write(top)
        return true
    }

    private func write(_ top: [String: Any]) throws {
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try FileIO.mkdirs(dir, mode: 0o700)
        let data = try JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted, .sortedKeys])
        try FileIO.writeAtomically(path, bytes: Array(data), mode: 0o600)
    }

    private static func object(_ file: String) throws -> [String: Any]? {
        guard let bytes = FileIO.read(file), !bytes.isEmpty else { return nil }
        guard let top = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw BerthError.invalidArgument("\(file): not a JSON object; fix or remove it")
        }
        return top
    }

    private static func auths(_ file: String) -> [String: Any]? {
        (try? object(file))?["auths"] as? [String: Any]
    }
}
