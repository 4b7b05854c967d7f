import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `berth build -t NAME[:TAG] [options] CONTEXT`: an image from a Dockerfile (docs/build.md).
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Build an image from a Dockerfile.",
        discussion: "RUN steps run as real containers on the stage's layers; each step's result is cached (--no-cache to bypass). FROM names an image (pulled when missing, or as --pull says), an earlier stage or scratch.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Name and optionally a tag (NAME[:TAG]); may be given more than once.", valueName: "name")) var tag: [String] = []
    @Option(name: .shortAndLong, help: ArgumentHelp("The Dockerfile (default: CONTEXT/Dockerfile).", valueName: "file")) var file: String?
    @Option(name: .customLong("build-arg"), help: ArgumentHelp("Set a build-time variable (KEY=VALUE, or KEY to take it from the environment).", valueName: "arg")) var buildArgs: [String] = []
    @Option(name: .long, help: ArgumentHelp("Build up to this stage.", valueName: "stage")) var target: String?
    @Flag(name: .customLong("no-cache"), help: "Do not use the build cache.") var noCache = false
    @Option(name: .long, help: ArgumentHelp("Set a label on the image (KEY=VALUE).", valueName: "label")) var label: [String] = []
    @Option(name: .long, help: ArgumentHelp("The network of RUN steps: bridge, host or none.", valueName: "mode")) var network: String = "bridge"
    @Option(name: .long, help: ArgumentHelp("A secret for RUN --mount=type=secret (id=ID,src=PATH or id=ID,env=VAR); never stored in the image.", valueName: "secret")) var secret: [String] = []
    @Option(name: .long, help: ArgumentHelp("An ssh agent for RUN --mount=type=ssh (default or ID, =SOCKET; default: $SSH_AUTH_SOCK); keys stay in the agent.", valueName: "ssh")) var ssh: [String] = []
    @Flag(name: .shortAndLong, help: "Print only the image id.") var quiet = false
    @Option(help: "Pull FROM images first: missing (default), always or never.") var pull: PullPolicy = .missing
    @Argument(help: "The build context directory.") var context: String

    func run() throws {
        try withRuntimeErrors {
            var options = BuildOptions(context: context, dockerfile: file, tags: try tag.map { try ImageReference(parsing: $0) })
            options.buildArgs = try Self.pairs(buildArgs, flag: "--build-arg", environment: true)
            options.labels = try Self.pairs(label, flag: "--label", environment: false)
            options.target = target
            options.noCache = noCache
            options.secrets = try secret.map(BuildSecret.parse)
            options.ssh = try ssh.map { try BuildSSH.parse($0) }
            guard let mode = NetworkMode.named(network) else {
                throw BerthError.invalidArgument("invalid --network \(network.quoted): berth build supports bridge, host and none")
            }
            options.network = mode
            options.cgroupParent = global.effectiveCgroupParent
            let quiet = self.quiet
            let out = BuildOutput(quiet: quiet)
            let engine = try global.engine()
            let policy = pull
            options.pullBase = { try policy.apply(engine, image: $0, quiet: quiet) }
            let image = try engine.build(options) { out.show($0) }
            if !quiet {
                for t in options.tags { print("Successfully tagged \(t)") }
            }
            print(quiet ? "sha256:" + image.id : image.id)
        }
    }

    /// `K=V` flags; with `environment`, a bare `K` takes the caller's value (docker's --build-arg).
    static func pairs(_ values: [String], flag: String, environment: Bool) throws -> [String: String] {
        var out: [String: String] = [:]
        for v in values {
            if let eq = v.firstIndex(of: "="), eq != v.startIndex {
                out[String(v[..<eq])] = String(v[v.index(after: eq)...])
            } else if environment, !v.isEmpty, !v.contains("="), let value = ProcessInfo.processInfo.environment[v] {
                out[v] = value
            } else if !environment || v.isEmpty || v.contains("=") {
                throw BerthError.invalidArgument("invalid \(flag) \(v.quoted): expected KEY=VALUE")
            }
        }
        return out
    }
}

/// The build's progress as podman prints it: `STEP n/total: INSTRUCTION`, the step's output,
/// then `--> [CACHED] 0.12s`. With -q, nothing.
private final class BuildOutput {
    let quiet: Bool
    init(quiet: Bool) { self.quiet = quiet }

    func show(_ event: BuildEvent) {
        guard !quiet else { return }
        switch event {
        case .step(let i, let total, let text):
            print("STEP \(i)/\(total): \(Quoted.escapeControls(text))")
        case .stepDone(let cached, let seconds):
            print("--> " + (cached ? "CACHED " : "") + String(format: "%.2fs", seconds))
        case .output(let line):
            print(Quoted.escapeControls(line.text))
        }
        fflush(nil)
    }
}
