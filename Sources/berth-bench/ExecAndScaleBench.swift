import BerthRuntime
import Foundation

/// `exec /bin/true` into a running container, N times, side by side with `crun exec` and
/// `runc exec` into a container of the same rootfs.
enum ExecBench {
    static func run(_ ctx: BenchContext) throws {
        let n = ctx.quick ? 20 : 50
        FileHandle.standardError.write(Data("exec: \(n) runs per runtime\n".utf8))
        let r = try ctx.engine.create(ContainerRequest(image: "busybox", name: "exec-target", command: ["sleep", "3600"],
                                                       network: .none, cgroupParent: ctx.cgroupParent))
        defer { try? ctx.engine.remove(r.id, force: true) }
        try ctx.engine.startContainer(r.id)
        var times: [String: [UInt64]] = [:]
        for _ in 0..<3 { _ = try Spawn.run(ctx.cliArgs(["exec", "exec-target", "/bin/true"])) }
        for _ in 0..<n {
            try StopFlag.shared.check()
            let res = try Spawn.run(ctx.cliArgs(["exec", "exec-target", "/bin/true"]))
            guard res.succeeded else { throw BenchError("berth exec exited \(res.status)") }
            times["berth", default: []].append(res.nanos)
        }
        for rt in ctx.runtimes {
            let dir = ctx.workDir + "/bundle-\(rt.name)-exec"
            try OCIBundle.create(dir: dir, rootfs: ctx.ociRootfs, args: ["/bin/sleep", "3600"],
                                 cgroupsPath: rt.cgroupPath("exec"), specTool: ctx.specTool)
            defer { rt.deleteAll(workDir: ctx.workDir); try? FileManager.default.removeItem(atPath: dir) }
            var commands = [rt.command(["run", "-d", "--bundle", dir, "exec-target"])]
            commands += Array(repeating: rt.command(["exec", "exec-target", "/bin/true"]), count: n + 3)
            commands.append(rt.command(["delete", "-f", "exec-target"]))
            let outcomes = try rt.runTimed(commands, workDir: ctx.workDir)
            guard outcomes.count == commands.count, outcomes.dropLast().allSatisfy({ $0.status == 0 }) else {
                ctx.report.problem("\(rt.name) exec failed: " + (outcomes.first { $0.status != 0 }.map(\.output) ?? "?"))
                continue
            }
            times[rt.name] = Array(outcomes.dropFirst(4).dropLast().map(\.nanos))
        }
        let crun = times["crun"].flatMap { Summary(nanos: $0) }
        for (key, subject) in [("berth", "Berth CLI `berth exec NAME /bin/true`"), ("crun", "crun exec"), ("runc", "runc exec")] {
            guard let s = times[key].flatMap({ Summary(nanos: $0) }) else { continue }
            var row = ResultRow(benchmark: "exec `/bin/true` into a running container", subject: subject, n: "\(s.count)",
                                median: Fmt.ms(s.median), p90: Fmt.ms(s.p90))
            if let crun, key != "crun" {
                row.ratio = Fmt.ratio(s.median, crun.median, "crun")
                if key == "berth" { row.target = "≤ 1× crun"; row.met = s.median <= crun.median }
            }
            ctx.report.add(row)
            ctx.report.raw("exec-\(key)", times[key] ?? [])
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
        let t0 = Clock.now()
        _ = try ctx.engine.scale("benchsvc", to: n)
        let t1 = Clock.now()
        let running = try ctx.engine.list(all: false).filter { $0.service == "benchsvc" }.count
        if running != n { ctx.report.problem("scale: \(running) of \(n) replicas running after scale up") }
        let t2 = Clock.now()
        _ = try ctx.engine.scale("benchsvc", to: 0)
        let t3 = Clock.now()
        let up = Double(t1 - t0), down = Double(t3 - t2)
        var r = ResultRow(benchmark: "scale a service on the bridge", subject: "Berth library `scale` 0 → \(n)", n: "1",
                          median: Fmt.ms(up), p90: "–")
        if n == 100 { r.target = "≤ 2 s"; r.met = up <= 2e9 }
        ctx.report.add(r)
        var d = ResultRow(benchmark: "scale a service on the bridge", subject: "Berth library `scale` \(n) → 0", n: "1",
                          median: Fmt.ms(down), p90: "–")
        if n == 100 { d.target = "≤ 1 s"; d.met = down <= 1e9 }
        ctx.report.add(d)
    }
}
