import BerthRuntime
import Foundation

/// `exec /bin/true` into a running container, N times, side by side with `crun exec` and
/// `runc exec` into a container of the same rootfs.
enum ExecBench {
    static func run(_ ctx: BenchContext) throws {
        let n = ctx.quick ? 20 : 50
        FileHandle.standardError.write(Data("exec: \(n) runs per runtime\n".utf8))
        // Through the CLI, so that with --berth-dir the target is that build's own.
        let errFile = ctx.workDir + "/cli-stderr"
        let started = try Spawn.run(ctx.cliArgs(["run", "-d", "--name", "exec-target", "--network", "none", "busybox", "sleep", "3600"]),
                                    stderrFile: errFile)
        if !started.succeeded { throw BenchError("berth run -d exited \(started.status): \(Files.read(errFile) ?? "")") }
        defer { _ = try? Spawn.run(ctx.cliArgs(["rm", "-f", "exec-target"])) }
        var times: [String: [UInt64]] = [:]
        var cpus: [String: [UInt64]] = [:]
        let berthExec = ExecLoop.Command(argv: ctx.cliArgs(["exec", "exec-target", "/bin/true"]), settle: true)
        let berthOutcomes = try ExecLoop.run(Array(repeating: berthExec, count: n + 3), namespaceSetup: nil,
                                             workDir: ctx.workDir, label: "berth")
        if let bad = berthOutcomes.first(where: { $0.status != 0 }) { throw BenchError("berth exec exited \(bad.status): \(bad.output)") }
        times["berth"] = berthOutcomes.dropFirst(3).map(\.nanos)
        cpus["berth"] = berthOutcomes.dropFirst(3).map(\.cpuNanos)
        for rt in ctx.runtimes {
            let dir = ctx.workDir + "/bundle-\(rt.name)-exec"
            try OCIBundle.create(dir: dir, rootfs: ctx.ociRootfs, args: ["/bin/sleep", "3600"],
                                 cgroupsPath: rt.cgroupPath("exec"), specTool: ctx.specTool)
            defer { rt.deleteAll(workDir: ctx.workDir); try? FileManager.default.removeItem(atPath: dir) }
            var commands = [rt.command(["run", "-d", "--bundle", dir, "exec-target"])]
            commands += Array(repeating: rt.command(["exec", "exec-target", "/bin/true"]), count: n + 3)
            commands.append(rt.command(["delete", "-f", "exec-target"]))
            // Not `settle`: the container started by `run -d` stays the loop's child until the delete.
            let outcomes = try rt.runTimed(commands, workDir: ctx.workDir)
            guard outcomes.count == commands.count, outcomes.dropLast().allSatisfy({ $0.status == 0 }) else {
                ctx.report.problem("\(rt.name) exec failed: " + (outcomes.first { $0.status != 0 }.map(\.output) ?? "?"))
                continue
            }
            times[rt.name] = Array(outcomes.dropFirst(4).dropLast().map(\.nanos))
            cpus[rt.name] = Array(outcomes.dropFirst(4).dropLast().map(\.cpuNanos))
        }
        let crun = times["crun"].flatMap { Summary(nanos: $0) }
        let crunCPU = cpus["crun"].flatMap { Summary(nanos: $0) }
        let wallRefs = ["crun", "runc"].compactMap { k in times[k].flatMap { Summary(nanos: $0) }.map { (name: k, value: $0.median) } }
        let cpuRefs = ["crun", "runc"].compactMap { k in cpus[k].flatMap { Summary(nanos: $0) }.map { (name: k, value: $0.median) } }
        for (key, subject) in [("berth", "Berth CLI `berth exec NAME /bin/true`"), ("crun", "crun exec"), ("runc", "runc exec")] {
            guard let s = times[key].flatMap({ Summary(nanos: $0) }) else { continue }
            var row = ResultRow(benchmark: "exec `/bin/true` into a running container", subject: subject, n: "\(s.count)",
                                median: Fmt.ms(s.median), p90: Fmt.ms(s.p90))
            row.ratio = Fmt.ratios(s.median, wallRefs, except: key)
            let c = cpus[key].flatMap { Summary(nanos: $0) }
            if let c {
                row.cpu = Fmt.ms(c.median)
                row.cpuRatio = Fmt.ratios(c.median, cpuRefs, except: key)
            }
            if key == "berth", let crun, let crunCPU, let c {
                row.target = "≤ 1× crun (wall and CPU)"
                row.met = s.median <= crun.median && c.median <= crunCPU.median
            }
            ctx.report.add(row)
            ctx.report.raw("exec-\(key)", times[key] ?? [])
            ctx.report.raw("exec-\(key)-cpu", cpus[key] ?? [])
        }
    }
}

/// Scale a service on the bridge network from 0 to 100 replicas and back (DESIGN: ≤ 2 s up, ≤ 1 s down).
enum ScaleBench {
    static func run(_ ctx: BenchContext) throws {
        let n = ctx.quick ? 30 : 100
        FileHandle.standardError.write(Data("scale: 0 → \(n) → 0 on the bridge\n".utf8))
        let template = ContainerRequest(image: "busybox", command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
                                        restartPolicy: .no, network: .bridge, cgroupParent: ctx.cgroupParent)
        _ = try ctx.engine.createService(ServiceSpec(name: "benchsvc", template: template, replicas: 0, stopTimeout: 5))
        defer {
            _ = try? ctx.engine.removeService("benchsvc", stopTimeout: 1)
            try? ctx.engine.removeBridgeNetwork()
        }
        let c0 = CPUTime.selfAndChildren()
        let t0 = Clock.now()
        _ = try ctx.engine.scale("benchsvc", to: n)
        let t1 = Clock.now()
        let c1 = CPUTime.selfAndChildren()
        let running = try ctx.engine.list(all: false).filter { $0.service == "benchsvc" }.count
        if running != n { ctx.report.problem("scale: \(running) of \(n) replicas running after scale up") }
        let c2 = CPUTime.selfAndChildren()
        let t2 = Clock.now()
        _ = try ctx.engine.scale("benchsvc", to: 0)
        let t3 = Clock.now()
        let c3 = CPUTime.selfAndChildren()
        let up = Double(t1 - t0), down = Double(t3 - t2)
        var r = ResultRow(benchmark: "scale a service on the bridge", subject: "Berth library `scale` 0 → \(n)", n: "1",
                          median: Fmt.ms(up), p90: "–", note: "CPU: the calling process and what it reaped, not the supervisors")
        r.cpu = Fmt.ms(Double(c1 - c0))
        if n == 100 { r.target = "≤ 2 s"; r.met = up <= 2e9 }
        ctx.report.add(r)
        var d = ResultRow(benchmark: "scale a service on the bridge", subject: "Berth library `scale` \(n) → 0", n: "1",
                          median: Fmt.ms(down), p90: "–", note: "CPU: the calling process and what it reaped, not the supervisors")
        d.cpu = Fmt.ms(Double(c3 - c2))
        if n == 100 { d.target = "≤ 1 s"; d.met = down <= 1e9 }
        ctx.report.add(d)
    }
}
