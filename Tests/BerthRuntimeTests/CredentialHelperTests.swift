import BerthOS
import BerthRuntime
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// docker's credential-helper protocol (`CredentialHelper`, `RegistryCredentials`) with helpers
/// written as shell scripts in a private directory that is the whole PATH: what they were asked
/// (verb and stdin) is recorded in a file the test reads.
final class CredentialHelperTests: XCTestCase {
    var dir = ""
    var env: [String: String] = [:]

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard FileManager.default.isExecutableFile(atPath: "/bin/sh") else { throw XCTSkip("/bin/sh is needed to write helpers") }
        dir = NSTemporaryDirectory() + "credhelper-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/docker", withIntermediateDirectories: true)
        env = ["XDG_CONFIG_HOME": dir + "/xdg", "DOCKER_CONFIG": dir + "/docker", "HOME": dir, "PATH": dir + "/bin"]
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
    }

    /// `docker-credential-NAME` running `body` (sh), with `$LOG` the calls file.
    func helper(_ name: String, _ body: String) throws {
        let path = dir + "/bin/docker-credential-" + name
        try "#!/bin/sh\nLOG=\(dir)/calls\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    func dockerConfig(_ json: String) throws {
        try json.write(toFile: dir + "/docker/config.json", atomically: true, encoding: .utf8)
    }

    func calls() -> [String] {
        ((try? String(contentsOfFile: dir + "/calls", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// A helper that stores one credential in a file, as docker's helpers keep them in a keyring.
    static let storing = """
        in=$(cat); echo "$1 $in" >> $LOG
        case "$1" in
          store) echo "$in" > $LOG.store ;;
          get) if [ -f $LOG.store ]; then sed 's/"ServerURL":"[^"]*",//' $LOG.store; else echo "credentials not found in native keychain"; exit 1; fi ;;
          erase) if [ -f $LOG.store ]; then rm $LOG.store; else echo "credentials not found in native keychain"; exit 1; fi ;;
        esac
        """

    func testStoreGetEraseThroughThePerRegistryHelper() throws {
        try helper("rec", Self.storing)
        try dockerConfig(#"{"credHelpers": {"r.example:5000": "rec"}, "auths": {"r.example:5000": {"auth": "\#(Data("file:pw".utf8).base64EncodedString())"}}}"#)
        let creds = RegistryCredentials(environment: env)
        try creds.store("r.example:5000", user: "alice", password: "s3cret")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/xdg/berth/auth.json"), "stored in the file, not the helper")
        let found = try creds.lookup("r.example:5000")
        XCTAssertEqual(found?.user, "alice")
        XCTAssertEqual(found?.password, "s3cret")
        XCTAssertTrue(try creds.remove("r.example:5000"))
        // The helper has none now: docker's `auths` entry is next.
        XCTAssertEqual(try creds.lookup("r.example:5000")?.user, "file")
        XCTAssertFalse(try creds.remove("r.example:5000"))
        XCTAssertEqual(calls(), [
            #"store {"Secret":"s3cret","ServerURL":"r.example:5000","Username":"alice"}"#,
            "get r.example:5000", "erase r.example:5000", "get r.example:5000", "erase r.example:5000",
        ])
        // Another registry: no credHelpers entry, no credsStore, so the helper is never asked.
        XCTAssertNil(try creds.lookup("other.example"))
        XCTAssertEqual(calls().count, 5)
    }

    func testCredsStoreServesEveryRegistryAfterBerthsOwnFile() throws {
        try helper("all", #"in=$(cat); echo "$1 $in" >> $LOG; echo '{"ServerURL":"x","Username":"u","Secret":"p"}'"#)
        try dockerConfig(#"{"credsStore": "all"}"#)
        let creds = RegistryCredentials(environment: env)
        XCTAssertEqual(try creds.lookup("docker.io")?.user, "u")
        XCTAssertEqual(calls(), ["get https://index.docker.io/v1/"])
        // Berth's own file comes first: with an entry there, the helper is not run.
        try FileManager.default.createDirectory(atPath: dir + "/xdg/berth", withIntermediateDirectories: true)
        try #"{"auths": {"q.example": {"auth": "\#(Data("mine:pw".utf8).base64EncodedString())"}}}"#
            .write(toFile: dir + "/xdg/berth/auth.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try creds.lookup("q.example")?.user, "mine")
        XCTAssertEqual(calls().count, 1)
    }

    func testHostileHelperNamesAreRefusedBeforeAnythingRuns() throws {
        // A program of that name exists (`docker-credential-` + "../x" would resolve to it).
        try helper("x", "echo ran >> $LOG")
        try "#!/bin/sh\necho ran >> \(dir)/calls\n".write(toFile: dir + "/x", atomically: true, encoding: .utf8)
        chmod(dir + "/x", 0o755)
        for bad in ["../x", "..", ".", "a/b", "/bin/sh", "x y", "x\u{1B}[31m", String(repeating: "a", count: 65)] {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: ["credsStore": bad]), as: UTF8.self)
            try dockerConfig(json)
            XCTAssertThrowsError(try RegistryCredentials(environment: env).lookup("r.example"), bad.debugDescription) { error in
                let e = error as? CredentialHelperError
                XCTAssertEqual(e?.exitCode, 125, "\(error)")
                XCTAssertTrue(e?.description.contains("not a helper name") ?? false, "\(error)")
                XCTAssertFalse(e?.description.contains("\u{1B}") ?? true, "an escape reached the message")
            }
        }
        XCTAssertEqual(calls(), [], "a helper ran")
        // A valid name that is not on PATH: one line naming the program.
        try dockerConfig(#"{"credsStore": "missing"}"#)
        XCTAssertThrowsError(try RegistryCredentials(environment: env).lookup("r.example")) { error in
            XCTAssertEqual("\(error)", "credential helper docker-credential-missing (named in docker's config.json) is not on PATH")
        }
    }

    func testGarbageAndFailuresAreOneLine() throws {
        let cases: [(String, String)] = [
            ("garbage", #"cat >/dev/null; printf 'not json\033[2J\n'"#),
            ("fails", #"cat >/dev/null; printf 'keyring locked\033]0;pwned\007\nsecond line\n' >&2; exit 3"#),
            ("killed", #"kill -9 $$"#),
        ]
        let expected = [
            "credential helper docker-credential-garbage get: its answer (13 bytes) is not {\"Username\", \"Secret\"} JSON",
            "credential helper docker-credential-fails get: exit status 3: keyring locked\\x1b]0;pwned\\x07\\nsecond line",
            "credential helper docker-credential-killed get: killed by signal 9",
        ]
        for ((name, body), want) in zip(cases, expected) {
            try helper(name, body)
            try dockerConfig(#"{"credsStore": "\#(name)"}"#)
            XCTAssertThrowsError(try RegistryCredentials(environment: env).lookup("r.example"), name) { error in
                let text = "\(error)"
                XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, text.debugDescription)
                XCTAssertEqual((error as? CredentialHelperError)?.exitCode, 1)
                XCTAssertEqual(text, want)
            }
        }
    }

    func testIdentityTokensComeBackUnderDockersTokenUser() throws {
        try helper("token", #"cat >/dev/null; echo '{"ServerURL":"r","Username":"<token>","Secret":"refresh"}'"#)
        try dockerConfig(#"{"credsStore": "token"}"#)
        let fromHelper = try XCTUnwrap(try RegistryCredentials(environment: env).lookup("r.example"))
        XCTAssertEqual(fromHelper.user, RegistryCredentials.identityTokenUser)
        XCTAssertEqual(fromHelper.password, "refresh")
        // config.json's `identitytoken` wins over its `auth` for the same registry, as docker's.
        try dockerConfig(#"{"auths": {"r.example": {"auth": "dTpw", "identitytoken": "idt"}}}"#)
        let fromFile = try XCTUnwrap(try RegistryCredentials(environment: env).lookup("r.example"))
        XCTAssertEqual(fromFile.user, "<token>")
        XCTAssertEqual(fromFile.password, "idt")
    }

    func testAHangingHelperIsStoppedAtTheTimeLimit() throws {
        // It holds its output open and never answers; the helper is killed, nothing is left running.
        try helper("hang", "echo $$ > \(dir)/pid; exec sleep 600")
        try dockerConfig(#"{"credsStore": "hang"}"#)
        XCTAssertThrowsError(try RegistryCredentials(environment: env).lookup("r.example")) { error in
            XCTAssertEqual("\(error)", "credential helper docker-credential-hang get: no answer within \(Int(CredentialHelper.timeout)) s; it was stopped")
        }
        let pid = try XCTUnwrap(Int32((try? String(contentsOfFile: dir + "/pid", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        XCTAssertEqual(kill(pid, 0), -1, "the helper \(pid) still runs")
    }
}
