import BerthOS
import BerthRegistry
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// `berth pull/push/login/logout` exec this program (found beside `berth`, as `berth-shim` is), so
// only it links the HTTP stack: `berth ps` and `berth --version` do not pay for NIO at start-up
// (docs/registries.md). `berth` has validated the verb's flags; the arguments come as:
//   berth-registry [--root DIR] pull [-q] [--platform OS/ARCH[/VARIANT]] REF
//   berth-registry [--root DIR] push [-q] [--compression gzip|zstd|none] [--format oci|v2s2] REF
//   berth-registry login [-u USER] [-p PASSWORD | --password-stdin] [REGISTRY]
//   berth-registry logout [REGISTRY]

@main
struct BerthRegistryMain {
    static func main() async {
        await BerthRegistryMain(arguments: Array(CommandLine.arguments.dropFirst())).run()
    }

    var verb = ""
    var root = ProcessInfo.processInfo.environment["BERTH_ROOT"]
    var quiet = false
    var user: String?
    var password: String?
    var passwordStdin = false
    /// `run --pull missing`: the image is not in the store; a failed pull says so first.
    var missing = false
    /// `--stderr`: pulling for `run`/`create`, whose stdout is the container's.
    var forContainer = false
    var positional: [String] = []
    var compression = LayerCompression.gzip
    var platform: ImagePlatform?
    var format = ManifestFormat.oci

    static func fail(_ message: String, _ code: Int32) -> Never {
        FileHandle.standardError.write(Data("berth: \(Quoted.escapeControls(message))\n".utf8))
        exit(code)
    }

    init(arguments: [String]) {
        var args = arguments
        if args.first == "--root", args.count > 1 {
            root = args[1]
            args.removeFirst(2)
        }
        guard let first = args.first else { Self.fail("berth-registry: no verb (pull, push, login, logout)", 125) }
        verb = first
        args.removeFirst()
        var i = 0
        while i < args.count {
            let a = args[i]
            switch a {
            case "-q", "--quiet": quiet = true
            case "-u", "--username", "-p", "--password":
                guard i + 1 < args.count else { Self.fail("\(a) needs a value", 125) }
                if a == "-u" || a == "--username" { user = args[i + 1] } else { password = args[i + 1] }
                i += 1
            case "--compression":
                guard i + 1 < args.count, let c = LayerCompression(rawValue: args[i + 1]) else {
                    Self.fail("--compression takes gzip, zstd or none", 125)
                }
                compression = c
                i += 1
            case "--format":
                guard i + 1 < args.count, let f = ManifestFormat(rawValue: args[i + 1]) else {
                    Self.fail("--format takes oci or v2s2", 125)
                }
                format = f
                i += 1
            case "--platform":
                guard i + 1 < args.count else { Self.fail("--platform needs OS/ARCH[/VARIANT]", 125) }
                do { platform = try ImagePlatform(parsing: args[i + 1]) } catch let e as BerthError { Self.fail(e.description, 125) } catch { Self.fail("\(error)", 125) }
                i += 1
            case "--password-stdin": passwordStdin = true
            // Progress on stderr: `run --pull` keeps stdout for the container id.
            case "--stderr": dup2(STDERR_FILENO, STDOUT_FILENO); forContainer = true
            case "--missing": missing = true
            default:
                if a.hasPrefix("-") { Self.fail("\(verb): unknown flag \(a.quoted)", 125) }
                positional.append(a)
            }
            i += 1
        }
    }

    func engine() throws -> Engine {
        try Engine(options: EngineOptions(root: root))
    }

    func reference(_ text: String?) -> RegistryReference {
        guard let text, positional.count == 1 else { Self.fail("\(verb) needs exactly one image reference", 125) }
        do { return try RegistryReference(parsing: text) } catch let e as BerthError { Self.fail(e.description, 125) } catch { Self.fail("\(error)", 125) }
    }

    func run() async {
        var password = self.password
        do {
            switch verb {
            case "pull":
                let ref = reference(positional.first)
                let progress = PullProgress.forStdout(quiet: quiet)
                if !quiet && !missing { progress.message("\(ref.tag ?? ref.digest?.description ?? "latest"): Pulling from \(ref.repository)") }
                var puller = Puller(engine: try engine(), reference: ref, progress: progress)
                puller.platform = platform
                let image = try await puller.run()
                if !quiet { print("Status: Downloaded image for \(image.reference)") }
                // `run -q`: nothing at all, as docker's.
                if !(quiet && forContainer) { print(quiet ? image.reference : ref.description) }
            case "push":
                let ref = reference(positional.first)
                let progress = PullProgress.forStdout(quiet: quiet)
                let chunkSize = try Pusher.chunkSize(environment: ProcessInfo.processInfo.environment)
                var pusher = Pusher(engine: try engine(), local: ref.localReference.description, reference: ref,
                                    progress: progress, compression: compression, chunkSize: chunkSize)
                pusher.format = format
                let digest = try await pusher.run()
                if quiet { print(digest.description) }
            case "login":
                guard positional.count <= 1 else { Self.fail("login takes at most one registry", 125) }
                let registry = positional.first ?? RegistryReference.dockerHub
                guard let user, !user.isEmpty else { Self.fail("login: a user name is needed (-u USER)", 125) }
                if passwordStdin {
                    guard password == nil else { Self.fail("login: --password and --password-stdin are mutually exclusive", 125) }
                    let data = FileHandle.standardInput.readDataToEndOfFile()
                    password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
                }
                guard let password, !password.isEmpty else { Self.fail("login: a password is needed (-p or --password-stdin)", 125) }
                try await RegistryLogin.login(registry: registry, user: user, password: password)
                print("Login Succeeded")
            case "logout":
                guard positional.count <= 1 else { Self.fail("logout takes at most one registry", 125) }
                let registry = positional.first ?? RegistryReference.dockerHub
                if try RegistryCredentials().remove(registry) {
                    print("Removing login credentials for \(registry)")
                } else {
                    print("Not logged in to \(registry)")
                }
            default:
                Self.fail("berth-registry: unknown verb \(verb.quoted)", 125)
            }
        } catch let e as RegistryError where missing {
            Self.fail("no such image: \(positional.first ?? "") (pulling it failed: \(e.description))", 125)
        } catch let e as RegistryError {
            Self.fail(e.description, e.exitCode)
        } catch let e as BerthError {
            Self.fail(e.description, e.exitCode)
        } catch let e as CredentialHelperError {
            Self.fail(e.description, e.exitCode)
        } catch {
            Self.fail("\(verb): \(error)", 1)
        }
    }

}
