import BerthRuntime
import CBerthSys
import Foundation

/// `run /bin/true` until the container is removed, no network, side by side:
/// Berth in-process (create + start + wait + remove), `berth run --rm` as a subprocess,
/// `crun run` and `runc run` with an OCI bundle of the same rootfs. Runtimes alternate in batches of
/// 10 so drift (page cache, cgroup churn) hits all of them alike; 3 warm-up runs each are dropped.
///
/// CPU time covers each run's whole process tree, container included (ExecLoop); for the library,
/// the benchmark process itself (all threads) plus what it reaped: it is a child subreaper during the
/// library runs, so each run's supervisor is re-parented to it and reaped after the run.
enum LifecycleBench {
    static func run(_ ctx: BenchContext) throws {
        let n = ctx.quick ? 20 : 100
        let batch = 10
        let warmup = 3
        FileHandle.standardError.write(Data("lifecycle: \(n) runs per runtime\n".utf8))

        var bundles: [String: String] = [:]
        for rt in ctx.runtimes {
            let dir = ctx.workDir + "/bundle-\(rt.name)-life"
            try OCIBundle.create(dir: dir, rootfs: ctx.ociRootfs, args: ["/bin/true"], cgroupsPath: rt.cgroupPath("life"),
                                 specTool: ctx.specTool)
            bundles[rt.name] = dir
        }

        var times: [String: [UInt64]] = [:]
        var cpus: [String: [UInt64]] = [:]
        /// The library path's phases: create, start (until the shim reports the exec), wait, remove.
        var phases: [[UInt64]] = [[], [], [], []]
        var counter = 0
        func library(_ count: Int, record: Bool = true) throws -> (wall: [UInt64], cpu: [UInt64]) {
            var out: [UInt64] = []
            var cpu: [UInt64] = []
            guard berth_set_child_subreaper(1) == 0 else { throw BenchError("PR_SET_CHILD_SUBREAPER: \(String(cString: strerror(errno)))") }
            defer { _ = berth_set_child_subreaper(0) }
            for _ in 0..<count {
                try StopFlag.shared.check()
                let c0 = CPUTime.selfAndChildren()
                let t0 = Clock.now()
                let r = try ctx.engine.create(ContainerRequest(image: "busybox", command: ["/bin/true"], network: .none,
                                                               cgroupParent: ctx.cgroupParent))
                let t1 = Clock.now()
                try ctx.engine.startContainer(r.id)
                let t2 = Clock.now()
                let code = try ctx.engine.wait(r.id)
                let t3 = Clock.now()
                try ctx.engine.remove(r.id, force: false)
                let t4 = Clock.now()
                // Nothing else of the benchmark's runs now: every child left is this run's supervisor.
                if !ExecLoop.reapOrphans(waitUpTo: 2_000_000_000).done { ExecLoop.unsettledTotal += 1 }
                cpu.append(CPUTime.selfAndChildren() - c0)
                out.append(t4 - t0)
                if record {
                    for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3].enumerated() { phases[i].append(d) }
                }
                if code != 0 { throw BenchError("library run of /bin/true exited \(code)") }
            }
            return (out, cpu)
        }
        func cli(_ count: Int) throws -> (wall: [UInt64], cpu: [UInt64]) {
            try StopFlag.shared.check()
            let command = ctx.cliArgs(["run", "--rm", "--network", "none", "busybox", "/bin/true"])
            let outcomes = try ExecLoop.run(Array(repeating: ExecLoop.Command(argv: command, settle: true), count: count),
                                            namespaceSetup: nil, workDir: ctx.workDir, label: "berth")
            if let bad = outcomes.first(where: { $0.status != 0 }) {
                throw BenchError("berth run exited \(bad.status): \(bad.output)")
            }
            return (outcomes.map(\.nanos), outcomes.map(\.cpuNanos))
        }
        func oci(_ rt: OCIRuntime, _ count: Int) throws -> (wall: [UInt64], cpu: [UInt64]) {
            let names = (0..<count).map { _ -> String in counter += 1; return "life-\(counter)" }
            let outcomes = try rt.runTimed(names.map { rt.command(["run", "--bundle", bundles[rt.name]!, $0]) },
                                           settle: true, workDir: ctx.workDir)
            for (name, o) in zip(names, outcomes) where o.status != 0 {
                throw BenchError("\(rt.name) run \(name) exited \(o.status): \(o.output)")
            }
            // `run` without -d deletes the container when it exits; check nothing is left.
            let left = rt.leftoverContainers()
            if !left.isEmpty {
                rt.deleteAll(workDir: ctx.workDir)
                throw BenchError("\(rt.name) run left containers behind: \(left)")
            }
            return (outcomes.map(\.nanos), outcomes.map(\.cpuNanos))
        }

        // Warm-up.
        if !ctx.otherBerth { _ = try library(warmup, record: false) }
        _ = try cli(warmup)
        for rt in ctx.runtimes { _ = try oci(rt, warmup) }

        var done = 0
        while done < n {
            let k = min(batch, n - done)
            func add(_ key: String, _ r: (wall: [UInt64], cpu: [UInt64])) {
                times[key, default: []] += r.wall
                cpus[key, default: []] += r.cpu
            }
            if !ctx.otherBerth { add("library", try library(k)) }
            add("cli", try cli(k))
            for rt in ctx.runtimes { add(rt.name, try oci(rt, k)) }
            done += k
            FileHandle.standardError.write(Data("  \(done)/\(n)\n".utf8))
        }
        if (try ctx.engine.list(all: true)).count != 0 { ctx.report.problem("lifecycle: Berth containers left after removal") }

        let crun = times["crun"].flatMap { Summary(nanos: $0) }
        let crunCPU = cpus["crun"].flatMap { Summary(nanos: $0) }
        let wallRefs = ["crun", "runc"].compactMap { k in times[k].flatMap { Summary(nanos: $0) }.map { (name: k, value: $0.median) } }
        let cpuRefs = ["crun", "runc"].compactMap { k in cpus[k].flatMap { Summary(nanos: $0) }.map { (name: k, value: $0.median) } }
        func row(_ subject: String, _ key: String, target: String, limit: ((Double) -> Double)?) {
            guard let s = times[key].flatMap({ Summary(nanos: $0) }) else { return }
            var r = ResultRow(benchmark: "lifecycle `run /bin/true` → removed", subject: subject, n: "\(s.count)",
                              median: Fmt.ms(s.median), p90: Fmt.ms(s.p90))
            r.ratio = Fmt.ratios(s.median, wallRefs, except: key)
            let c = cpus[key].flatMap { Summary(nanos: $0) }
            if let c {
                r.cpu = Fmt.ms(c.median)
                r.cpuRatio = Fmt.ratios(c.median, cpuRefs, except: key)
            }
            if let limit, let crun, let crunCPU, let c {
                r.target = target + " (wall and CPU)"
                r.met = s.median <= limit(crun.median) && c.median <= limit(crunCPU.median)
            }
            ctx.report.add(r)
        }
        row("Berth library (create+start+wait+remove)", "library", target: "≤ 0.5× crun", limit: { $0 / 2 })
        row("Berth CLI `berth run --rm --network none`", "cli", target: "≤ 1× crun", limit: { $0 })
        let phaseNames = ["create", "start", "wait", "remove"]
        let parts = zip(phaseNames, phases).compactMap { name, values in
            Summary(nanos: values).map { "\(name) \(Fmt.ms($0.median))" }
        }
        if !parts.isEmpty {
            ctx.report.note("lifecycle, Berth library phases (medians): " + parts.joined(separator: ", "))
        }
        for (key, values) in times.sorted(by: { $0.key < $1.key }) { ctx.report.raw("lifecycle-\(key)", values) }
        for (key, values) in cpus.sorted(by: { $0.key < $1.key }) { ctx.report.raw("lifecycle-\(key)-cpu", values) }
        for (name, values) in zip(phaseNames, phases) { ctx.report.raw("lifecycle-library-\(name)", values) }
        row("crun `run` (exits → deleted)", "crun", target: "", limit: nil)
        row("runc `run` (exits → deleted)", "runc", target: "", limit: nil)
    }
}
