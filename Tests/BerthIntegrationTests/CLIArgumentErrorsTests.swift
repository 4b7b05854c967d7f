import Foundation
import XCTest
import BerthTestSupport

/// Bad command lines, as docker reports them: one line `berth: …` on stderr, nothing on stdout,
/// exit status 125, for every verb; `--help` is not an error.
final class CLIArgumentErrorsTests: ContainerTestCase {
    override class var rootLabel: String { "argerr" }

    static let verbs: [[String]] = [
        ["top"], ["run"], ["create"], ["start"], ["stop"], ["restart"], ["kill"], ["rm"], ["ps"], ["inspect"], ["logs"],
        ["wait"], ["stats"], ["exec"], ["attach"], ["scale"], ["up"], ["down"], ["demo"],
        ["image", "import"], ["image", "ls"], ["image", "inspect"], ["image", "rm"], ["image", "prune"], ["image", "export"],
        ["image", "import-busybox"], ["network", "ls"], ["network", "inspect"], ["network", "rm"],
        ["service", "create"], ["service", "update"], ["service", "ls"], ["service", "rm"], ["service", "inspect"],
        ["context", "create"], ["context", "ls"], ["context", "use"], ["context", "rm"], ["context", "inspect"], ["system", "stream"],
        ["images"], ["rmi"], ["tag"], ["history"], ["save"], ["load"], ["diff"], ["export"], ["commit"], ["system", "df"], ["system", "prune"], ["builder", "prune"], ["build"], ["pull"], ["push"],
        ["image", "tag"], ["image", "history"], ["image", "save"], ["image", "load"],
        ["compose", "up"], ["compose", "down"], ["compose", "ps"], ["compose", "logs"], ["compose", "config"], ["container", "inspect"],
    ]

    func assertOneLine(_ args: [String], _ expected: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let r = cli.run(args)
        XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", "\(args)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("berth: ") && r.stderr.hasSuffix("\n"), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)", file: file, line: line)
        if let expected { XCTAssertEqual(r.stderr, "berth: \(expected)\n", file: file, line: line) }
    }

    func testEveryVerbReportsAnUnknownOptionOnOneLineWith125() {
        for verb in Self.verbs {
            // A verb that needs an argument reports the missing one first, as ArgumentParser checks it first.
            let r = cli.run(verb + ["--no-such-flag"])
            assertOneLine(verb + ["--no-such-flag"])
            XCTAssertTrue(r.stderr.hasSuffix(". See 'berth \(verb.joined(separator: " ")) --help'.\n"), r.stderr)
            XCTAssertTrue(r.stderr.contains("Unknown option '--no-such-flag'") || r.stderr.contains("Missing expected argument"), r.stderr)
            let help = cli.run(verb + ["--help"])
            XCTAssertEqual(help.status, 0, "\(verb) --help")
            XCTAssertTrue(help.stdout.contains("USAGE: berth \(verb.joined(separator: " "))"), help.stdout)
        }
    }

    func testUnknownVerbsSuggestTheNearest() {
        assertOneLine(["imagez"], "'imagez' is not a berth command; did you mean 'image'? See 'berth --help'.")
        assertOneLine(["xyzzy"], "'xyzzy' is not a berth command. See 'berth --help'.")
        assertOneLine(["image", "importt"], "'importt' is not a berth image command; did you mean 'import'? See 'berth image --help'.")
        assertOneLine(["service", "lss"], "'lss' is not a berth service command; did you mean 'ls'? See 'berth service --help'.")
        assertOneLine(["run", "--cpus-x", "1", "busybox"], "Unknown option '--cpus-x'. Did you mean '--cpus'? See 'berth run --help'.")
        assertOneLine(["run"], "Missing expected argument '<image>'. See 'berth run --help'.")
        assertOneLine(["run", "--cpu-shares", "abc", "busybox"], "The value 'abc' is invalid for '--cpu-shares <cpu-shares>'. See 'berth run --help'.")
        assertOneLine(["context", "lss"], "'lss' is not a berth context command; did you mean 'ls'? See 'berth context --help'.")
        assertOneLine(["--context"], "--context needs a value")
        // An argument holding a newline cannot forge a second line.
        assertOneLine(["imagez\nberth: forged"])
        for help in [["--help"], ["help", "run"], ["image", "--help"]] {
            let r = cli.run(help)
            XCTAssertEqual(r.status, 0, "\(help): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("USAGE:"), r.stdout)
        }
    }

    /// The multi-container verbs as docker: a bad command line (no name, an impossible name, a
    /// bad option value) is 125 before any container is touched; an unknown container is a
    /// runtime failure, 1, after the others were handled.
    func testMultiContainerVerbsExit125OnBadArgumentsAnd1OnUnknownContainers() {
        let verbs: [[String]] = [["stop"], ["start"], ["restart"], ["kill"], ["rm"], ["pause"], ["unpause"], ["wait"],
                                 ["update", "--memory", "64m"]]
        for verb in verbs {
            let none = cli.run(verb)
            XCTAssertEqual(none.status, 125, "\(verb): \(none.stderr)")
            assertOneLine(verb + ["bad/name"], "invalid container name 'bad/name': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
            assertOneLine(verb + ["ok", "bad\nname"])
            let unknown = cli.run(verb + ["no-such-box"])
            XCTAssertEqual(unknown.status, 1, "\(verb): \(unknown.stderr)")
            XCTAssertEqual(unknown.stderr, "berth: no such container: no-such-box\n", "\(verb)")
            XCTAssertEqual(unknown.stdout, "")
        }
        assertOneLine(["kill", "-s", "BOGUS", "no-such-box"])
        assertOneLine(["stop", "-t", "soon", "no-such-box"])
        assertOneLine(["update", "--memory", "1z", "no-such-box"])
        // One unknown among real ones: the real one is handled, the exit status is still 1.
        XCTAssertEqual(cli.run(["create", "--name", "real-one", "--network", "none", "busybox", "true"]).status, 0)
        let mixed = cli.run(["rm", "no-such-box", "real-one"])
        XCTAssertEqual(mixed.status, 1, mixed.stderr)
        XCTAssertEqual(mixed.stdout, "real-one\n")
        XCTAssertEqual(cli.run(["ps", "-a", "-q", "--filter", "name=real-one"]).stdout, "")
    }
}
