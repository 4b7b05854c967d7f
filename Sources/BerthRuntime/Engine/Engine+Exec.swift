import BerthOCI
import BerthOS
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
        let pid = try store.requireRunningInit(r)
        // The new process would join the frozen cgroup and hang there, as docker refuses it too.
        if store.state(r.id).paused {
            throw BerthError.invalidState("container \(r.name) is paused, unpause the container before exec")
        }
        // Read right after the status said it runs; the shim compares it once it holds a pidfd.
        guard let initStart = ProcStat.startTime(pid: pid) else {
            throw BerthError.invalidState("container \(r.name.quoted) is not running")
        }
        guard let spec = try? store.storedSpec(r.id), let process = spec.process else {
            throw BerthError.corruptState("config.json of \(r.name.quoted) is unreadable")
        }
        // The container's own view of its files (image + writable layer) answers user lookups.
        let user: ResolvedUser
        if let u = request.user {
            user = try UserResolver.resolve(u, root: "/proc/\(pid)/root")
        } else {
            user = ResolvedUser(uid: process.user.uid, gid: process.user.gid, additionalGids: process.user.additionalGids ?? [])
        }
        var env = process.env ?? []
        for e in request.env {
            guard let eq = e.firstIndex(of: "="), eq != e.startIndex else {
                throw BerthError.invalidArgument("invalid environment variable \(e.quoted): expected KEY=VALUE")
            }
            env.removeAll { $0.hasPrefix(e[..<eq] + "=") }
            env.append(e)
        }
        if request.tty && !env.contains(where: { $0.hasPrefix("TERM=") }) {
            env.append("TERM=" + (ProcessInfo.processInfo.environment["TERM"] ?? "xterm"))
        }
        var namespaces = (spec.linux?.namespaces ?? []).map(\.type.rawValue).filter { $0 != "user" }
        // `container:NAME`: the init's network namespace is the other container's, joined at its
        // start and so not in config.json; the exec joins it through the init as well.
        if r.network == .container && !namespaces.contains("network") { namespaces.append("network") }
        let caps = try (process.capabilities?.bounding ?? []).map { name -> Int in
            guard let c = LinuxCapability(name: name) else { throw BerthError.corruptState("unknown capability \(name)") }
            return Int(c.rawValue)
        }
        let cgroupPaths = try cgroups.manager(parent: r.cgroupParent).paths(id: r.id)

        let plan = LaunchPlan.exec(
            id: r.id, targetPid: pid, namespaces: namespaces, args: request.command, env: env,
            cwd: request.workingDir ?? process.cwd, uid: user.uid, gid: user.gid, additionalGids: user.additionalGids,
            capabilities: caps, noNewPrivileges: process.noNewPrivileges ?? true, cgroupProcsFiles: cgroupPaths.procsFiles,
            seccomp: try PlanBuilder.seccompFilter(Self.withEffectiveSeccomp(spec).linux?.seccomp, cache: seccompCache), tty: request.tty, interactive: request.interactive,
            targetStartTime: initStart)
        let out = try plan.validatedEncoding()
        let planPath = store.paths(r.id).directory + "/exec-" + RandomID.hex(8) + ".plan"
        try FileIO.writeAtomically(planPath, bytes: out, mode: 0o600)
        return shim.execArguments(plan: planPath)
    }
}

extension Engine {
    /// The attach client's flag for docker's `--sig-proxy`: its caller passes the signals on, so
    /// the client ignores them (`berth-shim --attach`).
    public static let attachSignalProxyFlag = "--sig-proxy"

    /// argv of the attach client (`berth-shim --attach STATE_DIR [-i] [-t] [--replay]`) for a
    /// running container; `replay` first prints the output the supervisor kept (8 KiB).
    /// `stdin: false` attaches the output only (`start -a` without `-i`). `signalProxy`: the caller
    /// passes the signals it receives on to the container (docker's `--sig-proxy`), which it never
    /// does for a container with a terminal: the client then ignores them (`--sig-proxy`).
    public func attachArguments(_ ref: String, replay: Bool, stdin: Bool = true, signalProxy: Bool = false) throws -> [String] {
        let r = try resolve(ref)
        guard let s = store.shimStatus(r.id), s.status == "running" || s.status == "restarting",
              ProcStat.isAlive(pid: s.shimPid, startTime: s.shimStart) else {
            throw BerthError.invalidState("container \(r.name) is not running")
        }
        let tty = store.specSummary(r.id)?.process?.terminal == true
        return shim.attachArguments(directory: store.paths(r.id).directory, interactive: stdin && r.interactive == true,
                                    tty: tty, replay: replay || tty, signalProxy: signalProxy && !tty)
    }
}
