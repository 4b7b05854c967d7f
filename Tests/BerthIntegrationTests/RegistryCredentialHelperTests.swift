import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth login`/`push`/`logout` with a docker credential helper (docs/registries.md,
/// Authentication) against the htpasswd registry: a shell-script helper on PATH that keeps the
/// credential in a file and records every call. Same class as `RegistryTests`.
extension RegistryTests {
    func testACredentialHelperStoresOnLoginServesThePushAndErasesOnLogout() throws {
        let secured = try TestRegistry.start(label: "helper", auth: .htpasswd(user: "alice", password: "s3cret"))
        defer { secured.stop() }
        let bin = configHome + "/helper-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let log = configHome + "/helper-calls"
        let script = """
            #!/bin/sh
            in=$(cat); echo "$1 $in" >> \(log)
            case "$1" in
              store) echo "$in" > \(log).store ;;
              get) if [ -f \(log).store ]; then cat \(log).store; else echo "credentials not found in native keychain"; exit 1; fi ;;
              erase) rm -f \(log).store ;;
            esac

            """
        try script.write(toFile: bin + "/docker-credential-berthtest", atomically: true, encoding: .utf8)
        chmod(bin + "/docker-credential-berthtest", 0o755)
        try #"{"credHelpers": {"\#(secured.address)": "berthtest"}}"#.write(toFile: configHome + "/docker/config.json", atomically: true, encoding: .utf8)
        let oldPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        setenv("PATH", bin + ":" + oldPath, 1)
        defer { setenv("PATH", oldPath, 1) }
        func calls() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        let login = cli.run(["login", "-u", "alice", "--password-stdin", secured.address], stdin: "s3cret\n")
        XCTAssertEqual(login.status, 0, login.both)
        XCTAssertEqual(calls(), [#"store {"Secret":"s3cret","ServerURL":"\#(secured.address)","Username":"alice"}"#])
        XCTAssertFalse(FileManager.default.fileExists(atPath: configHome + "/berth/auth.json"), "login wrote the file, not the helper")

        let base = "\(registry.address)/fixture/img:v1"
        XCTAssertEqual(cli.run(["pull", base], timeout: 120).status, 0)
        let ref = "\(secured.address)/team/app:1"
        XCTAssertEqual(cli.run(["tag", base, ref]).status, 0)
        defer { forget([ref]) }
        let push = cli.run(["push", "-q", ref], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        XCTAssertEqual(skopeoDigest(ref, creds: "alice:s3cret"), push.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(calls().last, "get \(secured.address)")

        let logout = cli.run(["logout", secured.address])
        XCTAssertTrue(logout.stdout.contains("Removing login credentials"), logout.both)
        XCTAssertEqual(calls().last, "erase \(secured.address)")
        assertOneLine(cli.run(["push", ref], timeout: 60), status: 1, contains: "unauthorized")

        // A helper name that would leave the helpers' namespace: one line, nothing run.
        let before = calls()
        try #"{"credHelpers": {"\#(secured.address)": "../../bin/sh"}}"#.write(toFile: configHome + "/docker/config.json", atomically: true, encoding: .utf8)
        assertOneLine(cli.run(["push", ref], timeout: 60), status: 125, contains: "not a helper name")
        XCTAssertEqual(calls(), before)
    }

    /// docker's identity tokens: a credential helper that answers `<token>` as the user (and a
    /// `config.json` `identitytoken`) gives an OAuth2 refresh token, which the client POSTs to the
    /// token service (`grant_type=refresh_token`) and never sends as a password.
    func testIdentityTokensFromAHelperOrConfigJSONAreExchangedForAccessTokens() throws {
        let pki = configHome + "/pki"
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
        let made = ImageFixtures.shell(["/bin/sh", "-c", "cd \"$1\" && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-token -keyout token.key -out token.crt 2>&1", "sh", pki])
        XCTAssertEqual(made.status, 0, made.output)
        let refresh = "r3fresh+tok&en=1"
        let issuer = try TestRegistry.python(label: "issuer", script: TestRegistries.tokenIssuer,
                                             arguments: [pki + "/token.key", pki + "/token.crt", "bob", "t0ken-pw", refresh])
        defer { issuer.stop() }
        let secured = try TestRegistry.start(label: "idtoken", auth: .token(realm: "http://\(issuer.address)/token", certificate: pki + "/token.crt"))
        defer { secured.stop() }
        let bin = configHome + "/helper-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let secretFile = configHome + "/helper-secret"
        try #"""
            #!/bin/sh
            cat >/dev/null
            [ "$1" = get ] && printf '{"ServerURL":"x","Username":"<token>","Secret":"%s"}\n' "$(cat \#(secretFile))"

            """#.write(toFile: bin + "/docker-credential-idtok", atomically: true, encoding: .utf8)
        chmod(bin + "/docker-credential-idtok", 0o755)
        let oldPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        setenv("PATH", bin + ":" + oldPath, 1)
        defer { setenv("PATH", oldPath, 1) }

        let base = "\(registry.address)/fixture/img:v1"
        if cli.run(["images", "-q", base]).stdout.isEmpty { XCTAssertEqual(cli.run(["pull", "-q", base], timeout: 120).status, 0) }
        let ref = "\(secured.address)/team/idtok:1"
        XCTAssertEqual(cli.run(["tag", base, ref]).status, 0)
        defer { forget([ref]) }

        // From the helper: push and pull through access tokens the refresh token bought.
        try refresh.write(toFile: secretFile, atomically: true, encoding: .utf8)
        try #"{"credHelpers": {"\#(secured.address)": "idtok"}}"#.write(toFile: configHome + "/docker/config.json", atomically: true, encoding: .utf8)
        let push = cli.run(["push", "-q", ref], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        XCTAssertEqual(skopeoDigest(ref, creds: "bob:t0ken-pw"), push.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        XCTAssertEqual(cli.run(["pull", "-q", ref], timeout: 120).status, 0)

        // A refresh token the service does not know: refused in one line.
        try "stale-token".write(toFile: secretFile, atomically: true, encoding: .utf8)
        assertOneLine(cli.run(["pull", ref], timeout: 60), status: 1, contains: "unauthorized")

        // From docker's config.json `identitytoken` (no helper).
        try #"{"auths": {"\#(secured.address)": {"identitytoken": "\#(refresh.replacingOccurrences(of: "&", with: "\\u0026"))"}}}"#
            .write(toFile: configHome + "/docker/config.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        let fromFile = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(fromFile.status, 0, fromFile.both)

        // An identity token is never a password: a registry asking for basic auth is told so.
        let basicOnly = try TestRegistry.start(label: "idbasic", auth: .htpasswd(user: "alice", password: "s3cret"))
        defer { basicOnly.stop() }
        try #"{"auths": {"\#(basicOnly.address)": {"identitytoken": "whatever"}}}"#
            .write(toFile: configHome + "/docker/config.json", atomically: true, encoding: .utf8)
        assertOneLine(cli.run(["pull", "\(basicOnly.address)/team/none:1"], timeout: 60), status: 1, contains: "is an identity token")
    }
}
