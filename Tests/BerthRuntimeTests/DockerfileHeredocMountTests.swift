import BerthOS
@testable import BerthRuntime
import XCTest

/// The Dockerfile 1.4 forms the parser and the RUN planner know: heredocs (RUN, COPY), what a
/// RUN with heredocs executes; hostile names and unterminated heredocs.
final class DockerfileHeredocMountTests: XCTestCase {
    private func parse(_ text: String) throws -> [DockerfileInstruction] { try Dockerfile.parse(text).instructions }

    func testRunHeredocAloneRunsItsBodyInTheShell() throws {
        let ins = try parse("FROM a\nRUN <<EOF\necho one\n  echo two\nEOF\nRUN true\n")
        XCTAssertEqual(ins.map(\.keyword), ["FROM", "RUN", "RUN"])
        XCTAssertEqual(ins[1].heredocs, [Heredoc(name: "EOF", body: "echo one\n  echo two\n", expand: true)])
        XCTAssertEqual(ins[2].line, 6, "lines after the terminator are instructions again")
        XCTAssertEqual(RunCommand.of(ins[1], shell: ["/bin/sh", "-c"]), .argv(["/bin/sh", "-c", "echo one\n  echo two\n"]))
    }

    func testRunHeredocWithACommandGivesTheShellTheHeredocs() throws {
        let ins = try parse("FROM a\nRUN <<EOF bash\nset -e\nEOF\nRUN python3 <<'PY' > /out\nprint('$X')\nPY\n")
        XCTAssertEqual(RunCommand.of(ins[1], shell: ["/bin/sh", "-c"]), .argv(["/bin/sh", "-c", "<<EOF bash\nset -e\nEOF"]))
        XCTAssertEqual(ins[2].heredocs, [Heredoc(name: "PY", body: "print('$X')\n", expand: false)])
        XCTAssertEqual(RunCommand.of(ins[2], shell: ["/bin/sh", "-c"]), .argv(["/bin/sh", "-c", "python3 <<'PY' > /out\nprint('$X')\nPY"]),
                       "the quoted delimiter reaches the shell, which then expands nothing")
    }

    func testSeveralHeredocsTabStrippingAndShebangScripts() throws {
        let ins = try parse("FROM a\nCOPY <<a.txt <<-\"b.txt\" /dir/\nfirst\na.txt\n\t\tsecond\n\tb.txt\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n")
        XCTAssertEqual(ins[1].heredocs, [Heredoc(name: "a.txt", body: "first\n", expand: true),
                                         Heredoc(name: "b.txt", body: "second\n", expand: false)])
        XCTAssertEqual(RunCommand.of(ins[2], shell: ["/bin/sh", "-c"]), .script(name: "EOF", body: "#!/usr/bin/env python3\nprint(1)\n"))
    }

    func testWhatIsNotAHeredoc() throws {
        let ins = try parse("FROM a\nRUN echo \"<<EOF\" '<<X' <<<word\nRUN [\"cat\", \"<<EOF\"]\nCMD cat <<EOF\n")
        XCTAssertEqual(ins.count, 4)
        XCTAssertTrue(ins.allSatisfy { $0.heredocs.isEmpty }, "quoted, a here-string, the exec form and CMD take no heredoc")
    }

    func testAnUnterminatedHeredocNamesItsLine() {
        XCTAssertThrowsError(try parse("FROM a\n\nRUN <<EOF\necho never ends\n EOF\n")) { e in
            XCTAssertTrue("\(e)".hasPrefix("Dockerfile:3: unterminated heredoc <<EOF"), "\(e)")
        }
        XCTAssertThrowsError(try parse("FROM a\nCOPY <<A <<B /d/\nA\n")) { e in
            XCTAssertTrue("\(e)".contains("<<B"), "the second one is missing: \(e)")
        }
    }

    func testHostileHeredocNamesAreRefused() {
        for name in ["../../etc/passwd", "..", "a/b", "x\u{1b}[31m"] {
            XCTAssertThrowsError(try parse("FROM a\nCOPY <<\(name) /d/\nbody\n\(name)\n"), name) { e in
                XCTAssertTrue("\(e)".hasPrefix("Dockerfile:2: heredoc name"), "\(e)")
                XCTAssertFalse("\(e)".contains("\u{1b}"), "control characters escaped")
            }
        }
    }

    func testHeredocBodiesExpandOnlyVariables() throws {
        let lex = ShellLexer(variables: ["NAME": "berth"])
        XCTAssertEqual(try lex.expandVariables("hi \"$NAME\" '${NAME}' \\$NAME \\n\n"), "hi \"berth\" 'berth' $NAME \\n\n")
    }
}
