import BerthOS
import Foundation
import Yams

/// A service's `build:` (compose's `context`, `dockerfile`, `args`, `target`, and `network` for
/// its RUN steps): `up` builds the service's image when the store lacks it, as `docker compose
/// up` does. The image is the service's `image:` or `PROJECT-SERVICE`.
public struct ComposeBuild: Sendable, Equatable {
    public var service: String
    public var image: ImageReference
    public var context: String
    public var dockerfile: String?
    public var args: [String: String] = [:]
    public var target: String?
    public var network: NetworkMode = .bridge

    /// The options of `berth build` for it.
    public var options: BuildOptions {
        var o = BuildOptions(context: context, dockerfile: dockerfile, tags: [image])
        o.buildArgs = args
        o.target = target
        o.network = network
        return o
    }
}

extension Reader {
    /// `build: DIR` or `build: {context, dockerfile, args, target, network}`; paths relative to
    /// the compose file's directory.
    mutating func build(_ node: Node, _ path: String, service: String) throws -> ComposeBuild {
        var context = "."
        var dockerfile: String?
        var args: [String: String] = [:]
        var target: String?
        var network = NetworkMode.bridge
        if case .scalar = node {
            context = try string(node, path)
        } else {
            for (key, value) in try mapping(node, path) {
                let p = "\(path).\(key)"
                switch key {
                case "context": context = try string(value, p)
                case "dockerfile": dockerfile = try string(value, p)
                case "args": args = BuildVariables.environment(try environmentEntries(value, p))
                case "target": target = try string(value, p)
                case "network":
                    let text = try string(value, p)
                    guard let mode = NetworkMode.named(text) else { throw fail(p, "expected none, host or bridge, not \(text.quoted)") }
                    network = mode
                default: warn("\(p): not supported, ignored")
                }
            }
        }
        guard !context.isEmpty else { throw fail(path, "the context must not be empty") }
        let base = baseDirectory ?? FileManager.default.currentDirectoryPath
        let contextPath = context.hasPrefix("/") ? context : base + "/" + context
        let dockerfilePath = dockerfile.map { $0.hasPrefix("/") ? $0 : contextPath + "/" + $0 }
        return ComposeBuild(service: service, image: try ImageReference(parsing: "x"), context: contextPath, dockerfile: dockerfilePath,
                            args: args, target: target, network: network)
    }
}

extension Engine {
    /// Builds the images of a project's `build:` services that the store lacks.
    func buildMissingImages(_ project: ComposeProject, progress: (String) -> Void,
                            pullBase: (@Sendable (String) throws -> Void)? = nil) throws {
        for b in project.builds where (try? images.resolve(b.image.description)) == nil {
            progress("building \(b.image) for \(b.service)")
            var options = b.options
            options.pullBase = pullBase
            try build(options) { _ in }
        }
    }
}
