import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts N detached `sleep 3600` containers one after the other (wall time), measures memory per
/// running container, then removes them (timed, for information):
/// - Berth through the library and through `berth run -d`: each container has its supervisor (berth-shim);
///   memory = the container's memory cgroup usage + the supervisor's VmRSS;
/// - crun and runc `run -d`: no supervisor; memory = the container's memory cgroup usage.
///
/// CPU time of the starts: each `run -d`'s process tree up to its exit (ExecLoop), plus what keeps
/// running detached, read once all are started: each container's cgroup (`cpuacct.usage`) and, for
/// Berth, each supervisor's time on CPU (`/proc/PID/schedstat`). For the library: the benchmark
/// process and what it reaped, plus the same detached part. Removal CPU is the remover's process
/// tree; the supervisor's and the killed container's own exit work is not in it (no child of it).
/// With the containers running, `berth ps` and `crun list`/`runc list` are timed as well.
enum StartManyBench {
    struct Fleet {
        var subject: String
        var count: Int
        /// Sum of the start of each container (for Berth: the loop's wall time).
        var startNanos: UInt64
        var removeNanos: UInt64 = 0
        /// CPU time: the starting commands' process trees (sum), what ran detached, the removals.
        var startCPU: UInt64 = 0
        var detachedCPU: UInt64 = 0
        var removeCPU: UInt64 = 0
        /// `berth ps` / `crun list` with all of them running: wall and CPU per call.
        var listWall: [UInt64] = []
        var listCPU: [UInt64] = []
        /// Each container's start, in order (Berth library: create + start; CLI and OCI: one command).
        var perStart: [UInt64] = []
        /// Per container: cgroup usage + supervisor VmRSS (bytes).
        var perContainer: [Double] = []
        var cgroupUsage: [Double] = []
        var supervisorRSS: [Double] = []
        var supervisorAnon: [Double] = []
        var supervisorPss: [Double] = []
    }

    static func fleetSize(_ ctx: BenchContext) -> Int { ctx.containers ?? (ctx.quick ? 50 : 200) }

    // MARK: - Berth

    /// Starts `n` containers through the library; returns their ids and the wall time.
    static func startBerthLibrary(_ ctx: BenchContext, n: Int) throws -> (ids: [String], nanos: UInt64, each: [UInt64], cpu: UInt64) {
        FileHandle.standardError.write(Data("start: \(n) Berth containers (library)\n".utf8))
        var ids: [String] = []
        var each: [UInt64] = []
        let c0 = CPUTime.selfAndChildren()
        let t0 = Clock.now()
        for i in 0..<n {
            try StopFlag.shared.check()
            let c0 = Clock.now()
            let r = try ctx.engine.create(ContainerRequest(image: "busybox", name: "bench-lib-\(i)", command: ["sleep", "3600"],
                                                           network: .none, cgroupParent: ctx.cgroupParent))
            ids.append(r.id)
            try ctx.engine.startContainer(r.id)
            each.append(Clock.now() - c0)
        }
        let nanos = Clock.now() - t0
        return (ids, nanos, each, CPUTime.selfAndChildren() - c0)
    }

    static func startBerthCLI(_ ctx: BenchContext, n: Int) throws -> (ids: [String], nanos: UInt64, each: [UInt64], cpu: UInt64) {
        FileHandle.standardError.write(Data("start: \(n) Berth containers (CLI run -d)\n".utf8))
        try StopFlag.shared.check()
        // stdout is not captured: a pipe is no place for a detached container's inherited descriptors.
        let commands = (0..<n).map {
            ExecLoop.Command(argv: ctx.cliArgs(["run", "-d", "--name", "bench-cli-\($0)", "--network", "none", "busybox", "sleep", "3600"]),
                             settle: false)
        }
        let outcomes = try ExecLoop.run(commands, namespaceSetup: nil, workDir: ctx.workDir, label: "berth", waitAtEnd: false)
        if let bad = outcomes.first(where: { $0.status != 0 }) { throw BenchError("berth run -d exited \(bad.status): \(bad.output)") }
        let ids = try ctx.engine.list(all: true).filter { $0.name.hasPrefix("bench-cli-") }.map(\.id)
        return (ids, outcomes.map(\.nanos).reduce(0, +), outcomes.map(\.nanos), outcomes.map(\.cpuNanos).reduce(0, +))
    }

    /// `berth ps` with the fleet running.
    static func listBerth(_ ctx: BenchContext, into fleet: inout Fleet) throws {
        let k = ctx.quick ? 5 : 20
        let outcomes = try ExecLoop.run(Array(repeating: ExecLoop.Command(argv: ctx.cliArgs(["ps"]), settle: true), count: k + 2),
                                        namespaceSetup: nil, workDir: ctx.workDir, label: "berth")
        if let bad = outcomes.first(where: { $0.status != 0 }) { throw BenchError("berth ps exited \(bad.status): \(bad.output)") }
        fleet.listWall = outcomes.dropFirst(2).map(\.nanos)
        fleet.listCPU = outcomes.dropFirst(2).map(\.cpuNanos)
    }

    static func measureBerth(_ ctx: BenchContext, ids: [String], into fleet: inout Fleet) throws {
        usleep(1_000_000) // let every supervisor settle
        var running = 0
        for id in ids {
            let info = try ctx.engine.inspect(id)
            guard info.state.status == .running, let shim = info.state.shimPid else { continue }
            running += 1
            guard let usageFile = ctx.cgroups.memoryUsageFile(relative: ctx.cgroupParent + "/" + id),
                  let usage = Files.firstInteger(usageFile) else {
                ctx.report.problem("no memory cgroup usage for Berth container \(info.name)")
                continue
            }
            let rss = Files.kBField("/proc/\(shim)/status", "VmRSS") ?? 0
            fleet.detachedCPU += (CPUTime.scheduled(pid: shim) ?? 0) + (ctx.cgroups.cpuUsageNanos(relative: ctx.cgroupParent + "/" + id) ?? 0)
            fleet.cgroupUsage.append(Double(usage))
            fleet.supervisorRSS.append(Double(rss))
            fleet.supervisorAnon.append(Double(Files.kBField("/proc/\(shim)/status", "RssAnon") ?? 0))
            fleet.supervisorPss.append(Double(Files.kBField("/proc/\(shim)/smaps_rollup", "Pss") ?? 0))
            fleet.perContainer.append(Double(usage + rss))
        }
        if running != ids.count { ctx.report.problem("\(fleet.subject): only \(running) of \(ids.count) containers running") }
    }

    static func removeBerthLibrary(_ ctx: BenchContext, ids: [String]) throws -> UInt64 {
        let t0 = Clock.now()
        for id in ids { try ctx.engine.remove(id, force: true) }
        return Clock.now() - t0
    }

    static func removeBerthCLI(_ ctx: BenchContext, ids: [String]) throws -> (nanos: UInt64, cpu: UInt64) {
        let commands = ids.map { ExecLoop.Command(argv: ctx.cliArgs(["rm", "-f", $0]), settle: false) }
        let outcomes = try ExecLoop.run(commands, namespaceSetup: nil, workDir: ctx.workDir, label: "berth")
        if let bad = outcomes.first(where: { $0.status != 0 }) { throw BenchError("berth rm -f exited \(bad.status): \(bad.output)") }
        return (outcomes.map(\.nanos).reduce(0, +), outcomes.map(\.cpuNanos).reduce(0, +))
    }

    // MARK: - crun / runc

    static func ociFleet(_ ctx: BenchContext, _ rt: OCIRuntime, n: Int) throws -> Fleet {
        FileHandle.standardError.write(Data("start: \(n) \(rt.name) containers (run -d)\n".utf8))
        let names = (0..<n).map { "c\($0)" }
        // Bundles are prepared untimed (Berth's timed create writes its spec as part of the start).
        for name in names {
            try OCIBundle.create(dir: ctx.workDir + "/bundle-\(rt.name)-\(name)", rootfs: ctx.ociRootfs,
                                 args: ["/bin/sleep", "3600"], cgroupsPath: rt.cgroupPath(name), specTool: ctx.specTool)
        }
        let started = try rt.runTimed(names.map { rt.command(["run", "-d", "--bundle", ctx.workDir + "/bundle-\(rt.name)-\($0)", $0]) },
                                      waitAtEnd: false, workDir: ctx.workDir)
        var fleet = Fleet(subject: rt.name, count: n, startNanos: started.map(\.nanos).reduce(0, +))
        fleet.perStart = started.map(\.nanos)
        fleet.startCPU = started.map(\.cpuNanos).reduce(0, +)
        defer { rt.deleteAll(workDir: ctx.workDir) }
        if let bad = zip(names, started).first(where: { $0.1.status != 0 }) {
            throw BenchError("\(rt.name) run -d \(bad.0) exited \(bad.1.status): \(bad.1.output)")
        }
        usleep(1_000_000)
        for name in names {
            guard let file = ctx.cgroups.memoryUsageFile(relative: rt.cgroupPath(name)), let usage = Files.firstInteger(file) else {
                ctx.report.problem("no memory cgroup usage for \(rt.name) container \(name)")
                continue
            }
            fleet.cgroupUsage.append(Double(usage))
            fleet.perContainer.append(Double(usage))
            fleet.detachedCPU += ctx.cgroups.cpuUsageNanos(relative: rt.cgroupPath(name)) ?? 0
        }
        let k = ctx.quick ? 5 : 20
        let listed = try rt.runTimed(Array(repeating: rt.command(["list"]), count: k + 2), settle: false, waitAtEnd: false,
                                     workDir: ctx.workDir)
        if let bad = listed.first(where: { $0.status != 0 }) { ctx.report.problem("\(rt.name) list exited \(bad.status): \(bad.output)") }
        fleet.listWall = listed.dropFirst(2).map(\.nanos)
        fleet.listCPU = listed.dropFirst(2).map(\.cpuNanos)
        let removed = try rt.runTimed(names.map { rt.command(["delete", "-f", $0]) }, workDir: ctx.workDir)
        fleet.removeNanos = removed.map(\.nanos).reduce(0, +)
        fleet.removeCPU = removed.map(\.cpuNanos).reduce(0, +)
        if let bad = zip(names, removed).first(where: { $0.1.status != 0 }) {
            ctx.report.problem("\(rt.name) delete -f \(bad.0) exited \(bad.1.status): \(bad.1.output)")
        }
        for name in names { try? FileManager.default.removeItem(atPath: ctx.workDir + "/bundle-\(rt.name)-\(name)") }
        return fleet
    }

    // MARK: - Report

    static func report(_ ctx: BenchContext, _ fleets: [Fleet]) {
        let crun = fleets.first { $0.subject == "crun" }
        let reference = crun ?? fleets.first { $0.subject == "runc" }
        let bench = "start \(fleetSize(ctx)) detached `sleep 3600`"
        let oci = fleets.filter { $0.subject == "crun" || $0.subject == "runc" }
        let startRefs = oci.map { (name: $0.subject, value: Double($0.startNanos)) }
        let startCPURefs = oci.map { (name: $0.subject, value: Double($0.startCPU + $0.detachedCPU)) }
        for f in fleets {
            let slug = f.subject.split(separator: " ").prefix(2).joined(separator: "-").lowercased()
            ctx.report.raw("start-\(slug)", f.perStart)
            ctx.report.raw("memory-\(slug)", f.perContainer.map { UInt64($0) })
            var note = String(format: "%.1f ms/container", Double(f.startNanos) / Double(max(1, f.count)) / 1e6)
            if let each = Summary(nanos: f.perStart), f.perStart.count >= 20 {
                // Does a start get slower as containers accumulate?
                let k = f.perStart.count / 10
                let first = Summary(nanos: Array(f.perStart.prefix(k)))!.median
                let last = Summary(nanos: Array(f.perStart.suffix(k)))!.median
                note += String(format: "; each: median %.1f ms, p90 %.1f ms; first 10%% %.1f ms, last 10%% %.1f ms",
                               each.median / 1e6, each.p90 / 1e6, first / 1e6, last / 1e6)
            }
            let cpu = f.startCPU + f.detachedCPU
            note += "; CPU \(Fmt.s(Double(f.startCPU))) starting + \(Fmt.s(Double(f.detachedCPU))) detached (containers"
                + (f.subject.hasPrefix("Berth") ? " + supervisors)" : ")")
            var r = ResultRow(benchmark: bench, subject: f.subject, n: "\(f.count)", median: Fmt.s(Double(f.startNanos)),
                              p90: "–", note: note)
            r.ratio = Fmt.ratios(Double(f.startNanos), startRefs, except: f.subject)
            r.cpu = Fmt.s(Double(cpu))
            r.cpuRatio = Fmt.ratios(Double(cpu), startCPURefs, except: f.subject)
            if f.subject.hasPrefix("Berth"), let crun {
                r.target = "≤ 1× crun"
                r.met = f.startNanos <= crun.startNanos
            }
            ctx.report.add(r)
        }
        let listRefs = oci.compactMap { o in Summary(nanos: o.listWall).map { (name: o.subject, value: $0.median) } }
        let listCPURefs = oci.compactMap { o in Summary(nanos: o.listCPU).map { (name: o.subject, value: $0.median) } }
        for f in fleets {
            guard let w = Summary(nanos: f.listWall), let c = Summary(nanos: f.listCPU) else { continue }
            let subject = f.subject.hasPrefix("Berth") ? "Berth CLI `berth ps`" : "\(f.subject) list"
            var r = ResultRow(benchmark: "list \(f.count) running containers", subject: subject, n: "\(w.count)",
                              median: Fmt.ms(w.median), p90: Fmt.ms(w.p90))
            r.ratio = Fmt.ratios(w.median, listRefs, except: f.subject)
            r.cpu = Fmt.ms(c.median)
            r.cpuRatio = Fmt.ratios(c.median, listCPURefs, except: f.subject)
            if f.subject.hasPrefix("Berth"), let crunW = listRefs.first(where: { $0.name == "crun" }),
               let crunC = listCPURefs.first(where: { $0.name == "crun" }) {
                r.target = "≤ 1× crun (wall and CPU)"
                r.met = w.median <= crunW.value && c.median <= crunC.value
            }
            ctx.report.add(r)
            ctx.report.raw("list-\(f.subject.split(separator: " ").first ?? "")", f.listWall)
        }
        let refMem = reference.flatMap { Summary($0.perContainer) }
        for f in fleets {
            guard let s = Summary(f.perContainer) else { continue }
            var r = ResultRow(benchmark: "memory per running container", subject: f.subject, n: "\(s.count)",
                              median: Fmt.kib(s.median), p90: Fmt.kib(s.p90))
            if f.subject.hasPrefix("Berth"), let c = Summary(f.cgroupUsage), let rss = Summary(f.supervisorRSS),
               let anon = Summary(f.supervisorAnon), let pss = Summary(f.supervisorPss) {
                r.note = "cgroup \(Fmt.kib(c.median)) + shim VmRSS \(Fmt.kib(rss.median)); shim RssAnon \(Fmt.kib(anon.median)), Pss \(Fmt.kib(pss.median))"
                r.target = "≤ 1024 KiB"
                r.met = s.median <= 1024 * 1024
            } else {
                r.note = "cgroup usage only, no supervisor"
            }
            if let ref = reference, let m = refMem, ref.subject != f.subject { r.ratio = Fmt.ratio(s.median, m.median, ref.subject) }
            ctx.report.add(r)
            if f.subject.hasPrefix("Berth"), let c = Summary(f.cgroupUsage), let pss = Summary(f.supervisorPss) {
                // The same, counting the supervisor's shared (file-backed) pages once across all supervisors.
                let fair = zip(f.cgroupUsage, f.supervisorPss).map { $0 + $1 }
                if let sf = Summary(fair) {
                    ctx.report.add(ResultRow(benchmark: "memory per running container", subject: f.subject + ", shim counted by Pss",
                                             n: "\(sf.count)", median: Fmt.kib(sf.median), p90: Fmt.kib(sf.p90),
                                             ratio: refMem.map { Fmt.ratio(sf.median, $0.median, reference!.subject) } ?? "",
                                             target: "≤ 1024 KiB", met: sf.median <= 1024 * 1024,
                                             note: "cgroup \(Fmt.kib(c.median)) + shim Pss \(Fmt.kib(pss.median))"))
                }
            }
        }
        let removeRefs = oci.map { (name: $0.subject, value: Double($0.removeNanos)) }
        let removeCPURefs = oci.map { (name: $0.subject, value: Double($0.removeCPU)) }
        for f in fleets where f.removeNanos > 0 {
            var r = ResultRow(benchmark: "remove \(fleetSize(ctx)) running containers (info)", subject: f.subject, n: "\(f.count)",
                              median: Fmt.s(Double(f.removeNanos)), p90: "–",
                              ratio: Fmt.ratios(Double(f.removeNanos), removeRefs, except: f.subject),
                              note: String(format: "%.1f ms/container", Double(f.removeNanos) / Double(max(1, f.count)) / 1e6))
            r.cpu = Fmt.s(Double(f.removeCPU))
            r.cpuRatio = Fmt.ratios(Double(f.removeCPU), removeCPURefs, except: f.subject)
            ctx.report.add(r)
        }
    }
}
