import BerthRuntime
import Foundation
import XCTest

/// docker's reference grammar for registries, and the credentials file (docs/registries.md).
final class RegistryReferenceTests: XCTestCase {
    func parse(_ text: String) throws -> RegistryReference { try RegistryReference(parsing: text) }

    func testDockerHubDefaultsAndLocalNames() throws {
        let short = try parse("busybox")
        XCTAssertEqual(short.registry, "docker.io")
        XCTAssertEqual(short.apiHost, "registry-1.docker.io")
        XCTAssertEqual(short.repository, "library/busybox")
        XCTAssertEqual(short.tag, "latest")
        XCTAssertEqual(short.localReference.description, "busybox:latest")
        let user = try parse("docker.io/someone/app:2")
        XCTAssertEqual(user.repository, "someone/app")
        XCTAssertEqual(user.localReference.description, "someone/app:2")
        XCTAssertEqual(try parse("docker.io/busybox:1").repository, "library/busybox")
    }

    func testRegistriesWithPortsAndDigests() throws {
        let hex = String(repeating: "ab", count: 32)
        let r = try parse("127.0.0.1:5000/team/app:1.4")
        XCTAssertEqual(r.registry, "127.0.0.1:5000")
        XCTAssertEqual(r.repository, "team/app")
        XCTAssertEqual(r.manifestReference, "1.4")
        XCTAssertEqual(r.localReference.description, "127.0.0.1:5000/team/app:1.4")
        XCTAssertTrue(RegistryReference.isLoopback(r.registry))
        XCTAssertFalse(RegistryReference.isLoopback("registry.example.com:5000"))
        XCTAssertTrue(RegistryReference.isLoopback("localhost:5000"))
        let pinned = try parse("localhost:5000/app@sha256:\(hex)")
        XCTAssertNil(pinned.tag)
        XCTAssertEqual(pinned.manifestReference, "sha256:\(hex)")
        XCTAssertEqual(pinned.localReference.tag, "sha256-" + String(hex.prefix(12)))
        let both = try parse("example.com/app:v1@sha256:\(hex)")
        XCTAssertEqual(both.tag, "v1")
        XCTAssertEqual(both.manifestReference, "sha256:\(hex)")
        // A first component without '.' or ':' is a path, not a host.
        XCTAssertEqual(try parse("team/app").registry, "docker.io")
    }

    func testHostileReferencesAreRefused() {
        for bad in ["", "UPPER/case", "a//b", "../x", "x@sha256:short", "x@md5:abcd", "x:tag with space", "x\u{1B}[31m",
                    "host:99999999999999999999/x", "x:" + String(repeating: "t", count: 200)] {
            XCTAssertThrowsError(try parse(bad), bad.debugDescription)
        }
    }

    func testCredentialsRoundTripInDockersFormatWithMode0600() throws {
        let dir = NSTemporaryDirectory() + "regcreds-test-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["XDG_CONFIG_HOME": dir + "/xdg", "DOCKER_CONFIG": dir + "/docker", "HOME": dir]
        let creds = RegistryCredentials(environment: env)
        XCTAssertNil(try creds.lookup("r.example:5000"))
        try creds.store("r.example:5000", user: "u", password: "p:w")
        XCTAssertEqual(try creds.lookup("r.example:5000")?.user, "u")
        XCTAssertEqual(try creds.lookup("r.example:5000")?.password, "p:w")
        var st = stat()
        XCTAssertEqual(stat(dir + "/xdg/berth/auth.json", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/xdg/berth/auth.json"))) as? [String: Any]
        let auth = ((json?["auths"] as? [String: Any])?["r.example:5000"] as? [String: Any])?["auth"] as? String
        XCTAssertEqual(auth, Data("u:p:w".utf8).base64EncodedString())
        XCTAssertTrue(try creds.remove("r.example:5000"))
        XCTAssertFalse(try creds.remove("r.example:5000"))
        // docker's file, with Docker Hub's legacy key.
        try FileManager.default.createDirectory(atPath: dir + "/docker", withIntermediateDirectories: true)
        let docker = #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(Data("hub:pw".utf8).base64EncodedString())"}}}"#
        try docker.write(toFile: dir + "/docker/config.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try creds.lookup("docker.io")?.user, "hub")
        // A damaged Berth file is an error to fix, never silently replaced.
        try "not json".write(toFile: dir + "/xdg/berth/auth.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try creds.store("r.example:5000", user: "u", password: "p"))
    }
}
