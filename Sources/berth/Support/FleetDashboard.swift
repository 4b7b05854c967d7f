import BerthDashboard
import BerthOS
import BerthRuntime
import Foundation

/// `berth top --context a --context b` / `--all-contexts`: one dashboard over several hosts. Each
/// host is a `berth --context NAME system stream` of this same binary (so through the context's
/// ssh, or the local engine for `default`); actions, scaling, exec and logs run `berth --context
/// NAME VERB` on the container's own host.
enum FleetDashboard {
    /// The hosts `--context` names (in order, each once), or with `--all-contexts` the local engine
    /// (`default`) and every stored context; an unknown or invalid name is refused before anything runs.
    static func hostNames(contexts: [String], all: Bool, environment: [String: String]) throws -> [String] {
        let store = ContextStore(directory: UserConfigDirectory.path(environment: environment))
        var names = contexts
        if all { names = [HostContext.localName] + (try store.list().map(\.name)) + names }
        var seen = Set<String>(), ordered: [String] = []
        for name in names where seen.insert(name).inserted {
            _ = try store.context(named: name) // validates the name and that the context exists
            ordered.append(name)
        }
        return ordered
    }

    static func run(hosts names: [String], interval: Double, options: DashboardOptions, shell: String) throws {
        let exe = try selfExecutable()
        let stale = max(5, 3 * interval)
        let fleet = FleetEngine(
            hosts: names.map { name in
                FleetEngine.Host(name: name, connection: StreamConnection(
                    argv: [exe, "--context", name, "system", "stream", "--interval", "\(interval)"], staleAfter: stale))
            },
            run: { host, arguments in
                let r = try CapturedCommand.run([exe, "--context", host] + arguments)
                guard r.status == 0 else {
                    let last = r.stderr.split(separator: "\n").last.map(String.init) ?? "exit status \(r.status)"
                    throw BerthError.invalidArgument("on \(host): " + (last.hasPrefix("berth: ") ? String(last.dropFirst(7)) : last))
                }
                return r.stdout
            })
        fleet.start()
        defer { fleet.stop() }
        var options = options
        options.actions = DashboardActions(
            scale: { service, replicas in try fleet.scale(service, to: replicas) },
            exec: { id in
                // `berth --context HOST exec -it`: ssh -t, the terminal handed over as for a local shell.
                let exit = try spawnAndWait([exe, "--context", try fleet.host(of: id), "exec", "-it", id, shell])
                if exit.forwardedSignal != nil { return .signalled }
                if exit.code == 126 || exit.code == 127 {
                    throw BerthError.invalidArgument("cannot run \(shell) in the container (exit \(exit.code))")
                }
                return .returned
            },
            forwardSignal: { forwardToWaitedChild($0) })
        try Dashboard.run(engine: fleet, options: options)
    }

    private static func selfExecutable() throws -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { throw BerthError.errno("readlink /proc/self/exe") }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
