import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Remote hosts for the contexts tests, all on this machine and all made by the test:
///
/// - a client network namespace (held by a `sleep` the test started in it), where the `berth` under test runs with its own
///   `XDG_CONFIG_HOME` and an `ssh` on PATH that is the system's with the test's `-F` config
///   (its own known_hosts, no agent, no ~/.ssh);
/// - per host, a network namespace (its sshd's) joined to the client's by a veth pair on
///   a private /30 (10.213.N.0/30: nothing else routes there, and no interface of the host's own
///   namespace changes), with its own `sshd` listening on the namespace's address, its host key,
///   a client key in its `authorized_keys` with a forced command that sets the host's state root
///   and cgroup parent and puts the binary under test first on PATH, then runs the requested
///   command with that host's shell (bash or dash: the quoting must hold in both).
///
/// The namespaces are made by `unshare` and entered by PID (`nsenter`), never named under
/// `/run/netns`: `ip netns add` would mount `/run/netns` on the host for good, and `ip netns exec`
/// remounts `/sys`, hiding the cgroup hierarchies from the remote berth. sshd needs `/run/sshd`; it
/// gets a tmpfs `/run` in a mount namespace of its own, so the host's `/run` is untouched.
/// Everything goes in `remove()`, which reports what it could not remove.
final class SSHTestHosts {
    struct Host {
        let name: String
        let address: String
        let scope: TestRootScope
        var sshdPID: pid_t
        /// The `sleep` holding its network namespace.
        var holderPID: pid_t = 0
        /// Its end of the client's veth, 10.213.0.(4i+1).
        let clientAddress: String
        /// Runs the local CLI directly on the host's root: the independent view of what the remote side did.
        var local: BerthCLI { BerthCLI(root: scope.path, cgroupParent: scope.cgroupParent) }
    }

    let directory: String
    /// The process holding the client's network namespace.
    private(set) var clientPID: pid_t = 0
    private(set) var hosts: [Host] = []
    /// The namespaces made (their inodes), to prove at the end that no process holds one.
    private var namespaces: [String] = []
    private let ip: String
    private let sshd: String
    private let nsenter: String
    private let unshare: String

    /// `shells`: one remote host per entry, named a, b, c…, running commands with that shell.
    init(shells: [String]) throws {
        try Prerequisite.requireRoot()
        ip = try Prerequisite.requireTool("ip")
        sshd = try Prerequisite.requireTool("sshd")
        try Prerequisite.requireTool("ssh")
        try Prerequisite.requireTool("ssh-keygen")
        unshare = try Prerequisite.requireTool("unshare")
        nsenter = try Prerequisite.requireTool("nsenter")
        let pid = getpid()
        directory = "/var/tmp/berth-test-ssh-\(pid)"
        do {
            try setUp(shells: shells, pid: pid)
        } catch {
            _ = remove()
            throw error
        }
    }

    private func setUp(shells: [String], pid: pid_t) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/bin", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try sh("ssh-keygen -q -t ed25519 -N '' -C berth-test -f \(directory)/client_key")
        let clientKey = try String(contentsOfFile: directory + "/client_key.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try write(directory + "/ssh_config", """
            Host *
              UserKnownHostsFile \(directory)/known_hosts
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking yes
              IdentitiesOnly yes
              IdentityFile \(directory)/client_key
              IdentityAgent none
              ControlMaster no
              ConnectTimeout 10
              LogLevel ERROR

            """)
        try write(directory + "/bin/ssh", "#!/bin/sh\nexec \(Prerequisite.find("ssh")!) -F \(directory)/ssh_config \"$@\"\n", mode: 0o755)
        clientPID = try Self.spawn([unshare, "-n", "sleep", "100000"], log: "/dev/null")
        namespaces.append(try Self.newNetworkNamespace(of: clientPID))
        var knownHosts = ""
        let binDir = String(BerthCLI.binary.dropLast("/berth".count))
        for (i, shell) in shells.enumerated() {
            let name = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(i)))
            let local = "10.213.0.\(i * 4 + 1)", address = "10.213.0.\(i * 4 + 2)"
            let scope = TestRootScope(label: "ssh\(name)")
            try? FileManager.default.removeItem(atPath: scope.path)
            let hostDir = "\(directory)/host-\(name)"
            try FileManager.default.createDirectory(atPath: hostDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try sh("ssh-keygen -q -t ed25519 -N '' -C host-\(name) -f \(hostDir)/host_key")
            let hostKey = try String(contentsOfFile: hostDir + "/host_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            knownHosts += "\(address) \(hostKey)\n"
            // Host a's root comes from the forced command (the sshd side); host b's from the
            // context's --root, which the test passes at `context create`.
            let rootLine = i == 0 ? "export BERTH_ROOT=\(scope.path)\n" : ""
            try write(hostDir + "/remote.sh", """
                #!/bin/sh
                \(rootLine)export BERTH_CGROUP_PARENT=\(scope.cgroupParent)
                export PATH=\(binDir):/usr/sbin:/usr/bin:/sbin:/bin
                printf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> \(hostDir)/commands
                exec \(shell) -c "$SSH_ORIGINAL_COMMAND"

                """, mode: 0o755)
            try write(hostDir + "/authorized_keys",
                      "command=\"\(hostDir)/remote.sh\",no-port-forwarding,no-agent-forwarding,no-X11-forwarding \(clientKey)\n")
            try write(hostDir + "/sshd_config", """
                ListenAddress \(address):22
                HostKey \(hostDir)/host_key
                AuthorizedKeysFile \(hostDir)/authorized_keys
                PidFile none
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitRootLogin prohibit-password
                PrintMotd no
                PrintLastLog no
                UseDNS no
                Subsystem sftp internal-sftp

                """)
            hosts.append(Host(name: name, address: address, scope: scope, sshdPID: 0, clientAddress: local))
            try startSSHD(of: hosts.count - 1)
            let imported = hosts.last!.local.run(["image", "import-busybox"])
            guard imported.status == 0 else { throw Self.failure("import-busybox on host \(name): \(imported.stderr)") }
        }
        try write(directory + "/known_hosts", knownHosts)
    }

    /// The `berth` under test in the client namespace, with the test's config directory and ssh.
    @discardableResult
    func berth(_ args: [String], environment: [String] = [], stdin: String? = nil, timeout: Double = 60) -> Subprocess.Result {
        client([BerthCLI.binary] + args, environment: environment, stdin: stdin, timeout: timeout)
    }

    /// `argv` in the client namespace with the client's environment (`script` wrapping `berth`).
    func client(_ argv: [String], environment: [String] = [], stdin: String? = nil, timeout: Double = 60) -> Subprocess.Result {
        let env = ["env", "-u", "BERTH_ROOT", "-u", "BERTH_CGROUP_PARENT", "-u", "BERTH_CONTEXT", "-u", "BERTH_HOST",
                   "PATH=\(directory)/bin:/usr/bin:/bin", "XDG_CONFIG_HOME=\(directory)/config", "HOME=\(directory)"]
        return Subprocess.run(nsenter, ["-t", String(clientPID), "-n"] + env + environment + argv, stdin: stdin, timeout: timeout)
    }

    /// The argv that runs `berth ARGS` in the client namespace (for a process the test does not wait for).
    func clientArgv(_ args: [String]) -> [String] {
        [nsenter, "-t", String(clientPID), "-n", "env", "-u", "BERTH_ROOT", "-u", "BERTH_CGROUP_PARENT", "-u", "BERTH_CONTEXT",
         "-u", "BERTH_HOST", "PATH=\(directory)/bin:/usr/bin:/bin", "XDG_CONFIG_HOME=\(directory)/config", "HOME=\(directory)",
         BerthCLI.binary] + args
    }

    /// Starts host `index`'s sshd in its network namespace, made on the first start: held by a
    /// `sleep` of its own (so the namespace and its veth outlive a killed sshd, and a restarted one
    /// listens at the same address) and joined to the client's by a veth. sshd gets a mount
    /// namespace of its own for its tmpfs `/run`.
    private func startSSHD(of index: Int) throws {
        let name = hosts[index].name, address = hosts[index].address
        let hostDir = "\(directory)/host-\(name)"
        if hosts[index].holderPID == 0 {
            let holder = try Self.spawn([unshare, "-n", "sleep", "100000"], log: "/dev/null")
            hosts[index].holderPID = holder
            namespaces.append(try Self.newNetworkNamespace(of: holder))
            try inNetns(clientPID, [ip, "link", "add", "vh\(name)", "type", "veth", "peer", "name", "eth0", "netns", String(holder)])
            try inNetns(clientPID, [ip, "addr", "add", hosts[index].clientAddress + "/30", "dev", "vh\(name)"])
            try inNetns(clientPID, [ip, "link", "set", "vh\(name)", "up"])
            try inNetns(holder, [ip, "link", "set", "lo", "up"])
            try inNetns(holder, [ip, "addr", "add", address + "/30", "dev", "eth0"])
            try inNetns(holder, [ip, "link", "set", "eth0", "up"])
        }
        let script = """
            mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd &&
            exec \(sshd) -D -e -f \(hostDir)/sshd_config
            """
        // nsenter and unshare exec (no fork for a network or mount namespace): the PID is sshd's.
        let sshdPID = try Self.spawn([nsenter, "-t", String(hosts[index].holderPID), "-n",
                                      unshare, "-m", "--propagation", "private", "/bin/sh", "-c", script], log: hostDir + "/sshd.log")
        hosts[index].sshdPID = sshdPID
        try waitForListening(log: hostDir + "/sshd.log", pid: sshdPID)
    }

    /// A host failure: its sshd and every session of it killed by PID (SIGKILL); the berth
    /// commands the sessions ran end by EOF. The namespace stays (its holder), so the host can come back.
    func killSSHD(of name: String) throws {
        guard let i = hosts.firstIndex(where: { $0.name == name }) else { throw Self.failure("no host \(name)") }
        for pid in sessions(of: hosts[i]) { kill(pid, SIGKILL) }
        Self.stop(hosts[i].sshdPID, SIGKILL)
        hosts[i].sshdPID = 0
        // Its log says "Server listening" from before: the restart waits for a new line.
        try? FileManager.default.removeItem(atPath: "\(directory)/host-\(name)/sshd.log")
    }

    /// The host back after `killSSHD`: a new namespace, veth and sshd at the same address, same keys.
    func restartSSHD(of name: String) throws {
        guard let i = hosts.firstIndex(where: { $0.name == name }) else { throw Self.failure("no host \(name)") }
        try startSSHD(of: i)
    }

    /// A host that stops answering, and comes back: its end of the veth down or up.
    func setLink(of host: Host, up: Bool) throws {
        try inNetns(host.holderPID, [ip, "link", "set", "eth0", up ? "up" : "down"])
    }

    /// The host's ssh sessions (sshd's per-connection processes, not the listener), by PID.
    func sessions(of host: Host) -> [pid_t] {
        guard let ns = Self.networkNamespace(of: host.holderPID) else { return [] }
        return Self.processes(in: [ns]).filter { $0 != host.sshdPID && HostLeaks.commandLine($0).hasPrefix("sshd:") }
    }

    /// The last lines of the host's sshd log (`sshd -e`: connections, disconnections, errors), for failure messages.
    func sshdLog(of host: Host, lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: "\(directory)/host-\(host.name)/sshd.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// The command lines the host's sshd was asked to run, one per line.
    func commands(of host: Host) -> String {
        (try? String(contentsOfFile: "\(directory)/host-\(host.name)/commands", encoding: .utf8)) ?? ""
    }

    /// Removes every container on the hosts, stops each sshd by its PID, deletes the namespaces
    /// (their veths go with them) and the directories. Returns what is still there: empty when clean.
    func remove() -> [String] {
        var problems: [String] = []
        for host in hosts {
            let ids = host.local.run(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
            TestRun.record(containerIDs: ids)
            if !ids.isEmpty, host.local.run(["rm", "-f"] + ids).status != 0 { problems.append("containers of host \(host.name) not removed") }
            problems += host.scope.containerLeftovers(containerIDs: ids)
            if host.sshdPID > 0 { Self.stop(host.sshdPID, SIGTERM) }
            if host.sshdPID > 0 && kill(host.sshdPID, 0) == 0 { problems.append("sshd \(host.sshdPID) of host \(host.name) still running") }
            if !HostLeaks.processes(mentioning: "\(directory)/host-\(host.name)").isEmpty {
                problems.append("processes of host \(host.name) still running")
            }
            if host.holderPID > 0 { Self.stop(host.holderPID, SIGKILL) }
        }
        if clientPID > 0 { Self.stop(clientPID, SIGKILL) }
        // A namespace lives while a process is in it (its veths with it): none may be left.
        let deadline = Date().addingTimeInterval(10)
        var held = Self.processes(in: namespaces)
        while !held.isEmpty && Date() < deadline { usleep(50_000); held = Self.processes(in: namespaces) }
        for pid in held { problems.append("process \(pid) still in a test network namespace: \(HostLeaks.commandLine(pid))") }
        namespaces = []
        clientPID = 0
        // Only now: a remote `berth` still ending in a host's namespace (a dashboard's stream
        // whose client just went) could otherwise write into its state root after the removal.
        for host in hosts { try? FileManager.default.removeItem(atPath: host.scope.path) }
        try? FileManager.default.removeItem(atPath: directory)
        if FileManager.default.fileExists(atPath: directory) { problems.append("\(directory) still exists") }
        for host in hosts where FileManager.default.fileExists(atPath: host.scope.path) { problems.append("\(host.scope.path) still exists") }
        hosts = []
        return problems
    }

    // MARK: - helpers

    /// Spawns `argv` with its output in `log`. unshare → sh → sshd are all execs: the PID is sshd's.
    static func spawn(_ argv: [String], log: String) throws -> pid_t {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&fa, 1, 2)
        var pid: pid_t = 0
        let cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        let rc = posix_spawn(&pid, argv[0], &fa, nil, cargs, environ)
        guard rc == 0 else { throw Self.failure("spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    static func stop(_ pid: pid_t, _ signal: Int32) {
        kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// The network namespace `pid` is in (`net:[INODE]`), once it differs from ours (unshare has run).
    static func newNetworkNamespace(of pid: pid_t) throws -> String {
        let ours = Self.networkNamespace(of: getpid())
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let ns = Self.networkNamespace(of: pid), ns != ours { return ns }
            usleep(10_000)
        }
        throw Self.failure("process \(pid) did not enter a new network namespace")
    }

    static func networkNamespace(of pid: pid_t) -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        let n = readlink("/proc/\(pid)/ns/net", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func processes(in namespaces: [String]) -> [pid_t] {
        guard !namespaces.isEmpty else { return [] }
        return HostState.entries(of: "/proc").compactMap { pid_t($0) }.filter { pid in
            networkNamespace(of: pid).map(namespaces.contains) ?? false
        }
    }

    private func inNetns(_ pid: pid_t, _ argv: [String]) throws {
        try run(nsenter, ["-t", String(pid), "-n"] + argv)
    }

    private func waitForListening(log: String, pid: pid_t) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("Server listening") { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw Self.failure("sshd exited: \(text)") }
            usleep(20_000)
        }
        throw Self.failure("sshd did not start listening within 20 s: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    private func run(_ tool: String, _ args: [String]) throws {
        let r = Subprocess.run(tool, args)
        guard r.status == 0 else { throw Self.failure("\(tool) \(args.joined(separator: " ")): \(r.both)") }
    }

    private func sh(_ command: String) throws {
        try run("/bin/sh", ["-c", command])
    }

    private func write(_ path: String, _ text: String, mode: Int = 0o600) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode_t(mode))
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "ssh-hosts", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
