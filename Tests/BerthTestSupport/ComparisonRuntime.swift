// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import Foundation

/// Another OCI runtime installed on the host (Debian's runc, crun) that a conformance test runs on
/// the same bundle as berth-runc, so that a difference in behaviour shows as a failing comparison.
///
/// crun 1.8 refuses a hybrid host whose cgroup2 mount lists controllers ("cgroups in hybrid mode not
/// supported"), and reads a relative `cgroupsPath` from each v1 hierarchy's root where runc reads it
/// from its own cgroup. So crun runs in a private mount namespace (`unshare -m`, propagation private:
/// the host's mounts are untouched) where /dev/null hides the cgroup2 mount's `cgroup.controllers`
/// and this process's own cgroup directory is bind-mounted over each v1 hierarchy's mount point:
/// its cgroups then land where runc's and berth-runc's do. berth-bench does the same (OCIRuntime.swift).
public struct ComparisonRuntime: Sendable {
    public let name: String
    public let binary: String
    /// Shell commands run in the private mount namespace before the runtime; nil: run directly.
    let namespaceSetup: String?

    /// runc, then crun, each when it is on PATH.
    public static func installed() -> [ComparisonRuntime] {
        ["runc", "crun"].compactMap(find)
    }

    public static func find(_ name: String) -> ComparisonRuntime? {
        guard let binary = Prerequisite.find(name) else { return nil }
        return ComparisonRuntime(name: name, binary: binary, namespaceSetup: name == "crun" ? crunSetup() : nil)
    }

    static func crunSetup() -> String? {
        let mounts = CgroupMount.all()
        let hybrid = mounts.contains { $0.isV2 } && mounts.contains { !$0.isV2 }
        var commands: [String] = []
        for m in mounts {
            if m.isV2 {
                let controllers = (try? String(contentsOfFile: m.mountPoint + "/cgroup.controllers", encoding: .utf8)) ?? ""
                if hybrid && !controllers.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    commands.append("mount --bind /dev/null \(quoted(m.mountPoint + "/cgroup.controllers"))")
                }
            } else {
                var own = m.directory(ofRelativeParent: "")
                while own.count > 1 && own.hasSuffix("/") { own.removeLast() }
                if own != m.mountPoint { commands.append("mount --bind \(quoted(own)) \(quoted(m.mountPoint))") }
            }
        }
        return commands.isEmpty ? nil : commands.joined(separator: " && ")
    }

    /// The bundle to give it for `bundle`: the same one, except for crun 1.8, which refuses an
    /// `ociVersion` that does not contain "1.0" ("unknown version specified") where runc and
    /// berth-runc take any 1.x: it gets a copy of config.json saying 1.0.2 (a sibling directory,
    /// `BUNDLE.crun`, its root the bundle's rootfs). The only difference in what it is given.
    public func bundle(for bundle: String) throws -> String {
        guard name == "crun" else { return bundle }
        let data = try Data(contentsOf: URL(fileURLWithPath: bundle + "/config.json"))
        guard var config = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return bundle }
        if let version = config["ociVersion"] as? String, version.contains("1.0") { return bundle }
        config["ociVersion"] = "1.0.2"
        var root = config["root"] as? [String: Any] ?? [:]
        let path = root["path"] as? String ?? "rootfs"
        root["path"] = path.hasPrefix("/") ? path : bundle + "/" + path
        config["root"] = root
        let copy = bundle + ".crun"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: copy + "/config.json"))
        return copy
    }

    /// A shell command line running the runtime with `--root root` and `args`.
    public func shellCommand(root: String, _ args: [String]) -> String {
        let global = (name == "crun" ? ["--cgroup-manager=cgroupfs"] : []) + ["--root", root]
        let argv = ([binary] + global + args).map(Self.quoted).joined(separator: " ")
        guard let setup = namespaceSetup else { return argv }
        return "unshare -m --propagation private /bin/sh -c \(Self.quoted(setup + " && exec \"$@\"")) sh " + argv
    }

    /// Runs it with stdout and stderr appended to `output` and stdin from /dev/null (the
    /// container's init inherits them, so a pipe would stay open); its exit status.
    @discardableResult
    public func run(root: String, _ args: [String], output: String) -> Int32 {
        Subprocess.run("/bin/sh", ["-c", shellCommand(root: root, args) + " >>\(Self.quoted(output)) 2>&1 </dev/null"]).status
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
#endif
