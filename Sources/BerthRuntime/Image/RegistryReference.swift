import BerthOS
import Foundation

/// An image reference as docker reads it for a registry: `[HOST[:PORT]/]PATH[:TAG][@sha256:HEX]`.
/// A first component with a `.` or `:`, or `localhost`, is the registry; otherwise the registry is
/// `docker.io`, where a one-component name gets `library/`. Here, not in the registry client, so
/// `berth` can decide whether an image must be pulled without linking the HTTP stack.
public struct RegistryReference: Sendable, Equatable, CustomStringConvertible {
    /// `docker.io` or `host[:port]` as written.
    public var registry: String
    /// The repository path on the registry (`library/busybox`).
    public var repository: String
    /// The tag; nil when only a digest was given.
    public var tag: String?
    public var digest: Digest?

    public static let dockerHub = "docker.io"

    public init(parsing text: String) throws {
        var rest = text
        if let at = rest.firstIndex(of: "@") {
            digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
            rest = String(rest[..<at])
        }
        // Validates the name and tag with the store's own grammar.
        let parsed = try ImageReference(parsing: rest)
        let explicitTag = rest.lastIndex(of: ":").map { !rest[$0...].contains("/") } ?? false
        tag = explicitTag || digest == nil ? parsed.tag : nil
        let parts = parsed.name.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = parts[0]
            repository = parts[1]
        } else {
            registry = Self.dockerHub
            repository = parsed.name
        }
        if registry == Self.dockerHub && !repository.contains("/") { repository = "library/" + repository }
    }

    /// The name the store keeps the image under, as docker shows it: `busybox`, not
    /// `docker.io/library/busybox`. A digest-only pull is tagged `sha256-<12 hex>` (the store
    /// names every image `name:tag`).
    public var localReference: ImageReference {
        var name = registry + "/" + repository
        for prefix in [Self.dockerHub + "/library/", Self.dockerHub + "/"] where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
            break
        }
        var ref = (try? ImageReference(parsing: name)) ?? (try! ImageReference(parsing: "image"))
        ref.tag = tag ?? "sha256-" + String(digest?.hex.prefix(12) ?? "")
        return ref
    }

    /// The tag or digest a manifest is fetched by.
    public var manifestReference: String { digest?.description ?? tag ?? "latest" }

    /// The host the API is served from: Docker Hub's API lives on `registry-1.docker.io`.
    public var apiHost: String { registry == Self.dockerHub ? "registry-1.docker.io" : registry }

    /// The registry's host without its port.
    public var hostName: String { Self.hostName(of: registry) }

    static func hostName(of registry: String) -> String {
        if registry.hasPrefix("[") { return String(registry.prefix { $0 != "]" }.dropFirst()) }
        return String(registry.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// Loopback registries are spoken to in plain HTTP unless they have a `certs.d` directory, as
    /// docker treats 127.0.0.0/8 and `localhost` as insecure by default.
    public static func isLoopback(_ registry: String) -> Bool {
        let host = hostName(of: registry)
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String {
        registry + "/" + repository + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0.description } ?? "")
    }
}
