import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// crun, runc or berth-runc driven through its CLI, with OCI bundles over the same busybox rootfs Berth uses.
///
/// crun 1.8 refuses a hybrid host whose cgroup2 mount lists controllers ("cgroups in hybrid mode not
/// supported"), so on such a host every crun command runs in a private mount namespace (`unshare -m`)
/// where an empty file hides `cgroup.controllers` of the cgroup2 mount. crun also reads a relative
/// `cgroupsPath` from each hierarchy's root, so in that namespace the benchmark's own cgroup directory
/// is bind-mounted over each v1 hierarchy whose own cgroup is not the root: crun's cgroups then land
/// below the benchmark's cgroup, as runc's do (runc resolves relative paths from its own cgroup).
/// The timed loop runs inside the namespace (this executable re-executed as a helper), so the
/// namespace setup is never timed.
struct OCIRuntime {
    let name: String
    let binary: String
    let version: String
    /// `--root` of the runtime: its state directory.
    let stateRoot: String
    /// Global options before the verb.
    let globalArgs: [String]
    /// Shell commands that prepare the private mount namespace; nil = run directly.
    let namespaceSetup: String?
    /// cgroupsPath prefix (relative), below the benchmark's own cgroup.
    let cgroupPrefix: String

    static func find(_ name: String, workDir: String, cgroups: HostCgroups, cgroupPrefix: String) -> OCIRuntime? {
        guard let binary = Spawn.which(name) else { return nil }
        let stateRoot = workDir + "/state-" + name
        // With --root: a bare `crun --version` makes /run/crun.
        let version = ((try? Spawn.check([binary, "--root", stateRoot, "--version"])) ?? "").split(separator: "\n").first.map(String.init) ?? "?"
        var setup: String?
        var args = ["--root", stateRoot]
        if name == "crun" {
            args = ["--cgroup-manager=cgroupfs"] + args
            var cmds: [String] = []
            if let unified = cgroups.hybridUnified,
               let controllers = Files.read(unified.mountPoint + "/cgroup.controllers"),
               !controllers.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                let empty = workDir + "/empty"
                _ = FileManager.default.createFile(atPath: empty, contents: Data())
                cmds.append("mount --bind \(empty) \(unified.mountPoint)/cgroup.controllers")
            }
            for h in cgroups.hierarchies where !h.isV2 && h.ownDirectory != h.mountPoint {
                cmds.append("mount --bind \(h.ownDirectory) \(h.mountPoint)")
            }
            if !cmds.isEmpty { setup = cmds.joined(separator: " && ") }
        }
        return OCIRuntime(name: name, binary: binary, version: version, stateRoot: stateRoot, globalArgs: args,
                          namespaceSetup: setup, cgroupPrefix: cgroupPrefix)
    }

    /// This build's berth-runc (beside berth and berth-shim), run directly: it reads every cgroup
    /// layout as it is.
    static func berthRunc(binDir: String, workDir: String, cgroupPrefix: String) -> OCIRuntime? {
        let binary = binDir + "/berth-runc"
        guard access(binary, X_OK) == 0 else { return nil }
        let version = ((try? Spawn.check([binary, "--version"])) ?? "").split(separator: "\n").first.map(String.init) ?? "?"
        let stateRoot = workDir + "/state-berth-runc"
        return OCIRuntime(name: "berth-runc", binary: binary, version: version, stateRoot: stateRoot,
                          globalArgs: ["--root", stateRoot], namespaceSetup: nil, cgroupPrefix: cgroupPrefix)
    }

    func command(_ verb: [String]) -> [String] { [binary] + globalArgs + verb }

    /// The relative cgroup of container `name`.
    func cgroupPath(_ name: String) -> String { cgroupPrefix + "/" + name }

    /// Runs the commands one after the other, timing each (spawn to reap, and CPU time); returns
    /// per-command results. Inside the private mount namespace when the runtime needs one.
    /// `settle`: each command leaves no process behind that should keep running (see ExecLoop).
    func runTimed(_ commands: [[String]], settle: Bool = false, waitAtEnd: Bool = true,
                  workDir: String) throws -> [ExecLoop.Outcome] {
        try ExecLoop.run(commands.map { ExecLoop.Command(argv: $0, settle: settle) }, namespaceSetup: namespaceSetup,
                         workDir: workDir, label: name, waitAtEnd: waitAtEnd)
    }

    /// Names of containers the runtime still has state for.
    func leftoverContainers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []).filter { !$0.hasPrefix(".") }
    }

    /// `delete -f` of everything left in its state root. Best effort.
    func deleteAll(workDir: String) {
        let names = leftoverContainers()
        guard !names.isEmpty else { return }
        _ = try? runTimed(names.map { command(["delete", "-f", $0]) }, workDir: workDir)
    }
}

/// One bundle per container (the cgroup path is in config.json); all share one rootfs directory.
enum OCIBundle {
    /// Writes `dir/config.json`: `runc spec` defaults (or crun's) with the benchmark's changes.
    static func create(dir: String, rootfs: String, args: [String], cgroupsPath: String, specTool: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let template = try baseSpec(specTool: specTool, scratch: dir)
        guard var spec = try JSONSerialization.jsonObject(with: template) as? [String: Any],
              var process = spec["process"] as? [String: Any], var linux = spec["linux"] as? [String: Any] else {
            throw BenchError("unexpected `\(specTool) spec` output")
        }
        process["args"] = args
        process["terminal"] = false
        spec["process"] = process
        spec["root"] = ["path": rootfs, "readonly": false]
        // The same namespaces as a Berth container with --network none.
        linux["namespaces"] = ["pid", "ipc", "uts", "mount", "network"].map { ["type": $0] }
        linux["cgroupsPath"] = cgroupsPath
        spec["linux"] = linux
        spec["hostname"] = "bench"
        let data = try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: dir + "/config.json"))
    }

    nonisolated(unsafe) private static var cachedSpec: Data?

    private static func baseSpec(specTool: String, scratch: String) throws -> Data {
        if let s = cachedSpec { return s }
        let tmp = scratch + "/.spec"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Spawn.check(["/bin/sh", "-c", "cd \(tmp) && exec \(specTool) spec"])
        guard let data = FileManager.default.contents(atPath: tmp + "/config.json") else {
            throw BenchError("`\(specTool) spec` wrote no config.json")
        }
        cachedSpec = data
        return data
    }
}
