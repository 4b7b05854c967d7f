import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The timed command loop: a helper process (this executable, `__exec-loop IN OUT`) runs the commands
/// one after the other and times each from spawn to reap, in wall time and in CPU time.
///
/// CPU time is user + system of the whole process tree, from rusage: the command's own wait4 rusage
/// covers it and every descendant it reaped (crun's container init, the exec'd process); the helper
/// is a child subreaper, so what the command leaves detached (Berth's supervisor, which holds the
/// container's init as its child) is re-parented to it, and its rusage, init included, is added when
/// it exits. A `settle` command leaves nothing that should keep running (`run --rm`, `exec`): the
/// helper waits up to 2 s after the command for its detached processes to exit, outside the wall time.
/// Others (`run -d`) leave processes running; what exits later is counted for the command at which it
/// is reaped, and whatever is still running when the loop ends is waited for (up to 5 s) and counted
/// in `trailingCPUNanos`.
///
/// The loop runs in its own process so that waiting for any child never takes one from the
/// benchmark's in-process engine, and so that crun's private mount namespace (OCIRuntime) never
/// reaches the benchmark itself.
enum ExecLoop {
    static let helperVerb = "__exec-loop"

    struct Command: Codable {
        var argv: [String]
        var settle: Bool
    }

    struct Outcome: Codable {
        var nanos: UInt64
        var cpuNanos: UInt64
        var status: Int32
        var output: String
    }

    struct Input: Codable {
        var commands: [Command]
        /// Wait (up to 5 s) for processes still running after the last command; false when they are
        /// meant to keep running (`run -d`).
        var waitAtEnd: Bool
    }

    struct Result: Codable {
        var outcomes: [Outcome]
        /// CPU of processes still running after the last command, reaped when the loop ended (with
        /// `waitAtEnd`) or that exited by then.
        var trailingCPUNanos: UInt64
        /// Commands whose detached processes had not exited 2 s after a `settle` command.
        var unsettled: Int
    }

    /// Runs the commands in a helper process, inside `unshare -m` + `namespaceSetup` when given.
    static func run(_ commands: [Command], namespaceSetup: String?, workDir: String, label: String,
                    waitAtEnd: Bool = true) throws -> [Outcome] {
        let r = try runLoop(commands, namespaceSetup: namespaceSetup, workDir: workDir, label: label, waitAtEnd: waitAtEnd)
        unsettledTotal += r.unsettled
        return r.outcomes
    }

    /// Settle commands whose detached processes outlived the 2 s wait (their CPU is then counted
    /// later or not at all); main reports it. The benchmark runs its loops on one thread.
    nonisolated(unsafe) static var unsettledTotal = 0

    static func runLoop(_ commands: [Command], namespaceSetup: String?, workDir: String, label: String,
                        waitAtEnd: Bool = true) throws -> Result {
        let input = workDir + "/loop-in.json", output = workDir + "/loop-out.json"
        try JSONEncoder().encode(Input(commands: commands, waitAtEnd: waitAtEnd)).write(to: URL(fileURLWithPath: input))
        unlink(output)
        let helper = [Files.executablePath(), helperVerb, input, output]
        let argv: [String]
        if let setup = namespaceSetup {
            argv = ["/usr/bin/unshare", "-m", "/bin/sh", "-c", setup + " && exec " + helper.joined(separator: " ")]
        } else {
            argv = helper
        }
        let r = try Spawn.run(argv, capture: true)
        guard r.succeeded, let data = FileManager.default.contents(atPath: output) else {
            throw BenchError("\(label) helper failed (\(r.status)): \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return try JSONDecoder().decode(Result.self, from: data)
    }

    /// `berth-bench __exec-loop IN OUT`: IN holds the Input as JSON; OUT receives the Result.
    static func helperMain(_ args: [String]) -> Int32 {
        guard args.count == 2, let data = FileManager.default.contents(atPath: args[0]),
              let input = try? JSONDecoder().decode(Input.self, from: data) else { return 2 }
        guard berth_set_child_subreaper(1) == 0 else {
            FileHandle.standardError.write(Data("PR_SET_CHILD_SUBREAPER: \(String(cString: strerror(errno)))\n".utf8))
            return 1
        }
        do {
            // Scratch files go beside the input, in the benchmark's own root, never in /tmp.
            let dir = String(args[0][..<(args[0].lastIndex(of: "/") ?? args[0].startIndex)])
            let result = try loop(input.commands, waitAtEnd: input.waitAtEnd, errFile: (dir.isEmpty ? "." : dir) + "/loop-stderr")
            try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: args[1]))
            return 0
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 1
        }
    }

    /// stderr of each command goes to a file (read back only on failure): a pipe would never see EOF
    /// while a detached container holds it.
    private static func loop(_ commands: [Command], waitAtEnd: Bool, errFile: String) throws -> Result {
        var out: [Outcome] = []
        out.reserveCapacity(commands.count)
        var unsettled = 0
        defer { unlink(errFile) }
        for c in commands {
            let start = Clock.now()
            let pid = try Spawn.start(c.argv, stderrFile: errFile)
            var cpu: UInt64 = 0
            var status: Int32 = 0
            // Any child may exit meanwhile (an earlier command's detached process): count it here.
            while true {
                var st: Int32 = 0
                var usage = rusage()
                let reaped = wait4(-1, &st, 0, &usage)
                if reaped < 0 {
                    if errno == EINTR { continue }
                    throw BenchError("wait4: \(String(cString: strerror(errno)))")
                }
                cpu += CPUTime.nanos(usage)
                if reaped == pid { status = st; break }
            }
            let end = Clock.now()
            let (settledCPU, done) = reapOrphans(waitUpTo: c.settle ? 2_000_000_000 : 0)
            cpu += settledCPU
            if c.settle && !done { unsettled += 1 }
            var o = Outcome(nanos: end - start, cpuNanos: cpu, status: Spawn.exitCode(status), output: "")
            if status != 0 { o.output = Files.read(errFile) ?? "" }
            out.append(o)
        }
        let (trailing, _) = reapOrphans(waitUpTo: waitAtEnd ? 5_000_000_000 : 0)
        return Result(outcomes: out, trailingCPUNanos: trailing, unsettled: unsettled)
    }

    /// Reaps exited children (re-parented orphans) and sums their CPU; with a wait, polls until no child
    /// is left or the time is up. Returns the CPU and whether no child is left.
    static func reapOrphans(waitUpTo nanos: UInt64) -> (cpu: UInt64, done: Bool) {
        let deadline = Clock.now() + nanos
        var cpu: UInt64 = 0
        while true {
            var st: Int32 = 0
            var usage = rusage()
            let reaped = wait4(-1, &st, WNOHANG, &usage)
            if reaped > 0 { cpu += CPUTime.nanos(usage); continue }
            if reaped < 0 && errno == EINTR { continue }
            if reaped < 0 { return (cpu, true) } // ECHILD: nothing left
            if Clock.now() >= deadline { return (cpu, false) }
            usleep(200)
        }
    }
}
