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
}
