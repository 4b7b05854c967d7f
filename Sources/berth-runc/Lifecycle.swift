import BerthOCI
import BerthOS
import BerthRuntime
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The init of `run` in the foreground: the signals berth-runc gets are passed on to it.
nonisolated(unsafe) var foregroundInit: Int32 = 0

/// create, start, run, kill, delete, pause, resume.
enum Lifecycle {
    static let createFlags: Set<String> = ["bundle", "b", "pid-file", "console-socket", "preserve-fds"]
    static let createBooleans: Set<String> = ["no-pivot", "no-new-keyring"]

    /// `--preserve-fds N` of create, run and exec: the caller's descriptors 3 … 3+N-1.
    static func preservedFDs(_ f: Flags) throws(BerthError) -> Int {
        guard let n = f.value("preserve-fds") else { return 0 }
        guard let v = Int(n), v >= 0, v <= LaunchPlan.OCIRuntime.maximumPreservedFDs else {
            throw .invalidArgument("--preserve-fds \(n.quoted): a number of descriptors, 0 to \(LaunchPlan.OCIRuntime.maximumPreservedFDs)")
        }
        return v
    }

    static func createOptions(_ f: Flags) throws(BerthError) -> (bundle: String, options: RuncRuntime.CreateOptions) {
        let preserve = try preservedFDs(f)
        // --no-pivot and --no-new-keyring change nothing here: the root is always pivoted to, and
        // no session keyring is made.
        return (f.value("bundle") ?? f.value("b") ?? ".",
                RuncRuntime.CreateOptions(consoleSocket: f.value("console-socket"), pidFile: f.value("pid-file"),
                                          preserveFDs: preserve))
    }

    static func create(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "create", valued: createFlags, boolean: createBooleans)
        let (bundle, options) = try createOptions(f)
        try g.runtime().create(id: try f.id("create"), bundle: bundle, options: options)
        return 0
    }

    static func start(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "start", valued: [], boolean: [])
        try g.runtime().start(id: try f.id("start"))
        return 0
    }

    /// create + start; in the foreground berth-runc is the init's parent (a subreaper, so the init
    /// is handed to it when the shim exits), waits for it, removes the container and exits with its
    /// status.
    static func run(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "run", valued: createFlags, boolean: createBooleans.union(["detach", "d", "keep"]))
        let (bundle, options) = try createOptions(f)
        let id = try f.id("run")
        let runtime = g.runtime()
        let detach = f.has("detach") || f.has("d")
        if !detach { _ = berth_set_child_subreaper(1) }
        let pid = try runtime.create(id: id, bundle: bundle, options: options)
        do { try runtime.start(id: id) } catch {
            try? runtime.delete(id: id, force: true)
            throw error
        }
        if detach { return 0 }
        foregroundInit = pid
        for sig in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH] {
            signal(sig) { s in _ = Glibc.kill(foregroundInit, s) }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw BerthError.errno("waitpid", String(pid)) }
        }
        if !f.has("keep") { try? runtime.delete(id: id, force: true) }
        let signaled = status & 0x7f
        return signaled == 0 ? (status >> 8) & 0xff : 128 + signaled
    }

    static func kill(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "kill", valued: [], boolean: ["all", "a"])
        let id = try f.id("kill")
        let name = f.positional.count > 1 ? f.positional[1] : "SIGTERM"
        try g.runtime().kill(id: id, signal: try SignalName.parse(name), all: f.has("all") || f.has("a"))
        return 0
    }

    static func delete(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "delete", valued: [], boolean: ["force", "f"])
        try g.runtime().delete(id: try f.id("delete"), force: f.has("force") || f.has("f"))
        return 0
    }

    static func pause(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        try g.runtime().pause(id: try Flags(args, verb: "pause", valued: [], boolean: []).id("pause"))
        return 0
    }

    static func resume(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        try g.runtime().resume(id: try Flags(args, verb: "resume", valued: [], boolean: []).id("resume"))
        return 0
    }
}

/// `update [--resources FILE|-] [--memory N] [--memory-swap N] [--memory-reservation N]
/// [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpuset-cpus L] [--cpuset-mems L]
/// [--pids-limit N] ID`: flags win over the file, as runc has it.
enum UpdateVerb {
    static func update(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let numeric = ["memory", "memory-swap", "memory-reservation", "cpu-shares", "cpu-quota", "cpu-period", "pids-limit"]
        let f = try Flags(args, verb: "update", valued: Set(numeric + ["resources", "r", "cpuset-cpus", "cpuset-mems"]), boolean: [])
        let id = try f.id("update")
        var r = OCI.Resources()
        if let file = f.value("resources") ?? f.value("r") {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileIO.read(file).map { Data($0) }
            guard let data else { throw BerthError.invalidArgument("update: cannot read --resources \(file.quoted)") }
            do { r = try JSONDecoder().decode(OCI.Resources.self, from: data) } catch let e as DecodingError {
                throw BerthError.invalidArgument("update: --resources: " + RuncBundle.describe(e))
            }
        }
        func number(_ name: String) throws(BerthError) -> Int64? {
            guard let v = f.value(name) else { return nil }
            if let n = Int64(v) { return n }
            if let b = try? ByteSize.parse(v) { return Int64(b) }
            throw .invalidArgument("update: --\(name) \(v.quoted): a number")
        }
        if let v = try number("memory") { r.memory = r.memory ?? .init(); r.memory?.limit = v }
        if let v = try number("memory-swap") { r.memory = r.memory ?? .init(); r.memory?.swap = v }
        if let v = try number("memory-reservation") { r.memory = r.memory ?? .init(); r.memory?.reservation = v }
        if let v = try number("cpu-shares") { r.cpu = r.cpu ?? .init(); r.cpu?.shares = UInt64(max(v, 0)) }
        if let v = try number("cpu-quota") { r.cpu = r.cpu ?? .init(); r.cpu?.quota = v }
        if let v = try number("cpu-period") { r.cpu = r.cpu ?? .init(); r.cpu?.period = UInt64(max(v, 0)) }
        if let v = f.value("cpuset-cpus") { r.cpu = r.cpu ?? .init(); r.cpu?.cpus = v }
        if let v = f.value("cpuset-mems") { r.cpu = r.cpu ?? .init(); r.cpu?.mems = v }
        if let v = try number("pids-limit") { r.pids = .init(limit: v) }
        try g.runtime().update(id: id, changes: r)
        return 0
    }
}
