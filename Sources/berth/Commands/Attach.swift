import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Stream a running container's output (and send it input if it was started with -i).",
        discussion: "Ctrl-P Ctrl-Q detaches and leaves the container running. Exits with the container's exit code when it ends.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container name or id.") var container: String
    @Option(name: .customLong("sig-proxy"), help: ArgumentHelp("Pass the signals berth receives on to the container's process when it has no terminal (default true); false: berth leaves and the container runs on.", valueName: "true|false")) var sigProxyText = "true"

    func run() throws {
        var exitCode: Int32 = 0
        try withErrors {
            let sigProxy = try SignalProxy.parse(sigProxyText)
            let engine = try global.engine()
            let argv = try engine.attachArguments(container, replay: false, signalProxy: sigProxy)
            // Without the proxy (or with a terminal) the client takes our place, as before.
            guard argv.contains(Engine.attachSignalProxyFlag) else { return try execInPlace(argv) }
            let id = try engine.inspect(container).id
            let client = try SignalProxy.around(true, engine: engine, id: id) { try spawnAndWait(argv, forwardSignals: false) }
            exitCode = client.code
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
