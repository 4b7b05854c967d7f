import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A host for the outbound tests that is not the real one (issue 12): a network namespace "host",
/// where Berth runs with outbound access on, joined by a veth on 192.0.2.0/30 (TEST-NET-1, outside
/// Berth's subnets) to a namespace "upstream" that runs a real HTTP server answering with the
/// client's address. The host has a default route to upstream and its own `ip_forward`;
/// upstream has no route to any container subnet, so only a masquerade brings replies back.
///
/// The namespaces are made by `unshare -n` and entered by PID (`nsenter -n`), never named under
/// `/run/netns` (see SSHTestHosts): Berth keeps the real host's mounts, cgroups and /sys, and
/// only its network is the test's. `remove()` kills the holders by PID; the namespaces, their
/// interfaces and Berth's nftables table in them go with them.
final class SimulatedHost {
    static let hostAddress = "192.0.2.1"
    static let upstreamAddress = "192.0.2.2"
    static let upstreamPort = 8000
    /// The same link's IPv6 addresses (2001:db8::/32, documentation space, outside Berth's pool);
    /// upstream runs a second server on its own.
    static let hostAddress6 = "2001:db8:5::1"
    static let upstreamAddress6 = "2001:db8:5::2"

    let directory: String
    let scope: TestRootScope
    private(set) var hostPID: pid_t = 0
    private(set) var upstreamPID: pid_t = 0
    private var serverPID: pid_t = 0
    private var server6PID: pid_t = 0
    private var namespaces: [String] = []
    private let ip: String, nsenter: String, unshare: String, python: String

    init() throws {
        try Prerequisite.requireRoot()
        ip = try Prerequisite.requireTool("ip")
        nsenter = try Prerequisite.requireTool("nsenter")
        unshare = try Prerequisite.requireTool("unshare")
        python = try Self.requirePython()
        directory = "/var/tmp/berth-test-simnet-\(getpid())"
        scope = TestRootScope(label: "simhost")
        do { try setUp() } catch {
            _ = remove()
            throw error
        }
    }

    private func setUp() throws {
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: scope.path)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // The server answers every GET with the address it sees, and logs it.
        try """
            import http.server, socket, sys
            class S(http.server.HTTPServer):
                address_family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = (self.client_address[0] + "\\n").encode()
                    self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                    self.wfile.write(body)
            S((sys.argv[1], int(sys.argv[2])), H).serve_forever()

            """.write(toFile: directory + "/server.py", atomically: true, encoding: .utf8)
        hostPID = try SSHTestHosts.spawn([unshare, "-n", "sleep", "100000"], log: "/dev/null")
        namespaces.append(try SSHTestHosts.newNetworkNamespace(of: hostPID))
        upstreamPID = try SSHTestHosts.spawn([unshare, "-n", "sleep", "100000"], log: "/dev/null")
        namespaces.append(try SSHTestHosts.newNetworkNamespace(of: upstreamPID))
        try inNetns(hostPID, [ip, "link", "set", "lo", "up"])
        try inNetns(upstreamPID, [ip, "link", "set", "lo", "up"])
        try inNetns(hostPID, [ip, "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", String(upstreamPID)])
        try inNetns(hostPID, [ip, "addr", "add", Self.hostAddress + "/30", "dev", "up0"])
        try inNetns(hostPID, [ip, "link", "set", "up0", "up"])
        try inNetns(hostPID, [ip, "route", "add", "default", "via", Self.upstreamAddress])
        try inNetns(upstreamPID, [ip, "addr", "add", Self.upstreamAddress + "/30", "dev", "eth0"])
        try inNetns(upstreamPID, [ip, "link", "set", "eth0", "up"])
        // IPv6 on the same link, without duplicate address detection (usable at once).
        try inNetns(hostPID, [ip, "-6", "addr", "add", Self.hostAddress6 + "/64", "dev", "up0", "nodad"])
        try inNetns(upstreamPID, [ip, "-6", "addr", "add", Self.upstreamAddress6 + "/64", "dev", "eth0", "nodad"])
        try inNetns(hostPID, [ip, "-6", "route", "add", "default", "via", Self.upstreamAddress6])
        serverPID = try SSHTestHosts.spawn([nsenter, "-t", String(upstreamPID), "-n", python, directory + "/server.py",
                               Self.upstreamAddress, String(Self.upstreamPort)], log: directory + "/server.log")
        server6PID = try SSHTestHosts.spawn([nsenter, "-t", String(upstreamPID), "-n", python, directory + "/server.py",
                               Self.upstreamAddress6, String(Self.upstreamPort)], log: directory + "/server6.log")
        let up = host(["image", "import-busybox"])
        guard up.status == 0 else { throw failure("import-busybox in the simulated host: \(up.stderr)") }
    }

    /// `berth` inside the host namespace, with outbound access on (the only place it ever is).
    @discardableResult
    func host(_ args: [String], timeout: Double = 60) -> Subprocess.Result {
        Subprocess.run(nsenter, ["-t", String(hostPID), "-n", "env", "BERTH_OUTBOUND=on", BerthCLI.binary,
                                 "--root", scope.path, "--cgroup-parent", scope.cgroupParent] + args, timeout: timeout)
    }

    /// A command in the host namespace (not Berth).
    func inHost(_ argv: [String]) -> Subprocess.Result { Subprocess.run(nsenter, ["-t", String(hostPID), "-n"] + argv) }
    /// A command in the upstream namespace.
    func inUpstream(_ argv: [String]) -> Subprocess.Result { Subprocess.run(nsenter, ["-t", String(upstreamPID), "-n"] + argv) }

    /// `net.ipv4.ip_forward` of the host namespace.
    func hostIPForward() -> String {
        inHost(["cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `net.ipv6.conf.all.forwarding` of the host namespace.
    func hostIP6Forward() -> String {
        inHost(["cat", "/proc/sys/net/ipv6/conf/all/forwarding"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The host namespace's nftables tables ("ip berth-…" lines); empty without nft.
    func hostTables() -> [String] {
        guard let nft = Prerequisite.find("nft") else { return [] }
        return inHost([nft, "list", "tables"]).stdout.split(separator: "\n").map(String.init)
    }

    func hostRuleset() -> String {
        guard let nft = Prerequisite.find("nft") else { return "" }
        return inHost([nft, "list", "ruleset"]).stdout
    }

    /// Removes the containers and networks (through Berth in the host namespace), stops the server
    /// and the holders by PID, and returns what is left: empty when clean.
    func remove() -> [String] {
        var problems: [String] = []
        if hostPID > 0 {
            let ids = host(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
            TestRun.record(containerIDs: ids)
            if !ids.isEmpty, host(["rm", "-f"] + ids).status != 0 { problems.append("containers of the simulated host not removed") }
            problems += scope.containerLeftovers(containerIDs: ids)
        }
        for pid in [serverPID, server6PID, upstreamPID, hostPID] where pid > 0 { SSHTestHosts.stop(pid, SIGKILL) }
        serverPID = 0; server6PID = 0; upstreamPID = 0; hostPID = 0
        let deadline = Date().addingTimeInterval(10)
        var held = SSHTestHosts.processes(in: namespaces)
        while !held.isEmpty && Date() < deadline { usleep(50_000); held = SSHTestHosts.processes(in: namespaces) }
        for pid in held { problems.append("process \(pid) still in a simulated-host namespace: \(HostLeaks.commandLine(pid))") }
        namespaces = []
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: scope.path)
        for path in [directory, scope.path] where FileManager.default.fileExists(atPath: path) { problems.append("\(path) still exists") }
        return problems
    }

    // MARK: - helpers

    private static func requirePython() throws -> String {
        let path = "/usr/bin/python3"
        if !FileManager.default.isExecutableFile(atPath: path) {
            try Prerequisite.unmet("\(path) is missing (apt-get install python3): the upstream server runs on it")
        }
        return path
    }

    private func inNetns(_ pid: pid_t, _ argv: [String]) throws {
        let r = Subprocess.run(nsenter, ["-t", String(pid), "-n"] + argv)
        guard r.status == 0 else { throw failure("\(argv.joined(separator: " ")) in namespace of \(pid): \(r.stderr)") }
    }

    private func failure(_ message: String) -> NSError {
        NSError(domain: "simulated-host", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
