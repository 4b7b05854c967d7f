import Foundation
import BerthOS

/// The `ssh` command line that runs one `berth` verb on a context's host, as docker and podman
/// reach remote engines: the system's OpenSSH client, so the user's `~/.ssh/config`, agent,
/// known_hosts and ProxyJump all apply.
public struct RemoteInvocation: Equatable, Sendable {
    public var context: HostContext
    /// The verb and its arguments, exactly as the user gave them.
    public var arguments: [String]
    /// Global options given on the local command line (`--root`, `--cgroup-parent`), passed on.
    public var globalOptions: [String]
    /// A terminal on the remote side (`ssh -t`): the verb is interactive and ours is a terminal.
    public var terminal: Bool

    public init(context: HostContext, arguments: [String], globalOptions: [String] = [], terminal: Bool) {
        self.context = context; self.arguments = arguments; self.globalOptions = globalOptions; self.terminal = terminal
    }

    /// `ssh`'s arguments (without `ssh` itself). `BatchMode` makes a missing key fail at once
    /// instead of prompting for a password in the middle of a verb's output; `--` ends ssh's
    /// options, so the destination (already validated) can never be read as one.
    public var sshArguments: [String] {
        let d = context.destination
        var a = ["-o", "BatchMode=yes", terminal ? "-t" : "-T"]
        if let port = d.port { a += ["-p", String(port)] }
        if let user = d.user { a += ["-l", user] }
        if let identity = context.identity { a += ["-i", identity] }
        return a + ["--", d.host, remoteCommand]
    }

    /// The command line the remote shell runs. ssh joins its arguments with spaces and hands
    /// the string to the remote user's shell, so every word is quoted for a POSIX shell here.
    /// `--context default` keeps the remote `berth` local even when its user chose a context
    /// there, so a command can never bounce from host to host.
    public var remoteCommand: String {
        var words = ["berth", "--context", HostContext.localName]
        if let root = context.root, !globalOptions.contains("--root") { words += ["--root", root] }
        words += globalOptions + arguments
        return words.map(ShellQuote.word).joined(separator: " ")
    }
}

/// Words for a POSIX shell (`sh`, `bash`, `dash`, `zsh`), which is what sshd runs the command with.
public enum ShellQuote {
    /// `word` as one shell word with its exact bytes: left bare when it holds only characters no
    /// shell treats specially, else in single quotes, inside which nothing is special except `'`
    /// itself (written `'\''`). Newlines, `$()`, `;`, backquotes and globs stay literal.
    public static func word(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isPlain) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func isPlain(_ u: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u)
            || "_-./:=@%+,".unicodeScalars.contains(u)
    }
}
