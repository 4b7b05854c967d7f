// berth-bench: Berth against crun and runc, side by side in one run; prints a Markdown table.
//
//   berth-bench [--quick] [--containers N] [--only NAME[,NAME...]] [--raw DIR] [--berth-dir DIR]
//   NAME: lifecycle, exec, scale, start, stats, dashboard, dashboard-cpu, stream-cpu, instructions, logs and runtimes (only with --only)
//
// Needs root, and berth + berth-shim in the same directory as this executable (or in --berth-dir).
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

let allBenchmarks = ["lifecycle", "exec", "scale", "start", "stats", "dashboard", "dashboard-cpu", "stream-cpu"]
/// Run only when asked for by --only.
let optionalBenchmarks = ["instructions", "logs", "runtimes"]

func usage() -> Never {
    print("""
    usage: berth-bench [--quick] [--containers N] [--only NAME[,NAME...]] [--raw DIR] [--berth-dir DIR]
      --quick      fewer iterations (lifecycle 20 runs, 50 containers, 10 s of dashboard)
      --containers how many containers start, stats, dashboard-cpu and stream-cpu run (default 200, 50 with --quick)
      --only       run only these: \((allBenchmarks + optionalBenchmarks).joined(separator: ", "))
                   (instructions: callgrind instruction counts of CLI operations; runtimes: berth-runc
                   against crun and runc, directly and under podman; both only when named)
      --raw        write every raw measurement to DIR/NAME.txt (one value a line, in run order)
      --berth-dir  take berth and berth-shim from DIR (another build) instead of beside berth-bench
    """)
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == ExecLoop.helperVerb {
    exit(ExecLoop.helperMain(Array(arguments.dropFirst())))
}

var quick = false
var containers: Int?
var rawDir: String?
var berthDir: String?
var selected = Set(allBenchmarks)
while let a = arguments.first {
    arguments.removeFirst()
    switch a {
    case "--quick": quick = true
    case "--containers":
        guard let v = arguments.first, let n = Int(v), (1...1000).contains(n) else { usage() }
        arguments.removeFirst()
        containers = n
    case "--only":
        guard let v = arguments.first else { usage() }
        arguments.removeFirst()
        selected = Set(v.split(separator: ",").map(String.init))
        if !selected.isSubset(of: allBenchmarks + optionalBenchmarks) { usage() }
    case "--raw":
        guard let v = arguments.first else { usage() }
        arguments.removeFirst()
        rawDir = v
    case "--berth-dir":
        guard let v = arguments.first else { usage() }
        arguments.removeFirst()
        berthDir = v
    case "-h", "--help": usage()
    default: usage()
    }
}
guard getuid() == 0 else {
    FileHandle.standardError.write(Data("berth-bench: needs root (containers, cgroups)\n".utf8))
    exit(1)
}

// Ctrl-C and SIGTERM stop the current loop; cleanup still runs.
signal(SIGINT, SIG_IGN)
signal(SIGTERM, SIG_IGN)
signal(SIGPIPE, SIG_IGN)
let signalSources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
    let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
    s.setEventHandler {
        FileHandle.standardError.write(Data("berth-bench: interrupted, cleaning up\n".utf8))
        StopFlag.shared.set()
    }
    s.resume()
    return s
}

/// Load average and CPU pressure (PSI "some avg60"): other work on the machine shows up in every figure.
func loadLine() -> String {
    let load = Files.read("/proc/loadavg")?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    let psi = Files.read("/proc/pressure/cpu")?.split(separator: "\n").first?.split(separator: " ")
        .first { $0.hasPrefix("avg60=") }.map { String($0.dropFirst(6)) + " %" } ?? "n/a"
    return "load average \(load), CPU pressure (some, avg60) \(psi)"
}
let loadAtStart = loadLine()

func header(_ ctx: BenchContext, quick: Bool, selected: Set<String>) -> [String] {
    let cpu = Files.read("/proc/cpuinfo")?.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?" } ?? "?"
    let mem = Files.kBField("/proc/meminfo", "MemTotal").map { Fmt.mib(Double($0)) } ?? "?"
    var uts = utsname()
    uname(&uts)
    let kernel = withUnsafePointer(to: &uts.release) { $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) } }
    let layout = ctx.cgroups.isV1 ? (ctx.cgroups.hybridUnified != nil ? "v1 (hybrid)" : "v1") : "v2"
    let runtimes = ctx.runtimes.map { "\($0.name): \($0.version)" }.joined(separator: "; ")
    let busybox = ((try? Spawn.check(["/bin/busybox"])) ?? "").split(separator: "\n").first.map(String.init) ?? "?"
    let date = ISO8601DateFormatter().string(from: Date())
    var lines = [
        "berth-bench \(quick ? "--quick " : "")\(ctx.containers.map { "--containers \($0) " } ?? "")(\(selected.sorted().joined(separator: ", "))), \(date)",
        "",
        "- machine: \(cpu), \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) CPUs, \(mem) RAM; kernel \(kernel); cgroups \(layout)",
        "- image: \(busybox)",
    ]
    if !runtimes.isEmpty { lines.append("- \(runtimes)") }
    lines.append("- at start: \(loadAtStart); at end: \(loadLine())")
    return lines
}

var status: Int32 = 0
var context: BenchContext?
do {
    let ctx = try BenchContext(quick: quick, containers: containers, berthDir: berthDir)
    context = ctx
    FileHandle.standardError.write(Data("berth-bench: root \(ctx.root), cgroup parent \(ctx.cgroupParent)\n".utf8))
    let needsOCI = !selected.isDisjoint(with: ["lifecycle", "start", "exec", "runtimes"])
    // The logs pane's benchmark reads a file of its own: no engine, no image.
    if selected != ["logs"] { try ctx.setUp(withOCI: needsOCI) }

    if selected.contains("logs") {
        try LogsPaneBench.run(ctx)
    }

    if selected.contains("instructions") {
        try InstructionsBench.run(ctx)
    }
    if selected.contains("runtimes") {
        try OCIRuntimesBench.run(ctx)
    }
    if selected.contains("lifecycle") {
        try LifecycleBench.run(ctx)
    }
    if selected.contains("exec") {
        try ExecBench.run(ctx)
    }
    if selected.contains("scale") {
        try ScaleBench.run(ctx)
    }
    if !selected.isDisjoint(with: ["start", "stats", "dashboard-cpu", "stream-cpu"]) {
        let n = StartManyBench.fleetSize(ctx)
        var fleets: [StartManyBench.Fleet] = []
        // The library fleet also serves the stats and dashboard CPU benchmarks.
        let lib = try StartManyBench.startBerthLibrary(ctx, n: n)
        var libFleet = StartManyBench.Fleet(subject: "Berth library", count: n, startNanos: lib.nanos)
        libFleet.perStart = lib.each
        libFleet.startCPU = lib.cpu
        if selected.contains("start") { try StartManyBench.measureBerth(ctx, ids: lib.ids, into: &libFleet) }
        if selected.contains("stats") { try StatsBench.run(ctx, running: n) }
        if selected.contains("dashboard-cpu") { try DashboardCPUBench.run(ctx, running: n) }
        if selected.contains("stream-cpu") { try StreamCPUBench.run(ctx, running: n) }
        let libCPU0 = CPUTime.selfAndChildren()
        libFleet.removeNanos = try StartManyBench.removeBerthLibrary(ctx, ids: lib.ids)
        libFleet.removeCPU = CPUTime.selfAndChildren() - libCPU0
        fleets.append(libFleet)

        if selected.contains("start") {
            let cli = try StartManyBench.startBerthCLI(ctx, n: n)
            var cliFleet = StartManyBench.Fleet(subject: "Berth CLI `run -d`", count: cli.ids.count, startNanos: cli.nanos)
            cliFleet.perStart = cli.each
            cliFleet.startCPU = cli.cpu
            try StartManyBench.measureBerth(ctx, ids: cli.ids, into: &cliFleet)
            try StartManyBench.listBerth(ctx, into: &cliFleet)
            (cliFleet.removeNanos, cliFleet.removeCPU) = try StartManyBench.removeBerthCLI(ctx, ids: cli.ids)
            cliFleet.subject = "Berth CLI `run -d` / `rm -f`"
            fleets.append(cliFleet)
            for rt in ctx.runtimes { fleets.append(try StartManyBench.ociFleet(ctx, rt, n: n)) }
            StartManyBench.report(ctx, fleets)
        }
    }
    if selected.contains("dashboard") {
        try DashboardFrameBench.run(ctx)
    }
} catch {
    FileHandle.standardError.write(Data("berth-bench: \(error)\n".utf8))
    context?.report.problem("aborted: \(error)")
    status = 1
}

if let ctx = context {
    if ExecLoop.unsettledTotal > 0 {
        ctx.report.note("CPU time: after \(ExecLoop.unsettledTotal) `run --rm`/`exec` commands a detached process was still running 2 s later; its CPU is missing from those figures")
    }
    FileHandle.standardError.write(Data("berth-bench: cleaning up\n".utf8))
    ctx.cleanup()
    if let dir = rawDir {
        do { try ctx.report.writeRaw(to: dir) } catch { ctx.report.problem("writing raw measurements: \(error)") }
    }
    print(ctx.report.markdown(header: header(ctx, quick: quick, selected: selected)))
    if !ctx.report.problems.isEmpty { status = 1 }
}
for s in signalSources { s.cancel() }
exit(status)
