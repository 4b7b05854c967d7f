import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed credential helper, as one line (the helper's words escaped and shortened). A helper
/// name that is not a name is the user's configuration (exit 125); a helper that fails, hangs or
/// answers garbage is exit 1, as a registry's refusal.
public struct CredentialHelperError: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32
    public var description: String { Quoted.escapeControls(message) }
}

/// docker's credential-helper protocol: `docker-credential-<name> get|store|erase`, found on PATH,
/// the server URL (or, for `store`, `{"ServerURL","Username","Secret"}`) on stdin, the answer as
/// JSON on stdout. `config.json`'s `credHelpers` (per registry) and `credsStore` (all registries)
/// name the helper. Run with `PipedProgram`: no shell, a time limit.
public struct CredentialHelper: Sendable {
    public let name: String
    /// The executable: `docker-credential-<name>` in an absolute directory of PATH.
    public let path: String
    /// A helper may ask a keyring or agent; one that takes longer has hung.
    public static let timeout = 10.0

    /// Checks `name` (it becomes part of a program name) and finds the program on `PATH`.
    public init(name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64, name != ".", name != "..", name.allSatisfy(allowed.contains) else {
            throw CredentialHelperError(message: "credential helper \(name.quoted) in docker's config.json: not a helper name (letters, digits, '.', '_', '-')",
                                        exitCode: 125)
        }
        self.name = name
        let program = "docker-credential-" + name
        // Only absolute PATH entries: an empty or relative one would run whatever the current
        // directory holds under that name.
        let dirs = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        guard let found = dirs.map({ $0 + "/" + program }).first(where: { Self.isExecutableFile($0) }) else {
            throw CredentialHelperError(message: "credential helper \(program) (named in docker's config.json) is not on PATH", exitCode: 1)
        }
        path = found
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    private struct Credentials: Codable {
        var ServerURL: String?
        var Username: String
        var Secret: String
    }

    /// The user name and secret stored for `serverURL`, or nil when the helper has none.
    public func get(_ serverURL: String) throws -> (user: String, password: String)? {
        let output = try run("get", input: Array(serverURL.utf8), allowNotFound: true)
        guard let output else { return nil }
        guard let parsed = try? JSONDecoder().decode(Credentials.self, from: Data(output)) else {
            // Not echoed: what a helper prints may hold the secret.
            throw failure("get", "its answer (\(output.count) bytes) is not {\"Username\", \"Secret\"} JSON")
        }
        // docker's convention for an identity token (an OAuth2 refresh token for the registry's
        // token service): passed on under the same user name, which the registry client
        // exchanges for access tokens instead of sending as a password (`RegistryCredentials.identityTokenUser`).
        return (parsed.Username, parsed.Secret)
    }

    public func store(_ serverURL: String, user: String, password: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = try encoder.encode(Credentials(ServerURL: serverURL, Username: user, Secret: password))
        _ = try run("store", input: Array(body), allowNotFound: false)
    }

    /// Forgets `serverURL`; false when the helper had nothing for it.
    public func erase(_ serverURL: String) throws -> Bool {
        try run("erase", input: Array(serverURL.utf8), allowNotFound: true) != nil
    }

    /// The helper's stdout on success; nil when it says it has no credentials (docker's helpers
    /// print `credentials not found in native keychain` and exit 1).
    private func run(_ verb: String, input: [UInt8], allowNotFound: Bool) throws -> [UInt8]? {
        let output: PipedProgram.Output
        do {
            output = try PipedProgram(path: path, arguments: [verb], timeout: Self.timeout).run(input: input)
        } catch PipedProgram.Failure.timedOut {
            throw failure(verb, "no answer within \(Int(Self.timeout)) s; it was stopped")
        } catch PipedProgram.Failure.spawn(let e) {
            throw failure(verb, "cannot run it: \(String(cString: strerror(e)))")
        }
        if output.status == 0 { return output.stdout }
        let said = String(decoding: output.stdout + output.stderr, as: UTF8.self)
        if allowNotFound && said.contains("credentials not found") { return nil }
        let how = output.status.map { "exit status \($0)" } ?? "killed by signal \(output.signal)"
        let stderr = output.stderr.isEmpty ? output.stdout : output.stderr
        throw failure(verb, how + (stderr.isEmpty ? "" : ": " + Self.excerpt(stderr)))
    }

    private func failure(_ verb: String, _ reason: String) -> CredentialHelperError {
        CredentialHelperError(message: "credential helper docker-credential-\(name) \(verb): \(reason)", exitCode: 1)
    }

    /// A helper's words for a one-line message: trimmed, at most 200 characters (escaped later).
    private static func excerpt(_ bytes: [UInt8]) -> String {
        String(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
    }
}
