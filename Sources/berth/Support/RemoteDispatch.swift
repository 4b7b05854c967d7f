import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth --context NAME VERB …`, `BERTH_HOST`, `BERTH_CONTEXT` and `context use`: when they name
/// a remote host, this process becomes `ssh` running the same verb there, so the remote side's
/// stdin, stdout, stderr, terminal and exit status are the user's, byte for byte (an exec's
/// status included). ssh's own failures (host unreachable, key refused) exit 255 with ssh's
/// message, as with `docker -H ssh://`.
enum RemoteDispatch {
    /// The remote context the command line and environment choose, nil for the local engine.
    /// Precedence as docker's: `--context`, then `BERTH_HOST`, then `BERTH_CONTEXT`, then `context use`.
    static func selectedContext(flag: String?, environment: [String: String]) throws(BerthError) -> HostContext? {
        // The same environment for the config directory: every command passes here, and Foundation
        // builds the whole environment dictionary anew on each `ProcessInfo.environment` read.
        let store = ContextStore(directory: UserConfigDirectory.path(environment: environment))
        if let flag { return try store.context(named: flag) }
        if let host = environment["BERTH_HOST"], !host.isEmpty {
            let context = HostContext(name: "BERTH_HOST", destination: try SSHDestination.parse(host))
            return context
        }
        if let name = environment["BERTH_CONTEXT"], !name.isEmpty { return try store.context(named: name) }
        guard let current = try store.current() else { return nil }
        return try store.context(named: current)
    }

    /// Replaces this process with `ssh` running `arguments` on the context's host.
    static func run(_ context: HostContext, arguments: [String], globalOptions: [String]) -> Never {
        let invocation = RemoteInvocation(context: context, arguments: arguments, globalOptions: globalOptions,
                                          terminal: isatty(0) != 0 && isatty(1) != 0 && wantsTerminal(arguments))
        guard let ssh = findOnPath("ssh") else {
            Main.usageError("cannot reach context \(context.name.quoted): no 'ssh' on PATH (install openssh-client)")
        }
        fflush(nil)
        let argv = [ssh] + invocation.sshArguments
        _ = withCStringArray(argv) { execv(ssh, $0) }
        Main.usageError("cannot run \(ssh.quoted): \(String(cString: strerror(errno)))")
    }

    /// Whether the verb talks to a terminal: the dashboard, and verbs given `-t` or attaching
    /// stdin. Read by parsing the arguments as the remote side will; what does not parse here
    /// goes over without a terminal and fails there with the remote's own message.
    static func wantsTerminal(_ arguments: [String]) -> Bool {
        guard let command = try? Berth.parseAsRoot(arguments) else { return false }
        switch command {
        case is Top: return (command as? Top)?.container == nil
        case is Demo, is AttachCommand: return true
        case let c as Exec: return c.tty
        case let c as Run: return c.container.tty
        case let c as Start: return c.interactive
        default: return false
        }
    }

    static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where dir.hasPrefix("/") {
            let candidate = dir + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
