import BerthOS
@testable import BerthRuntime
import Foundation
import BerthTestSupport
import XCTest

/// Contexts without a network: the ssh destination's grammar, the remote command's quoting
/// (checked by real shells), the ssh argument list, and the contexts file.
final class ContextTests: XCTestCase {
    func testDestinationsParse() throws {
        XCTAssertEqual(try SSHDestination.parse("ssh://h"), SSHDestination(host: "h"))
        XCTAssertEqual(try SSHDestination.parse("ssh://me@host.example:2222/"), SSHDestination(user: "me", host: "host.example", port: 2222))
        XCTAssertEqual(try SSHDestination.parse("ssh://[fe80::1]:22"), SSHDestination(host: "fe80::1", port: 22))
        XCTAssertEqual(try SSHDestination.parse("ssh://a@[::1]").url, "ssh://a@[::1]")
    }

    func testHostileDestinationsAreRefused() {
        for text in ["ssh://-oProxyCommand=x", "ssh://-x@h", "ssh://h -oX", "ssh://h\n", "ssh://", "ssh://h:0", "ssh://h:65536",
                     "ssh://h:22x", "ssh://h/path", "http://h", "h", "ssh://.h", "ssh://[x]", "ssh://u;v@h", "ssh://h?x", "ssh://ü"] {
            XCTAssertThrowsError(try SSHDestination.parse(text), text) { error in
                XCTAssertEqual((error as? BerthError)?.exitCode, 125)
                XCTAssertFalse("\(error)".contains("\n"), text)
            }
        }
    }

    /// Every word survives a real POSIX shell (dash) and bash byte for byte.
    func testQuotedWordsSurviveShells() throws {
        let words = ["plain", "", "a;b", "$(id)", "`id`", "x\ny", "it's", "'", "''", "\"", "\\", "*", "~", "$HOME", "-n",
                     "a|b", "a&b", "#", "tab\t", " lead", "é日本", "!", "{a,b}", "a=b"]
        for shell in ["/bin/sh", "/bin/bash"] where FileManager.default.isExecutableFile(atPath: shell) {
            let command = "printf '[%s]\\n' " + words.map(ShellQuote.word).joined(separator: " ")
            let r = Subprocess.run(shell, ["-c", command])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, words.map { "[\($0)]\n" }.joined(), shell)
        }
    }

    func testSSHArguments() {
        let c = HostContext(name: "b", destination: SSHDestination(user: "me", host: "h", port: 2222), root: "/srv/berth", identity: "/k")
        let i = RemoteInvocation(context: c, arguments: ["exec", "web", "sh", "-c", "echo $1"], terminal: false)
        XCTAssertEqual(i.sshArguments, ["-o", "BatchMode=yes", "-T", "-p", "2222", "-l", "me", "-i", "/k", "--", "h",
                                        "berth --context default --root /srv/berth exec web sh -c 'echo $1'"])
        let t = RemoteInvocation(context: HostContext(name: "a", destination: SSHDestination(host: "h")), arguments: [],
                                 globalOptions: ["--root", "/x"], terminal: true)
        XCTAssertEqual(t.sshArguments, ["-o", "BatchMode=yes", "-t", "--", "h", "berth --context default --root /x"])
    }

    func testStoreKeepsContextsPrivateAndValidated() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/berth-contexts-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ContextStore(directory: dir + "/berth")
        XCTAssertEqual(try store.list(), [])
        XCTAssertNil(try store.current())
        let a = HostContext(name: "a", destination: SSHDestination(host: "h"), description: "first")
        try store.create(a)
        XCTAssertThrowsError(try store.create(a))
        for bad in [HostContext(name: "../x", destination: SSHDestination(host: "h")),
                    HostContext(name: "default", destination: SSHDestination(host: "h")),
                    HostContext(name: "c", destination: SSHDestination(host: "h"), root: "rel"),
                    HostContext(name: "c", destination: SSHDestination(host: "h"), identity: "-oX"),
                    HostContext(name: "c", destination: SSHDestination(host: "h"), description: "a\u{1b}[2J")] {
            XCTAssertThrowsError(try store.create(bad), bad.name)
        }
        var st = stat()
        XCTAssertEqual(stat(store.path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertEqual(stat(store.directory, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        try store.use("a")
        XCTAssertEqual(try store.current(), "a")
        XCTAssertEqual(try store.context(named: "a"), a)
        XCTAssertNil(try store.context(named: "default"))
        XCTAssertThrowsError(try store.use("nope"))
        try store.remove("a")
        XCTAssertNil(try store.current(), "removing the context in use falls back to default")
        // A newer file is refused, not rewritten without what it holds.
        try Data(#"{"version": 2, "contexts": []}"#.utf8).write(to: URL(fileURLWithPath: store.path))
        XCTAssertThrowsError(try store.list()) { XCTAssertTrue("\($0)".contains("use a newer berth"), "\($0)") }
    }
}
