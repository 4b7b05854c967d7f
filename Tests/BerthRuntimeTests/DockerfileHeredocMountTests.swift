import BerthOS
@testable import BerthRuntime
import XCTest

/// The Dockerfile 1.4 forms the parser and the RUN planner know: heredocs (RUN, COPY), what a
/// RUN with heredocs executes, `RUN --mount` options, `RUN --network`, `--secret`; hostile
/// names and unterminated heredocs.
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

    func testRunMountsRepeatAndParse() throws {
        let ins = try parse("FROM a\nRUN --mount=type=cache,target=/c --mount=type=secret,id=tok --network=none true\n")[1]
        XCTAssertEqual(ins.mounts, ["type=cache,target=/c", "type=secret,id=tok"])
        XCTAssertEqual(ins.flags, ["network": "none"])

        let cache = try RunMount.parse("type=cache,target=/root/.cache/,sharing=locked,mode=0700,uid=1000,gid=1000")
        XCTAssertEqual(cache.target, "/root/.cache")
        XCTAssertEqual(cache.id, "/root/.cache", "a cache's id defaults to its target")
        XCTAssertEqual(cache.sharing, .locked)
        XCTAssertEqual(cache.mode, 0o700)
        XCTAssertEqual(cache.uid, 1000)
        XCTAssertTrue(cache.readWrite)
        XCTAssertEqual(try RunMount.parse("type=cache,id=go-build,dst=/c,ro").readWrite, false)
        let ssh = try RunMount.parse("type=ssh")
        XCTAssertEqual([ssh.id, ssh.target], ["default", "/run/buildkit/ssh_agent.0"], "BuildKit's defaults")
        XCTAssertFalse(ssh.targetGiven)
        XCTAssertTrue(try RunMount.parse("type=ssh,id=gh,target=/a.sock,required=true").required)

        let bind = try RunMount.parse("source=app.conf,target=/etc/app.conf")
        XCTAssertEqual(bind.kind, .bind, "bind is the default type")
        XCTAssertEqual(bind.source, "app.conf")
        XCTAssertFalse(bind.readWrite, "read-only unless rw")
        XCTAssertTrue(try RunMount.parse("type=bind,src=.,target=/src,from=builder,rw=true").readWrite)

        let secret = try RunMount.parse("type=secret,id=npmrc,required=true,mode=0440")
        XCTAssertEqual(secret.target, "/run/secrets/npmrc")
        XCTAssertTrue(secret.required)
        XCTAssertEqual(try RunMount.parse("type=tmpfs,target=/scratch,size=64m").size, 64 << 20)
    }

    func testRunMountRefusalsAreOneLine() {
        let refused = [
            ("type=cache,target=/c,id=../../etc", "invalid cache id"),
            ("type=cache,target=/c,id=a/b", "invalid cache id"),
            ("type=secret,id=../x", "invalid secret id"),
            ("type=cache", "target= is required"),
            ("type=bind,target=/", "cannot mount over the container's root"),
            ("type=tmpfs,target=/proc/x", "kernel filesystem"),
            ("type=sshfs", "not supported"),
            ("type=ssh,id=../agent", "invalid ssh id"),
            ("type=ssh,source=x", "unknown option 'source'"),
            ("type=cache,target=/c,source=x", "unknown option 'source'"),
            ("type=cache,target=/c,sharing=sometimes", "expected shared, private or locked"),
            ("type=cache,target=/c,mode=999", "octal"),
            ("type=tmpfs,target=/t,size=lots", "size"),
            ("type=bind,target=/t,target=/u", "given twice"),
        ]
        for (text, fragment) in refused {
            XCTAssertThrowsError(try RunMount.parse(text), text) { e in
                XCTAssertTrue("\(e)".contains(fragment) && !"\(e)".contains("\n"), "\(text): \(e)")
            }
        }
    }

    func testRunNetworkModes() throws {
        XCTAssertEqual(try RunNetwork.mode("none", default: .bridge), NetworkMode.none)
        XCTAssertEqual(try RunNetwork.mode("default", default: .bridge), .bridge)
        XCTAssertEqual(try RunNetwork.mode(nil, default: .none), NetworkMode.none)
        XCTAssertThrowsError(try RunNetwork.mode("host", default: .bridge)) { e in
            XCTAssertTrue("\(e)".contains("entitlement"), "\(e)")
        }
        XCTAssertThrowsError(try RunNetwork.mode("bridge", default: .bridge))
    }

    func testSecretFlags() throws {
        XCTAssertEqual(try BuildSecret.parse("id=tok,src=/run/t"), BuildSecret(id: "tok", source: .file("/run/t")))
        XCTAssertEqual(try BuildSecret.parse("id=tok,env=TOKEN"), BuildSecret(id: "tok", source: .environment("TOKEN")))
        XCTAssertEqual(try BuildSecret.parse("id=TOKEN"), BuildSecret(id: "TOKEN", source: .environment("TOKEN")))
        XCTAssertThrowsError(try BuildSecret.parse("src=/x"))
        XCTAssertThrowsError(try BuildSecret.parse("id=../../x,src=/x"))
        XCTAssertThrowsError(try BuildSecret.parse("id=a,src=/x,env=Y"))
    }
}
