import BerthOCI
import BerthOS
import Foundation

extension RuncRuntime {
    /// What `exec` runs, from `--process FILE` or the command line's flags.
    public struct ExecOptions: Sendable {
        public var process: OCI.Process
        public var consoleSocket: String?
        public var pidFile: String?
        public var detach = false
        /// `--preserve-fds N`: the caller's descriptors 3 … 3+N-1 go to the process.
        public var preserveFDs = 0

        public init(process: OCI.Process, consoleSocket: String? = nil, pidFile: String? = nil, detach: Bool = false,
                    preserveFDs: Int = 0) {
            self.process = process; self.consoleSocket = consoleSocket; self.pidFile = pidFile; self.detach = detach
            self.preserveFDs = preserveFDs
        }
    }

    /// The container's process as config.json has it: the base of `exec` without `--process`.
    public func containerProcess(_ id: String) throws -> OCI.Process {
        let s = try load(id)
        return try RuncBundle.load(s.bundle).spec.process ?? OCI.Process()
    }

    /// Writes an exec plan for the running (or created) container and returns the argv that runs
    /// it: `berth-shim --exec PLAN`, which the caller execs in its own place (Swift never forks).
    public func execArguments(id: String, options: ExecOptions) throws -> [String] {
        let s = try load(id)
        let st = status(s)
        guard st == .running || st == .created else {
            throw BerthError.invalidState("cannot exec in a \(st.rawValue) container")
        }
        let process = options.process
        guard let args = process.args, !args.isEmpty, !args[0].isEmpty else {
            throw BerthError.invalidArgument("exec: process.args must name the command")
        }
        if process.terminal == true && options.consoleSocket == nil {
            throw BerthError.invalidArgument("exec: a terminal needs --console-socket")
        }
        let spec = try RuncBundle.load(s.bundle).spec
        let namespaces = (spec.linux?.namespaces ?? []).map(\.type.rawValue)
        var caps: [Int] = []
        for name in process.capabilities?.bounding ?? [] {
            guard let c = LinuxCapability(name: name) else { throw BerthError.invalidArgument("exec: unknown capability \(name.quoted)") }
            caps.append(Int(c.rawValue))
        }
        let cgroups = try manager(s).paths(id: s.cgroupLeaf)
        var plan = LaunchPlan.exec(
            id: id, targetPid: s.pid, namespaces: namespaces, args: args, env: process.env ?? [],
            cwd: process.cwd.isEmpty ? "/" : process.cwd, uid: process.user.uid, gid: process.user.gid,
            additionalGids: process.user.additionalGids ?? [], capabilities: caps,
            noNewPrivileges: process.noNewPrivileges ?? false, cgroupProcsFiles: cgroups.procsFiles,
            seccomp: try PlanBuilder.seccompFilter(spec.linux?.seccomp, cache: seccompCache), tty: process.terminal == true, interactive: true, targetStartTime: s.pidStartTime)
        plan.oci = LaunchPlan.OCIRuntime(consoleSocket: options.consoleSocket,
                                         pidFile: options.pidFile.map(RuncBundle.absolute), detach: options.detach)
        plan.oci?.preserveFDs = options.preserveFDs
        let path = RuncPaths(root: root, id: id).directory + "/exec-" + RandomID.hex(8) + ".plan"
        try FileIO.writeAtomically(path, bytes: plan.validatedEncoding(), mode: 0o600)
        return [shimPath, "--exec", path]
    }
}
