import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts `berth-shim` for a launch plan and waits for its one-line report ("ok PID" or
/// "err CODE MESSAGE"). Swift never forks: the shim does all of that in C.
struct ShimLauncher: Sendable {
    let shimPath: String

    /// Writes the plan to `planPath`, spawns the shim and returns the container's host PID.
    /// The plan's `oci.preserveFDs` descriptors of this process (3, 4, …) stay where they are in
    /// the shim, for the container; the report pipe goes after them.
    func launch(_ plan: LaunchPlan, planPath: String) throws -> Int32 {
        try FileIO.writeAtomically(planPath, bytes: plan.validatedEncoding())

        var fds: [Int32] = [0, 0]
        guard berth_pipe_cloexec(&fds) == 0 else { throw BerthError.errno("pipe") }
        let readEnd = fds[0], writeEnd = fds[1]
        defer { close(readEnd) }

        var pid: pid_t = 0
        let preserved = Int32(plan.oci?.preserveFDs ?? 0)
        let argv = preserved > 0 ? [shimPath, "--report-fd", String(3 + preserved), planPath] : [shimPath, planPath]
        // The supervisor runs `berth network refresh-hosts` when the container exits (the plan's
        // on_exit), which rewrites the root's nftables table: it must see the outbound setting
        // this process was given, or a `BERTH_OUTBOUND=off` from the user's environment would be
        // lost and forwarding and NAT turned on where they asked for none.
        var env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
        if let outbound = getenv(OutboundSetting.environmentVariable) {
            env.append(OutboundSetting.environmentVariable + "=" + String(cString: outbound))
        }
        let rc = withCStringArray(argv) { cargv in
            withCStringArray(env) { cenv in
                berth_spawn_with_report_fd(&pid, shimPath, cargv, cenv, writeEnd, 3 + preserved)
            }
        }
        close(writeEnd)
        if rc != 0 { throw BerthError.system(operation: "spawn", path: shimPath, errno: rc) }

        var report = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 512)
        while true {
            let n = read(readEnd, &buf, buf.count)
            if n > 0 { report.append(contentsOf: buf[0..<n]); if report.contains(0x0A) { break }; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        // The shim's first process exits right after forking the supervisor; reap it.
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}

        let line = String(decoding: report, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return try Self.parseReport(line)
    }

    static func parseReport(_ line: String) throws -> Int32 {
        if line.hasPrefix("ok "), let pid = Int32(line.dropFirst(3)) { return pid }
        if line.hasPrefix("err ") {
            let rest = line.dropFirst(4)
            let parts = rest.split(separator: " ", maxSplits: 1)
            let code = Int32(parts.first ?? "") ?? 125
            let message = parts.count > 1 ? String(parts[1]) : "unknown error"
            switch code {
            case 127: throw BerthError.commandNotFound(message.replacingOccurrences(of: "exec ", with: "").components(separatedBy: ":").first ?? message)
            case 126: throw BerthError.commandNotExecutable(message.replacingOccurrences(of: "exec ", with: ""))
            default: throw BerthError.startFailed(message)
            }
        }
        throw BerthError.startFailed(line.isEmpty ? "the supervisor exited without a report" : "unexpected report '\(line)'")
    }
}

/// Calls `body` with a NULL-terminated C array of the strings (argv/envp for exec and spawn).
public func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    ptrs.append(nil)
    defer { for p in ptrs { free(p) } }
    return ptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// `posix_spawn` of `argv` (a path first) with the file actions given and SIGTERM, SIGHUP, SIGINT
/// and SIGPIPE back at their defaults in the child: a dashboard ignores the first three (it turns
/// them into a quit) and children inherit ignored signals, so without this SIGTERM would not end
/// the streams and commands it starts. Returns posix_spawn's result.
public func spawnWithDefaultSignals(_ argv: [String], fileActions: inout posix_spawn_file_actions_t, pid: inout pid_t) -> Int32 {
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in [SIGTERM, SIGHUP, SIGINT, SIGPIPE] { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF))
    return withCStringArray(argv) { posix_spawn(&pid, argv[0], &fileActions, &attr, $0, environ) }
}
