import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// docker's `exec` options.
public struct ExecRequest: Sendable, Equatable {
    public var command: [String]
    public var env: [String]
    public var user: String?
    public var workingDir: String?
    public var tty: Bool
    public var interactive: Bool

    public init(command: [String], env: [String] = [], user: String? = nil, workingDir: String? = nil,
                tty: Bool = false, interactive: Bool = false) {
        self.command = command; self.env = env; self.user = user; self.workingDir = workingDir
        self.tty = tty; self.interactive = interactive
    }
}

extension Engine {
    /// Writes the plan of a `berth exec` and returns the argv that runs it: `berth-shim --exec PLAN`.
    /// The caller execs it in place of itself (the CLI) or spawns it; the shim joins the
    /// container's cgroups and namespaces and exits with the command's exit code.
    public func prepareExec(_ ref: String, _ request: ExecRequest) throws -> [String] {
        guard !request.command.isEmpty else { throw BerthError.invalidArgument("exec needs a command") }
        let r = try resolve(ref)
        let pid = try requireRunningInit(r)
        guard let specData = FileIO.read(paths(r.id).spec),
              let spec = try? JSONDecoder().decode(OCI.Spec.self, from: Data(specData)), let process = spec.process else {
            throw BerthError.corruptState("config.json of \(r.name) is unreadable")
        }
        // The container's own view of its files (image + writable layer) answers user lookups.
        let user: ResolvedUser
        if let u = request.user {
            user = try UserResolver.resolve(u, roots: ["/proc/\(pid)/root"])
        } else {
            user = ResolvedUser(uid: process.user.uid, gid: process.user.gid, additionalGids: process.user.additionalGids ?? [])
        }
        var env = process.env ?? []
        for e in request.env {
            guard let eq = e.firstIndex(of: "="), eq != e.startIndex else {
                throw BerthError.invalidArgument("invalid environment variable '\(e)': expected KEY=VALUE")
            }
            env.removeAll { $0.hasPrefix(e[..<eq] + "=") }
            env.append(e)
        }
        if request.tty && !env.contains(where: { $0.hasPrefix("TERM=") }) {
            env.append("TERM=" + (ProcessInfo.processInfo.environment["TERM"] ?? "xterm"))
        }
        let namespaces = (spec.linux?.namespaces ?? []).map(\.type.rawValue).filter { $0 != "user" }
        let caps = try (process.capabilities?.bounding ?? []).map { name -> Int in
            guard let c = LinuxCapability(name: name) else { throw BerthError.corruptState("unknown capability \(name)") }
            return Int(c.rawValue)
        }
        let cgroups = try cgroupManager(parent: r.cgroupParent).paths(id: r.id)
        let mask = caps.reduce(UInt64(0)) { $0 | (UInt64(1) << UInt64($1)) }

        var out: [UInt8] = []
        func put(_ k: String, _ v: String) {
            out.append(contentsOf: k.utf8); out.append(0); out.append(contentsOf: v.utf8); out.append(0)
        }
        put("berth-plan", LaunchPlan.version)
        put("mode", "exec")
        put("id", r.id)
        put("target_pid", String(pid))
        for ns in namespaces { put("ns", ns) }
        for a in request.command {
            guard !a.utf8.contains(0) else { throw BerthError.invalidArgument("an argument contains a NUL byte") }
            put("arg", a)
        }
        for e in env { put("env", e) }
        put("cwd", request.workingDir ?? process.cwd)
        put("uid", String(user.uid))
        put("gid", String(user.gid))
        for g in user.additionalGids { put("gids", String(g)) }
        put("caps", String(mask, radix: 16))
        put("no_new_privs", (process.noNewPrivileges ?? true) ? "1" : "0")
        for f in cgroups.procsFiles { put("cgroup_procs", f) }
        for n in SeccompDefaults.deniedNumbers { put("seccomp_deny", String(n)) }
        put("tty", request.tty ? "1" : "0")
        put("interactive", request.interactive ? "1" : "0")
        let planPath = paths(r.id).directory + "/exec-" + RandomID.hex(8) + ".plan"
        try FileIO.writeAtomically(planPath, bytes: out, mode: 0o600)
        return [shimPath, "--exec", planPath]
    }
}

extension Engine {
    /// argv of the attach client (`berth-shim --attach STATE_DIR [-i] [-t] [--replay]`) for a
    /// running container; `replay` first prints the output the supervisor kept (8 KiB).
    public func attachArguments(_ ref: String, replay: Bool) throws -> [String] {
        let r = try resolve(ref)
        guard let s = shimStatus(r.id), s.status == "running" || s.status == "restarting",
              Self.isAlive(pid: s.shimPid, startTime: s.shimStart) else {
            throw BerthError.invalidState("container \(r.name) is not running")
        }
        var argv = [shimPath, "--attach", paths(r.id).directory]
        if r.interactive == true { argv.append("-i") }
        if r.tty == true { argv.append("-t") }
        if replay || r.tty == true { argv.append("--replay") }
        return argv
    }
}
