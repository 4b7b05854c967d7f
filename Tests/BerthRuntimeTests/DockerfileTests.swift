import BerthOS
@testable import BerthRuntime
import XCTest

/// The Dockerfile parser, word rules and `.dockerignore` matching, against the rules of docker's
/// Dockerfile reference (directives, continuations, comments, exec vs shell form, substitution).
final class DockerfileTests: XCTestCase {
    func testParsesDirectivesContinuationsCommentsAndForms() throws {
        let text = """
        # escape=`
        # a comment
        FROM busybox AS base
        RUN echo one && `
            # a comment inside a continuation is dropped
            echo two
        copy --chown=1:2 --from=base a b /dst/
        CMD ["sh", "-c", "echo hi"]
        ENTRYPOINT echo not json [
        """
        let f = try Dockerfile.parse(text)
        XCTAssertEqual(f.escape, "`")
        XCTAssertEqual(f.instructions.map(\.keyword), ["FROM", "RUN", "COPY", "CMD", "ENTRYPOINT"])
        XCTAssertEqual(f.instructions[1].text, "echo one && echo two")
        XCTAssertEqual(f.instructions[1].line, 4)
        XCTAssertNil(f.instructions[1].exec)
        XCTAssertEqual(f.instructions[2].flags, ["chown": "1:2", "from": "base"])
        XCTAssertEqual(f.instructions[2].text, "a b /dst/")
        XCTAssertEqual(f.instructions[3].exec, ["sh", "-c", "echo hi"])
        XCTAssertNil(f.instructions[4].exec, "not a JSON array: the shell form")
    }

    func testRefusesUnknownInstructionsWithTheLineAndEscapedText() {
        XCTAssertThrowsError(try Dockerfile.parse("FROM a\nFO\u{1b}RM b\n")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("Dockerfile:2: unknown instruction"), text)
            XCTAssertFalse(text.contains("\u{1b}"), "control characters are escaped: \(text)")
        }
        XCTAssertThrowsError(try Dockerfile.parse("# escape=x\nFROM a\n"))
        XCTAssertThrowsError(try Dockerfile.parse("FROM a\nCOPY\n"))
    }

    func testSubstitutesVariablesWithDockersModifiers() throws {
        let lex = ShellLexer(variables: ["A": "1", "E": "", "S": "x y"])
        XCTAssertEqual(try lex.word("$A-${A}-${NO:-d}-${E:-e}-${E-f}-${A:+alt}-${NO:+alt}-${NO+p}-${E+q}"), "1-1-d-e--alt---q")
        XCTAssertEqual(try lex.word("'$A' \"$A\" \\$A"), "$A 1 $A")
        XCTAssertEqual(try lex.words("a=\"$S\" b=$A 'c d'"), ["a=x y", "b=1", "c d"])
        XCTAssertEqual(try lex.word("${NO:-${A}x}"), "1x", "a nested substitution in the default")
        XCTAssertThrowsError(try lex.word("${NO:?must be set}"))
        XCTAssertThrowsError(try lex.word("\"open"))
        XCTAssertThrowsError(try lex.word("${A"))
    }

    func testConfigChangesFollowDockersRules() throws {
        var c = ImageConfig(env: ["PATH=/bin"], cmd: ["old"])
        let lex = ShellLexer(variables: ["V": "v"])
        func apply(_ line: String) throws {
            try ImageConfigChange.apply(try Dockerfile.instruction(line, line: 1, name: "t"), to: &c, lexer: lex)
        }
        try apply("ENV A=$V B=\"two words\"")
        try apply("ENV C legacy form")
        try apply("ENTRYPOINT [\"/e\"]")
        XCTAssertEqual(c.cmd, [], "an ENTRYPOINT resets the inherited CMD")
        try apply("CMD echo $HOME")
        try apply("WORKDIR /a")
        try apply("WORKDIR b/../c")
        try apply("EXPOSE 80 53/udp")
        try apply("LABEL k=v")
        try apply("USER 1000:1000")
        try apply("VOLUME [\"/data\"]")
        try apply("STOPSIGNAL SIGINT")
        try apply("HEALTHCHECK --interval=5s --retries=2 CMD true")
        XCTAssertEqual(c.env, ["PATH=/bin", "A=v", "B=two words", "C=legacy form"])
        XCTAssertEqual(c.entrypoint, ["/e"])
        XCTAssertEqual(c.cmd, ["/bin/sh", "-c", "echo $HOME"], "CMD is not substituted: the shell does it")
        XCTAssertEqual(c.workingDir, "/a/c")
        XCTAssertEqual(c.exposedPorts, ["53/udp", "80/tcp"])
        XCTAssertEqual(c.labels, ["k": "v"])
        XCTAssertEqual(c.user, "1000:1000")
        XCTAssertEqual(c.volumes, ["/data"])
        XCTAssertEqual(c.stopSignal, "SIGINT")
        XCTAssertEqual(c.healthcheck?.test, ["CMD-SHELL", "true"])
        XCTAssertEqual(c.healthcheck?.interval, 5_000_000_000)
        XCTAssertEqual(c.healthcheck?.retries, 2)
        XCTAssertThrowsError(try apply("EXPOSE 99999"))
        XCTAssertThrowsError(try apply("STOPSIGNAL NOPE"))
        XCTAssertThrowsError(try ImageConfigChange.parseCommitChanges(["RUN rm -rf /"]))
        XCTAssertEqual(try ImageConfigChange.parseCommitChanges(["cmd [\"a\"]"]).first?.exec, ["a"])
    }

    func testDockerIgnoreMatchesLikeMoby() {
        let ignore = DockerIgnore("""
        # comment
        *.log
        build/
        **/*.tmp
        !keep.log
        /docs/*.md
        """)
        XCTAssertTrue(ignore.excludes("a.log"))
        XCTAssertFalse(ignore.excludes("keep.log"), "an exception after the pattern")
        XCTAssertFalse(ignore.excludes("sub/a.log"), "*.log matches at the top only")
        XCTAssertTrue(ignore.excludes("build/x/y"), "below an excluded directory")
        XCTAssertTrue(ignore.excludes("deep/er/f.tmp"))
        XCTAssertTrue(ignore.excludes("docs/readme.md"))
        XCTAssertFalse(ignore.excludes("src/main.swift"))
        XCTAssertTrue(ignore.hasExceptions)
    }

    func testCopySourcesCannotClimbOutOfTheContext() {
        XCTAssertEqual(try BuildContext.relative("/a/./b"), "a/b")
        XCTAssertEqual(try BuildContext.relative("a/../b"), "b")
        XCTAssertThrowsError(try BuildContext.relative("../x"))
        XCTAssertThrowsError(try BuildContext.relative("a/../../x"))
    }
}
