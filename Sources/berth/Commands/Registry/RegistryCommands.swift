import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `pull`, `push`, `login`, `logout`: `berth` checks the arguments (a bad reference is a usage
/// error, exit 125) and execs `berth-registry`, which links the HTTP client (docs/registries.md).
enum RegistryExec {
    /// `berth-registry` beside this executable (as `berth-shim` is found), or `BERTH_REGISTRY`.
    static var path: String {
        if let p = ProcessInfo.processInfo.environment["BERTH_REGISTRY"], !p.isEmpty { return p }
        return Engine.binaryDirectory + "/berth-registry"
    }

    static func exec(_ global: GlobalOptions, _ arguments: [String], needsRoot: Bool = true) throws {
        var argv = [path]
        if needsRoot { argv += ["--root", try global.engine().root] }
        try execInPlace(argv + arguments)
    }
}

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an image from a registry.",
        discussion: "REF is docker's reference: [HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST]; short names are docker.io/library/NAME. The linux/<host arch> image of an index is pulled (another with --platform); layers the store has are not fetched. See docs/registries.md.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Print only the image's name.") var quiet = false
    @Option(help: "OS/ARCH[/VARIANT]: the image of an index to pull (default: this machine's, e.g. linux/amd64).")
    var platform: String?
    @Argument(help: "The image reference.") var reference: String

    func run() throws {
        try withErrors {
            _ = try RegistryReference(parsing: reference)
            let platformArgs = try platform.map { ["--platform", try ImagePlatform(parsing: $0).description] } ?? []
            try RegistryExec.exec(global, ["pull"] + (quiet ? ["-q"] : []) + platformArgs + [reference])
        }
    }
}

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push an image to a registry.",
        discussion: "The local image named REF (tag it first with 'berth tag') is uploaded: blobs the registry lacks, then the manifest. See docs/registries.md.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Print only the manifest digest.") var quiet = false
    @Option(help: "How layers are sent: gzip (the default, as docker), zstd, or none (the uncompressed tars 'save' writes).")
    var compression = "gzip"
    @Option(name: .shortAndLong, help: "The manifest's schema: oci (the default, as podman) or v2s2 (Docker's schema 2, as docker pushes).")
    var format = "oci"
    @Argument(help: "The image reference.") var reference: String

    func run() throws {
        try withErrors {
            let ref = try RegistryReference(parsing: reference)
            guard ref.digest == nil else { throw BerthError.invalidArgument("push a tag, not a digest: \(reference.quoted)") }
            guard let layers = LayerCompression(rawValue: compression) else {
                throw BerthError.invalidArgument("--compression: \(compression.quoted) is not gzip, zstd or none")
            }
            guard let schema = ManifestFormat(rawValue: format) else {
                throw BerthError.invalidArgument("--format: \(format.quoted) is not oci or v2s2")
            }
            _ = try schema.layerMediaType(layers)
            _ = try global.engine().images.resolve(ref.localReference.description)
            try RegistryExec.exec(global, ["push"] + (quiet ? ["-q"] : []) + ["--compression", compression, "--format", format, reference])
        }
    }
}

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in to a registry.",
        discussion: "The credentials are checked against the registry, then stored 0600 in auth.json in the user's config directory, in docker's config.json format; docker's ~/.docker/config.json is read too. See docs/registries.md.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: "User name.") var username: String?
    @Option(name: .shortAndLong, help: "Password (prefer --password-stdin).") var password: String?
    @Flag(help: "Read the password from standard input.") var passwordStdin = false
    @Argument(help: "The registry (default docker.io).") var registry: String?

    func run() throws {
        try withErrors {
            guard let username, !username.isEmpty else { throw BerthError.invalidArgument("login needs a user name (-u USER)") }
            guard password != nil || passwordStdin else { throw BerthError.invalidArgument("login needs a password (--password-stdin or -p)") }
            guard !(password != nil && passwordStdin) else { throw BerthError.invalidArgument("--password and --password-stdin are mutually exclusive") }
            var args = ["login", "-u", username]
            if let password { args += ["-p", password] }
            if passwordStdin { args.append("--password-stdin") }
            if let registry { args.append(registry) }
            try RegistryExec.exec(global, args, needsRoot: false)
        }
    }
}

struct Logout: ParsableCommand {
    // An explicit name: without one ArgumentParser derives it from the type through reflection,
    // which every command's verb lookup pays for (≈ 2 M instructions each, callgrind).
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget the stored credentials of a registry.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The registry (default docker.io).") var registry: String?

    func run() throws {
        try withErrors { try RegistryExec.exec(global, ["logout"] + (registry.map { [$0] } ?? []), needsRoot: false) }
    }
}

/// `run`/`create --pull`: when to pull the image first (docker's values; default `missing`).
enum PullPolicy: String, ExpressibleByArgument, CaseIterable {
    case missing, always, never

    /// Pulls `image` through `berth-registry` (its progress on stderr, so `run -d` still prints only
    /// the id) when the policy asks; a failed pull is the command's failure (exit 125, as docker's
    /// `run`), its one-line reason printed by `berth-registry`. `quiet` (`-q`): no progress, only
    /// that reason.
    func apply(_ engine: Engine, image: String, quiet: Bool = false) throws {
        switch self {
        case .never: return
        case .missing: if (try? engine.images.resolve(image)) != nil { return }
        case .always: break
        }
        // Not a reference (an id prefix, say): `create` reports it.
        guard (try? RegistryReference(parsing: image)) != nil else { return }
        // `--missing`: a failed pull is reported as the missing image, in one line.
        let exit = try spawnAndWait([RegistryExec.path, "--root", engine.root, "pull", "--stderr"]
                                    + (self == .missing ? ["--missing"] : []) + (quiet ? ["--quiet"] : []) + [image])
        guard exit.code == 0 else { throw ExitCode(125) }
    }
}
