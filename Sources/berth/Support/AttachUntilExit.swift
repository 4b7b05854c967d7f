import BerthRuntime

/// How an attached `run -i/-t` or `start -a` ended.
enum AttachOutcome {
    /// The container ended with this code (the caller removes it for `--rm`).
    case exited(Int32)
    /// We left a running container: detached (0), or told to go by a signal (128 + it).
    case left(Int32)
}

/// Runs the attach client on our terminal until the container ends or we leave it. `sigProxy`
/// (docker's `--sig-proxy`, ignored with a terminal): the signals we receive go to the container
/// and the client stays until it ends.
func attachUntilExit(_ engine: Engine, _ id: String, stdin: Bool, sigProxy: Bool = true) throws -> AttachOutcome {
    let argv = try engine.attachArguments(id, replay: true, stdin: stdin, signalProxy: sigProxy)
    let proxied = argv.contains(Engine.attachSignalProxyFlag)
    let client = try SignalProxy.around(proxied, engine: engine, id: id) {
        try spawnAndWait(argv, forwardSignals: !proxied)
    }
    if let signal = client.forwardedSignal {
        // We were told to go (SIGTERM, SIGHUP): the client has restored the terminal and ended.
        // The container runs on, as with docker's -t (no signal proxy); with --rm its supervisor
        // removes it when it ends, since the process attached for that is gone.
        return .left(128 + signal)
    }
    // The supervisor records an exit before it tells attached clients, so a client that ended
    // with 0 while the container still runs was detached (Ctrl-P Ctrl-Q): return at once.
    if client.code == 0, let s = try? engine.inspect(id).state, s.isRunning { return .left(0) }
    return .exited((try? engine.wait(id)) ?? client.code)
}
