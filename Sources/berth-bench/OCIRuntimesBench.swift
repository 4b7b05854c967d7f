import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth-runc` against crun and runc as OCI runtimes, on the same bundles (one busybox rootfs,
/// `spec` defaults, no network): `run` of /bin/true, create+start+kill+delete, `exec` of /bin/true,
/// and `podman run --rm` with `--runtime` each. Runtimes alternate in batches of 10 so drift hits all
/// of them alike; 3 warm-up rounds each are dropped. Wall and CPU time (wait4 rusage of the process
/// tree, ExecLoop) are medians; CPU time is the robust figure on a shared machine.
enum OCIRuntimesBench {
    static let batch = 10
    static let warmup = 3

    static func run(_ ctx: BenchContext) throws {
        guard let berthRunc = OCIRuntime.berthRunc(binDir: ctx.binDir, workDir: ctx.workDir,
                                                  cgroupPrefix: ctx.ociCgroupParent + "/berth-runc") else {
            throw BenchError("\(ctx.binDir)/berth-runc not found: build all products into one directory")
        }
        try FileManager.default.createDirectory(atPath: berthRunc.stateRoot, withIntermediateDirectories: true)
        let runtimes = [berthRunc] + ctx.runtimes
        defer { berthRunc.deleteAll(workDir: ctx.workDir) }
        let n = ctx.quick ? 20 : 60
        FileHandle.standardError.write(Data("runtimes: \(runtimes.map(\.name).joined(separator: ", ")), \(n) rounds each\n".utf8))
        var counter = 0
        func name(_ prefix: String) -> String { counter += 1; return "\(prefix)-\(counter)" }
        func bundle(_ rt: OCIRuntime, _ tag: String, _ args: [String]) throws -> String {
            let dir = ctx.workDir + "/bundle-\(rt.name)-\(tag)"
            try OCIBundle.create(dir: dir, rootfs: ctx.ociRootfs, args: args, cgroupsPath: rt.cgroupPath(tag), specTool: ctx.specTool)
            return dir
        }

        // run /bin/true: exits, deleted.
        var runBundles: [String: String] = [:]
        for rt in runtimes { runBundles[rt.name] = try bundle(rt, "true", ["/bin/true"]) }
        let run = try interleaved(runtimes, rounds: n) { rt, k in
            let outcomes = try rt.runTimed((0..<k).map { _ in rt.command(["run", "--bundle", runBundles[rt.name]!, name("run")]) },
                                           settle: true, workDir: ctx.workDir)
            try check(rt, "run", outcomes)
            return outcomes.map { ($0.nanos, $0.cpuNanos) }
        }
        report(ctx, "OCI runtime `run /bin/true` → deleted", run, unit: "run")

        // create + start + kill + delete of a sleeping container: the four commands' sum.
        var sleepBundles: [String: String] = [:]
        for rt in runtimes { sleepBundles[rt.name] = try bundle(rt, "sleep", ["/bin/sleep", "3600"]) }
        let cycle = try interleaved(runtimes, rounds: n) { rt, k in
            var commands: [[String]] = []
            for _ in 0..<k {
                let id = name("cycle")
                commands += [rt.command(["create", "--bundle", sleepBundles[rt.name]!, id]), rt.command(["start", id]),
                             rt.command(["kill", id, "KILL"]), rt.command(["delete", "--force", id])]
            }
            // Not `settle`: the created init stays the loop's child until it is killed (reaped then).
            let outcomes = try rt.runTimed(commands, workDir: ctx.workDir)
            try check(rt, "create/start/kill/delete", outcomes)
            return stride(from: 0, to: outcomes.count, by: 4).map { i in
                outcomes[i..<i + 4].reduce((UInt64(0), UInt64(0))) { ($0.0 + $1.nanos, $0.1 + $1.cpuNanos) }
            }
        }
        report(ctx, "OCI runtime create+start+kill+delete", cycle, unit: "cycle")

        // exec /bin/true into a running container of each runtime.
        var targets: [String: String] = [:]
        defer {
            for rt in runtimes { if let id = targets[rt.name] { _ = try? rt.runTimed([rt.command(["delete", "--force", id])], workDir: ctx.workDir) } }
        }
        for rt in runtimes {
            let id = name("exec-target")
            let started = try rt.runTimed([rt.command(["run", "--detach", "--bundle", sleepBundles[rt.name]!, id])],
                                          waitAtEnd: false, workDir: ctx.workDir)
            try check(rt, "run --detach", started)
            targets[rt.name] = id
        }
        let exec = try interleaved(runtimes, rounds: n) { rt, k in
            let outcomes = try rt.runTimed(Array(repeating: rt.command(["exec", targets[rt.name]!, "/bin/true"]), count: k),
                                           settle: true, workDir: ctx.workDir)
            try check(rt, "exec", outcomes)
            return outcomes.map { ($0.nanos, $0.cpuNanos) }
        }
        report(ctx, "OCI runtime `exec /bin/true`", exec, unit: "exec")

        // podman run --rm --runtime each: podman's own work dominates. Podman 4.3 here waits 20 s
        // after each container exits ("Exceeded conmon timeout waiting for container … to exit",
        // whatever the runtime): few rounds, and CPU time (that wait is idle) is the figure to read.
        if let podman = try PodmanHarness(ctx) {
            defer { podman.cleanup() }
            let viaPodman = try interleaved(runtimes, rounds: ctx.quick ? 3 : 5, batch: 1, warmup: 1) { rt, k in
                let outcomes = try rt.runTimed(Array(repeating: podman.runCommand(rt), count: k), settle: true, workDir: ctx.workDir)
                try check(rt, "podman run --rm", outcomes)
                return outcomes.map { ($0.nanos, $0.cpuNanos) }
            }
            report(ctx, "`podman run --rm --runtime R` of /bin/true", viaPodman, unit: "podman")
        }
    }

    typealias Sample = (wall: UInt64, cpu: UInt64)

    /// Warm-up, then batches of `batch` rounds per runtime in turn until each has `rounds`.
    static func interleaved(_ runtimes: [OCIRuntime], rounds: Int, batch: Int = batch, warmup: Int = warmup,
                            _ body: (OCIRuntime, Int) throws -> [Sample]) throws -> [String: [Sample]] {
        for rt in runtimes { _ = try body(rt, warmup) }
        var out: [String: [Sample]] = [:]
        var done = 0
        while done < rounds {
            try StopFlag.shared.check()
            let k = min(batch, rounds - done)
            for rt in runtimes { out[rt.name, default: []] += try body(rt, k) }
            done += k
            FileHandle.standardError.write(Data("  \(done)/\(rounds)\n".utf8))
        }
        return out
    }

    static func check(_ rt: OCIRuntime, _ what: String, _ outcomes: [ExecLoop.Outcome]) throws {
        if let bad = outcomes.first(where: { $0.status != 0 }) {
            throw BenchError("\(rt.name) \(what) exited \(bad.status): \(bad.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// One row per runtime: its median wall and CPU time and both as ratios to crun's and runc's; for
    /// berth-runc the target (≤ crun, wall and CPU).
    static func report(_ ctx: BenchContext, _ benchmark: String, _ samples: [String: [Sample]], unit: String) {
        let wall = samples.compactMapValues { Summary(nanos: $0.map(\.wall)) }
        let cpu = samples.compactMapValues { Summary(nanos: $0.map(\.cpu)) }
        let refs = ["crun", "runc"]
        let wallRefs = refs.compactMap { k in wall[k].map { (name: k, value: $0.median) } }
        let cpuRefs = refs.compactMap { k in cpu[k].map { (name: k, value: $0.median) } }
        for key in ["berth-runc"] + refs {
            guard let w = wall[key], let c = cpu[key] else { continue }
            var row = ResultRow(benchmark: benchmark, subject: key, n: "\(w.count)", median: Fmt.ms(w.median), p90: Fmt.ms(w.p90))
            row.ratio = Fmt.ratios(w.median, wallRefs, except: key)
            row.cpu = Fmt.ms(c.median)
            row.cpuRatio = Fmt.ratios(c.median, cpuRefs, except: key)
            if key == "berth-runc", unit != "podman", let crunWall = wall["crun"], let crunCPU = cpu["crun"] {
                row.target = "≤ 1× crun (wall and CPU)"
                row.met = w.median <= crunWall.median && c.median <= crunCPU.median
            }
            ctx.report.add(row)
            ctx.report.raw("runtimes-\(unit)-\(key)", samples[key]?.map(\.wall) ?? [])
            ctx.report.raw("runtimes-\(unit)-\(key)-cpu", samples[key]?.map(\.cpu) ?? [])
        }
    }
}

/// A podman with a containers.conf and storage.conf of the benchmark's own (cgroupfs, file events,
/// low default ulimits: root here cannot raise nofile), the benchmark's busybox rootfs imported as
/// an image, every container's cgroup below the benchmark's parent (`--cgroups no-conmon`, a
/// relative `--cgroup-parent`). nil (with a note) when podman or conmon is not installed.
struct PodmanHarness {
    let podman: String
    let dir: String
    let cgroupParent: String
    /// podman makes /run/containers and /run/libpod whatever its config says, and the runtimes'
    /// default roots: removed at the end when they were not there before.
    let runEntriesBefore: Set<String>
    static let image = "localhost/berth-bench-busybox:latest"

    init?(_ ctx: BenchContext) throws {
        guard let podman = Spawn.which("podman"), Spawn.which("conmon") != nil else {
            ctx.report.note("podman or conmon is not installed: no `podman run` rows")
            return nil
        }
        self.podman = podman
        runEntriesBefore = Set(((try? FileManager.default.contentsOfDirectory(atPath: "/run")) ?? []))
        dir = ctx.workDir + "/podman"
        cgroupParent = ctx.ociCgroupParent + "/podman"
        for sub in ["tmp", "state"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try Files.write(dir + "/containers.conf", """
            [containers]
            default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            events_logfile_path = "\(dir)/events.log"
            tmp_dir = "\(dir)/tmp"
            static_dir = "\(dir)/static"
            volume_path = "\(dir)/volumes"
            [network]
            network_config_dir = "\(dir)/net"

            """)
        try Files.write(dir + "/storage.conf", """
            [storage]
            driver = "overlay"
            runroot = "\(dir)/run"
            graphroot = "\(dir)/graph"

            """)
        try Spawn.check(["/bin/tar", "-C", ctx.ociRootfs, "-cf", dir + "/rootfs.tar", "."])
        _ = try Spawn.check(base + ["import", dir + "/rootfs.tar", Self.image])
        unlink(dir + "/rootfs.tar")
    }

    var base: [String] {
        ["/usr/bin/env", "CONTAINERS_CONF=\(dir)/containers.conf", "CONTAINERS_STORAGE_CONF=\(dir)/storage.conf", podman,
         "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--tmpdir", dir + "/tmp"]
    }

    /// `podman run --rm` of /bin/true with `rt` as its runtime (its binary, its own state root).
    func runCommand(_ rt: OCIRuntime) -> [String] {
        base + ["--runtime", rt.binary, "--runtime-flag", "root=\(dir)/state/\(rt.name)",
                "run", "--rm", "--network", "none", "--cgroups", "no-conmon", "--cgroup-parent", cgroupParent, Self.image, "/bin/true"]
    }

    func cleanup() {
        _ = try? Spawn.run(base + ["rm", "--all", "--force", "--time", "0"])
        _ = try? Spawn.run(base + ["rmi", "--all", "--force"])
        // podman leaves its overlay mounts (the storage's own) mounted: detach them, deepest first.
        for line in (Files.read("/proc/self/mountinfo") ?? "").split(separator: "\n").reversed() {
            let fields = line.split(separator: " ")
            if fields.count > 4, fields[4].hasPrefix(dir) { umount2(String(fields[4]), Int32(MNT_DETACH)) }
        }
        for name in ["containers", "libpod"] where !runEntriesBefore.contains(name) {
            try? FileManager.default.removeItem(atPath: "/run/" + name)
        }
        // podman's cleanup runs the runtime without --runtime-flag: its default root appears (empty).
        for name in ["runc", "crun", "berth-runc"] where !runEntriesBefore.contains(name) { rmdir("/run/" + name) }
    }
}
