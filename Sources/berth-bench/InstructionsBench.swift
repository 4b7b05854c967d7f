import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Instruction counts (callgrind's Ir) of single CLI operations: exact and repeatable whatever else
/// the machine runs, unlike wall and CPU time, so a regression of a fraction of a percent shows up.
///
/// Each operation runs under `valgrind --tool=callgrind --trace-children=yes` twice, with a few
/// containers running; its figure is the sum of the `totals:` lines callgrind wrote. That covers the
/// berth CLI process, which is where Berth's cost over crun is (Swift start-up, parsing, state files).
/// Not covered, by the limits of Debian 12's valgrind 3.19: berth-shim and the supervisor it forks
/// (valgrind does not implement openat2 and pidfd_open, which the shim needs; they are skipped with
/// `--trace-children-skip` and run natively), and crun (its CVE-2019-5736 re-exec of itself through a
/// sealed memfd fails under valgrind). The container's program and the kernel's work are not
/// user-space instructions of these processes either; CPU time (the other benchmarks) covers all of it.
///
/// Berth's containers are made through the CLI only, so `--berth-dir` can point at another build.
enum InstructionsBench {
    struct Operation {
        var name: String
        /// argv after the global options.
        var berth: [String]
    }

    static let running = 5

    static func run(_ ctx: BenchContext) throws {
        guard let valgrind = Spawn.which("valgrind") else { throw BenchError("valgrind is not installed (apt-get install valgrind)") }
        FileHandle.standardError.write(Data("instructions: callgrind, \(running) running containers, each operation twice\n".utf8))
        let out = ctx.workDir + "/callgrind"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

        let names = (0..<running).map { "icount-\($0)" }
        let started = try ExecLoop.run(names.map {
            ExecLoop.Command(argv: ctx.cliArgs(["run", "-d", "--name", $0, "--network", "none", "busybox", "sleep", "3600"]), settle: false)
        }, namespaceSetup: nil, workDir: ctx.workDir, label: "berth", waitAtEnd: false)
        defer {
            _ = try? ExecLoop.run(names.map { ExecLoop.Command(argv: ctx.cliArgs(["rm", "-f", $0]), settle: false) },
                                  namespaceSetup: nil, workDir: ctx.workDir, label: "berth")
        }
        if let bad = started.first(where: { $0.status != 0 }) { throw BenchError("berth run -d exited \(bad.status): \(bad.output)") }

        let operations = [
            Operation(name: "--version", berth: ["--version"]),
            Operation(name: "ps (\(running) running)", berth: ["ps"]),
            Operation(name: "run --rm --network none busybox /bin/true", berth: ["run", "--rm", "--network", "none", "busybox", "/bin/true"]),
            Operation(name: "exec NAME /bin/true", berth: ["exec", names[0], "/bin/true"]),
        ]
        // valgrind 3.19 gives up on the Swift toolchain's DWARF 5: callgrind gets copies without debug
        // sections (the symbol table stays, so callgrind_annotate still names functions).
        guard let strip = Spawn.which("strip") else { throw BenchError("strip is not installed (apt-get install binutils)") }
        let bin = ctx.workDir + "/icount-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["berth", "berth-shim"] {
            try Spawn.check([strip, "--strip-debug", "-o", bin + "/" + tool, ctx.binDir + "/" + tool])
        }
        func berthArgs(_ verb: [String]) -> [String] {
            [bin + "/berth", "--root", ctx.root, "--cgroup-parent", ctx.cgroupParent] + verb
        }
        // Each process's counts go to DIR/PID.out. `exec` replaces the CLI with the shim, and callgrind
        // would lose the CLI's counts: a dump when the CLI enters execInPlace keeps them (PID.out.N).
        // posix_spawn's child execs the shim at once and leaves no totals.
        func callgrind(_ dir: String) -> [String] {
            [valgrind, "--tool=callgrind", "--trace-children=yes",
             "--trace-children-skip=/bin/*,/usr/bin/*,/sbin/*,/usr/sbin/*,*/berth-shim",
             "--dump-instr=no", "--dump-line=no", "--dump-before=*execInPlace*", "--callgrind-out-file=\(dir)/%p.out"]
        }

        // Berth: each operation twice, waiting for its supervisor (settle).
        var berthCounts: [[Count]] = []
        var commands: [ExecLoop.Command] = []
        for (i, op) in operations.enumerated() {
            for r in 0..<2 {
                let dir = "\(out)/berth-\(i)-\(r)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                commands.append(ExecLoop.Command(argv: callgrind(dir) + berthArgs(op.berth), settle: true))
            }
        }
        let berthOutcomes = try ExecLoop.run(commands, namespaceSetup: nil, workDir: ctx.workDir, label: "berth")
        for (i, op) in operations.enumerated() {
            for r in 0..<2 where berthOutcomes[2 * i + r].status != 0 {
                throw BenchError("berth \(op.berth.joined(separator: " ")) under callgrind exited \(berthOutcomes[2 * i + r].status): \(berthOutcomes[2 * i + r].output)")
            }
            berthCounts.append(try (0..<2).map { try Count(directory: "\(out)/berth-\(i)-\($0)") })
        }

        for (i, op) in operations.enumerated() {
            let b = berthCounts[i]
            ctx.report.add(ResultRow(benchmark: "instructions (callgrind Ir, user space)", subject: "berth \(op.name)", n: "2",
                                     median: Fmt.instructions(b[0].total), p90: Fmt.instructions(b[1].total),
                                     note: "\(b[0].processes) process(es); runs differ by \(Fmt.percent(b[0].total, b[1].total))"))
            let a = Double(b[0].total), z = Double(b[1].total)
            if abs(a - z) > 0.01 * max(a, z) {
                ctx.report.problem("instructions: \(op.name) differs by more than 1 % between two runs (\(b[0].total), \(b[1].total))")
            }
        }
        ctx.report.note("instructions: the median column is run 1, the p90 column run 2; user-space instructions of the berth CLI process (not berth-shim nor the supervisor: valgrind 3.19 lacks openat2 and pidfd_open; not the container's program; not the kernel's work)")
    }

    /// The Ir totals of every callgrind file in a directory: one or more parts per process.
    struct Count {
        var total: UInt64 = 0
        var processes = 0

        init(directory: String) throws {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".out") }
            var pids = Set<Substring>()
            for f in files {
                // A part without totals is a process that exec'd a program callgrind does not follow
                // (its counts up to then are in the part dumped before the exec, or negligible).
                guard let text = Files.read(directory + "/" + f),
                      let line = text.split(separator: "\n").last(where: { $0.hasPrefix("totals:") || $0.hasPrefix("summary:") }),
                      let value = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) }) else { continue }
                total += value
                pids.insert(f.split(separator: ".").first ?? "")
            }
            processes = pids.count
            if processes == 0 { throw BenchError("callgrind wrote no totals in \(directory)") }
        }
    }
}

extension Fmt {
    static func instructions(_ ir: UInt64) -> String { String(format: "%.3f M Ir", Double(ir) / 1e6) }
    static func percent(_ a: UInt64, _ b: UInt64) -> String {
        String(format: "%.3f %%", 100 * abs(Double(a) - Double(b)) / max(1, Double(max(a, b))))
    }
}
