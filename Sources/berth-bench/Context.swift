import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Everything the benchmarks share: a private Berth state root and cgroup parent, the OCI runtimes
/// with their bundles, the report. `cleanup()` removes all of it.
final class BenchContext {
    let quick: Bool
    /// Containers of the start/stats fleet when `--containers` says so (else 200, 50 with --quick).
    let containers: Int?
    let pid = getpid()
    /// Private Berth root: /var/tmp/berth-bench-PID.
    let root: String
    /// Berth's --cgroup-parent (relative: below the benchmark's own cgroup).
    let cgroupParent: String
    /// crun/runc cgroups: <own cgroup>/berth-bench-PID-oci/<runtime>/<name>.
    let ociCgroupParent: String
    /// Bundles, OCI state roots, scratch files.
    let workDir: String
    let binDir: String
    /// berth and berth-shim come from another build (--berth-dir): rows that run this build's
    /// library in-process are left out, they would not measure that build.
    let otherBerth: Bool
    let berthCLI: String
    let cgroups: HostCgroups
    let report = Report()
    private(set) var engine: Engine!
    private(set) var runtimes: [OCIRuntime] = []
    /// The busybox image's rootfs, copied for crun/runc (they write mount points into it).
    private(set) var ociRootfs = ""
    private var tmuxSocket: String?

    /// `berthDir`: where berth and berth-shim are; nil = beside this executable.
    init(quick: Bool, containers: Int? = nil, berthDir: String? = nil) throws {
        self.quick = quick
        self.containers = containers
        root = "/var/tmp/berth-bench-\(pid)"
        cgroupParent = "berth-bench-\(pid)"
        ociCgroupParent = "berth-bench-\(pid)-oci"
        workDir = root + "/oci"
        let exe = Files.executablePath()
        otherBerth = berthDir != nil
        binDir = berthDir ?? String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
        berthCLI = binDir + "/berth"
        cgroups = try HostCgroups.detect()
        for tool in [berthCLI, binDir + "/berth-shim"] where access(tool, X_OK) != 0 {
            throw BenchError("\(tool) not found: build all products into one directory (swift build -c release --static-swift-stdlib --scratch-path .build-bench)")
        }
    }

    /// Creates the root, imports busybox, prepares OCI runtimes when `withOCI`.
    func setUp(withOCI: Bool) throws {
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        engine = try Engine(options: EngineOptions(root: root, cgroupParent: cgroupParent,
                                                   shimPath: binDir + "/berth-shim", cliPath: berthCLI))
        try Spawn.check([berthCLI, "--root", root, "image", "import-busybox"])
        guard withOCI else { return }
        let image = try engine.images.resolve("busybox")
        guard let layer = image.layers.last else { throw BenchError("busybox image has no layer") }
        ociRootfs = workDir + "/rootfs"
        try Spawn.check(["/bin/cp", "-a", engine.images.layerPath(layer), ociRootfs])
        for name in ["crun", "runc"] {
            if let rt = OCIRuntime.find(name, workDir: workDir, cgroups: cgroups, cgroupPrefix: ociCgroupParent + "/" + name) {
                try FileManager.default.createDirectory(atPath: rt.stateRoot, withIntermediateDirectories: true)
                runtimes.append(rt)
            } else {
                report.note("\(name) is not installed: skipped")
            }
        }
    }

    var specTool: String { runtimes.first { $0.name == "runc" }?.binary ?? runtimes.first?.binary ?? "runc" }

    func runtime(_ name: String) -> OCIRuntime? { runtimes.first { $0.name == name } }

    func cliArgs(_ verb: [String]) -> [String] {
        [berthCLI, "--root", root, "--cgroup-parent", cgroupParent] + verb
    }

    // MARK: - tmux (dashboard CPU)

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        guard let tmux = Spawn.which("tmux") else { throw BenchError("tmux is not installed") }
        let socket = "berth-bench-\(pid)"
        tmuxSocket = socket
        return try Spawn.check([tmux, "-L", socket] + args)
    }

    // MARK: - Cleanup

    func cleanupTmux() {
        guard let socket = tmuxSocket else { return }
        _ = try? tmux(["kill-server"])
        unlink("\(ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp")/tmux-\(getuid())/\(socket)")
        tmuxSocket = nil
    }

    /// Removes every container, cgroup, bundle and the state root this run created. Safe to call twice.
    func cleanup() {
        if let socket = tmuxSocket {
            _ = try? tmux(["kill-server"])
            // tmux leaves its socket file behind.
            unlink("\(ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp")/tmux-\(getuid())/\(socket)")
            tmuxSocket = nil
        }
        if let engine {
            for c in (try? engine.list(all: true)) ?? [] {
                do { try engine.remove(c.id, force: true) } catch {
                    report.problem("cleanup: removing Berth container \(c.name): \(error)")
                }
            }
        }
        for rt in runtimes {
            rt.deleteAll(workDir: workDir)
            let left = rt.leftoverContainers()
            if !left.isEmpty { report.problem("cleanup: \(rt.name) still has \(left.count) containers in \(rt.stateRoot)") }
        }
        for relative in [ociCgroupParent, cgroupParent] {
            let left = cgroups.removeTree(relative: relative)
            if !left.isEmpty { report.problem("cleanup: cgroups left (busy): \(left.joined(separator: ", "))") }
        }
        if Files.exists(root) {
            if Files.hasMounts(under: root) {
                report.problem("cleanup: mounts remain under \(root); not deleting it")
            } else {
                do { try FileManager.default.removeItem(atPath: root) } catch {
                    report.problem("cleanup: removing \(root): \(error)")
                }
            }
        }
    }
}
