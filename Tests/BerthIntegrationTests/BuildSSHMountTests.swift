import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `RUN --mount=type=ssh` with `berth build --ssh` (docs/build.md): a real `ssh-agent` holding a
/// key the test makes, reached through the step's relay socket; the socket is never in the image.
final class BuildSSHMountTests: ContainerTestCase {
    override class var rootLabel: String { "build-ssh" }

    /// A private agent (`ssh-agent -D`, stopped by PID) holding one ed25519 key commented
    /// `berth-test-key`: its socket path.
    func startAgent() throws -> String {
        let agentBin = try Prerequisite.requireTool("ssh-agent")
        let addBin = try Prerequisite.requireTool("ssh-add")
        let keygen = try Prerequisite.requireTool("ssh-keygen")
        let dir = Self.root.path + "/agent-" + UUID().uuidString.prefix(6)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let socket = dir + "/agent.sock"
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: agentBin)
        agent.arguments = ["-D", "-a", socket]
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        let pid = agent.processIdentifier
        addTeardownBlock {
            kill(pid, SIGTERM)
            agent.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }
        XCTAssertTrue(cli.eventually(timeout: 10) { FileManager.default.fileExists(atPath: socket) }, "the agent listens")
        XCTAssertEqual(Subprocess.run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "berth-test-key", "-f", dir + "/key"]).status, 0)
        let added = Subprocess.run("/usr/bin/env", ["SSH_AUTH_SOCK=" + socket, addBin, dir + "/key"])
        XCTAssertEqual(added.status, 0, added.stderr)
        return socket
    }

    func testTheStepSeesAnAgentSocketOfItsOwnersAndModeAndTheImageDoesNot() throws {
        let socket = try startAgent()
        let dir = try context(["Dockerfile": """
            FROM busybox
            RUN --mount=type=ssh sh -c 'test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK $(stat -c "%u %a" "$SSH_AUTH_SOCK")"' > /default
            RUN --mount=type=ssh,id=work,target=/opt/agent.sock,uid=1000,gid=1000,mode=0660,required=true stat -c '%u %g %a %F' /opt/agent.sock > /work
            RUN --mount=type=ssh,id=absent sh -c 'echo "${SSH_AUTH_SOCK:-unset}"; test -e /run/buildkit && echo present; true' > /absent
            """])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "ssh:1"]) }
        let r = build(["-t", "ssh:1", "--ssh", "default=" + socket, "--ssh", "work=" + socket, dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let out = cli.run(["run", "--rm", "--network", "none", "ssh:1", "sh", "-c", "cat /default /work /absent; test -e /run/buildkit && echo present; test -e /opt/agent.sock && echo present"]).stdout
        XCTAssertEqual(out, "/run/buildkit/ssh_agent.0 0 600\n1000 1000 660 socket\nunset\n")
        let layers = cli.run(["image", "inspect", "-f", "{{len .RootFS.Layers}}", "ssh:1"]).stdout
        XCTAssertEqual(layers, "4\n", "busybox and three steps")

        // Refused in one line: a required agent not given, a key file instead of a socket, a bad id.
        try "FROM busybox\nRUN --mount=type=ssh,required=true true\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        assertOneLine(build(["-t", "ssh:2", dir]), status: 125, saying: "the ssh agent 'default' is required: give it with --ssh default")
        assertOneLine(build(["-t", "ssh:2", "--ssh", "default=/etc/hostname", dir]), status: 125, saying: "is not an agent's socket")
        assertOneLine(build(["-t", "ssh:2", "--ssh", "../x=" + socket, dir]), status: 125, saying: "invalid ssh id")
        assertOneLine(build(["-t", "ssh:2", "--ssh", "default=/k1,/k2", dir]), status: 125, saying: "not key files")
        XCTAssertEqual(leftovers(), [])
    }

    /// On the Debian fixture, python3 speaks the agent protocol through the relay: the agent
    /// lists the test's key, which never leaves it.
    func testARealClientListsTheAgentsKeyThroughTheRelay() throws {
        let tarball = try DebianRootfs.make(self)
        let socket = try startAgent()
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "ssh-debian:1", "debian-base:ssh"]) }
        let imported = cli.run(["image", "import", tarball, "--name", "debian-base:ssh"], timeout: 600)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let dir = try context(["Dockerfile": #"""
            FROM debian-base:ssh
            RUN --mount=type=ssh,uid=65534,required=true setpriv --reuid=65534 --regid=65534 --clear-groups python3 -c 'import os,socket,struct; s=socket.socket(socket.AF_UNIX); s.connect(os.environ["SSH_AUTH_SOCK"]); s.sendall(struct.pack(">IB",1,11)); n=struct.unpack(">I",s.recv(4))[0]; b=b""; exec("while len(b)<n: b+=s.recv(n-len(b))"); t,k=b[0],struct.unpack(">I",b[1:5])[0]; l=struct.unpack(">I",b[5:9])[0]; c=struct.unpack(">I",b[9+l:13+l])[0]; print(t,k,b[13+l:13+l+c].decode())' > /agent
            """#])
        let r = build(["-t", "ssh-debian:1", "--ssh", "default=" + socket, dir], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        // 12: SSH2_AGENT_IDENTITIES_ANSWER; one key; its comment.
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "ssh-debian:1", "cat", "/agent"]).stdout, "12 1 berth-test-key\n")
        XCTAssertEqual(leftovers(), [])
    }
}
