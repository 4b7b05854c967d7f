import BerthRuntime
import Foundation

/// `run /bin/true` until the container is removed, no network, side by side:
/// Berth in-process (create + start + wait + remove), `berth run --rm` as a subprocess,
/// `crun run` and `runc run` with an OCI bundle of the same rootfs. Runtimes alternate in batches of
/// 10 so drift (page cache, cgroup churn) hits all of them alike; 3 warm-up runs each are dropped.
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
        /// The library path's phases: create, start (until the shim reports the exec), wait, remove.
        var phases: [[UInt64]] = [[], [], [], []]
        var counter = 0
        func library(_ count: Int, record: Bool = true) throws -> [UInt64] {
            var out: [UInt64] = []
            for _ in 0..<count {
                try StopFlag.shared.check()
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
                out.append(t4 - t0)
                if record {
                    for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3].enumerated() { phases[i].append(d) }
                }
                if code != 0 { throw BenchError("library run of /bin/true exited \(code)") }
            }
            return out
        }
        func cli(_ count: Int) throws -> [UInt64] {
            var out: [UInt64] = []
            for _ in 0..<count {
                try StopFlag.shared.check()
                let r = try Spawn.run(ctx.cliArgs(["run", "--rm", "--network", "none", "busybox", "/bin/true"]),
                                      stderrFile: ctx.workDir + "/cli-stderr")
                if !r.succeeded {
                    throw BenchError("berth run exited \(r.status): \(Files.read(ctx.workDir + "/cli-stderr") ?? "")")
                }
                out.append(r.nanos)
            }
            return out
        }
        func oci(_ rt: OCIRuntime, _ count: Int) throws -> [UInt64] {
            let names = (0..<count).map { _ -> String in counter += 1; return "life-\(counter)" }
            let outcomes = try rt.runTimed(names.map { rt.command(["run", "--bundle", bundles[rt.name]!, $0]) },
                                           workDir: ctx.workDir)
            for (name, o) in zip(names, outcomes) where o.status != 0 {
                throw BenchError("\(rt.name) run \(name) exited \(o.status): \(o.output)")
            }
            // `run` without -d deletes the container when it exits; check nothing is left.
            let left = rt.leftoverContainers()
            if !left.isEmpty {
                rt.deleteAll(workDir: ctx.workDir)
                throw BenchError("\(rt.name) run left containers behind: \(left)")
            }
            return outcomes.map(\.nanos)
        }

        // Warm-up.
        _ = try library(warmup, record: false)
        _ = try cli(warmup)
        for rt in ctx.runtimes { _ = try oci(rt, warmup) }

        var done = 0
        while done < n {
            let k = min(batch, n - done)
            times["library", default: []] += try library(k)
            times["cli", default: []] += try cli(k)
            for rt in ctx.runtimes { times[rt.name, default: []] += try oci(rt, k) }
            done += k
            FileHandle.standardError.write(Data("  \(done)/\(n)\n".utf8))
        }
        if (try ctx.engine.list(all: true)).count != 0 { ctx.report.problem("lifecycle: Berth containers left after removal") }

        let crun = times["crun"].flatMap { Summary(nanos: $0) }
        let runc = times["runc"].flatMap { Summary(nanos: $0) }
        let reference = crun ?? runc
        let refName = crun != nil ? "crun" : "runc"
        func row(_ subject: String, _ key: String, target: String, limit: ((Double) -> Double)?) {
            guard let s = times[key].flatMap({ Summary(nanos: $0) }) else { return }
            var r = ResultRow(benchmark: "lifecycle `run /bin/true` → removed", subject: subject, n: "\(s.count)",
                              median: Fmt.ms(s.median), p90: Fmt.ms(s.p90))
            if let ref = reference, key != refName {
                r.ratio = Fmt.ratio(s.median, ref.median, refName)
                if let limit, crun != nil {
                    r.target = target
                    r.met = s.median <= limit(ref.median)
                }
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
        for (name, values) in zip(phaseNames, phases) { ctx.report.raw("lifecycle-library-\(name)", values) }
        row("crun `run` (exits → deleted)", "crun", target: "", limit: nil)
        row("runc `run` (exits → deleted)", "runc", target: "", limit: nil)
    }
}
