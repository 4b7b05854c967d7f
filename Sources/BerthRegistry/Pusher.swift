import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth push`: the image's layers (as `save` writes them: uncompressed OCI tars) and config are
/// uploaded unless the registry has them (HEAD) or can mount them from another repository the
/// image is known by there, each in one monolithic PUT, and the manifest last, so the tag never
/// names an image with missing blobs.
public struct Pusher: Sendable {
    public var engine: Engine
    /// The local image to push (`name[:tag]` or id).
    public var local: String
    public var reference: RegistryReference
    public var progress: PullProgress

    public init(engine: Engine, local: String, reference: RegistryReference, progress: PullProgress) {
        self.engine = engine
        self.local = local
        self.reference = reference
        self.progress = progress
    }

    private var what: String { "push \(reference)" }
    private var scope: String { "repository:\(reference.repository):pull,push" }

    /// Returns the manifest's digest.
    public func run(credentials: RegistryCredentials = RegistryCredentials()) async throws -> Digest {
        guard reference.digest == nil else { throw RegistryError.usage("push \(reference): push a tag, not a digest") }
        let endpoint = try RegistryEndpoint(registry: reference.registry, apiHost: reference.apiHost)
        let client = RegistryClient(endpoint: endpoint, credentials: credentials.lookup(reference.registry))
        let staging = try engine.registryStaging()
        defer { try? FileIO.removeTree(staging) }
        let (record, image) = try engine.pushableImage(local, staging: staging)
        let sources = mountSources(of: record)
        for layer in image.layers {
            try await upload(client, layer.digest, size: layer.size, label: true, body: .file(path: layer.path, size: Int64(layer.size)),
                             sources: sources)
        }
        let config = image.config
        try await upload(client, image.configDigest, size: UInt64(config.count), label: false, body: .bytes(config), sources: sources)
        let tag = reference.tag ?? "latest"
        let url = client.url("/v2/\(reference.repository)/manifests/\(tag)")
        let put = HTTPRequest(.PUT, url, headers: ["Content-Type": image.mediaType], body: .bytes(image.manifest))
        let response = try await client.send(what, scope: scope, put)
        try client.check(response, what: "\(what): manifest", expect: [200, 201])
        progress.message("\(tag): digest: \(image.manifestDigest) size: \(image.manifest.count)")
        return image.manifestDigest
    }

    /// Other repositories of the same registry that the store knows this image by (its other
    /// names): a blob one of them holds is mounted from it instead of uploaded.
    private func mountSources(of image: ImageRecord) -> [String] {
        var repositories: [String] = []
        for other in (try? engine.images.list()) ?? [] where other.id == image.id {
            guard let ref = try? RegistryReference(parsing: other.reference), ref.registry == reference.registry,
                  ref.repository != reference.repository, !repositories.contains(ref.repository) else { continue }
            repositories.append(ref.repository)
        }
        return repositories
    }

    /// Mounts at most this many candidate repositories are asked about per blob (a HEAD each).
    static let mountCandidates = 3

    private func upload(_ client: RegistryClient, _ digest: Digest, size: UInt64, label: Bool, body: HTTPRequest.Body,
                        sources: [String]) async throws {
        let blobURL = client.url("/v2/\(reference.repository)/blobs/\(digest)")
        let head = try await client.send(what, scope: scope, HTTPRequest(.HEAD, blobURL))
        if head.status == 200 {
            if label { progress.line(digest, "Layer already exists") }
            return
        }
        // A cross-repository mount (POST ?mount=&from=) from a repository that has the blob: the
        // registry links it without a byte sent (201), or opens a normal upload (202).
        var from: String?
        for repository in sources.prefix(Self.mountCandidates) {
            let probe = try await client.send(what, scope: "repository:\(repository):pull",
                                              HTTPRequest(.HEAD, client.url("/v2/\(repository)/blobs/\(digest)")))
            if probe.status == 200 { from = repository; break }
        }
        var start = client.url("/v2/\(reference.repository)/blobs/uploads/")
        var postScope = scope
        if let from {
            start += "?mount=\(digest)&from=\(from)"
            postScope += " repository:\(from):pull"
        }
        let post = try await client.send(what, scope: postScope, HTTPRequest(.POST, start))
        if let from, post.status == 201 {
            if label { progress.line(digest, "Mounted from \(from)") }
            return
        }
        if label { progress.line(digest, "Pushing \(PullProgress.size(Int64(size)))") }
        try client.check(post, what: "\(what): blob \(digest)", expect: [202])
        guard let location = post.header("Location"), !location.isEmpty else {
            throw RegistryError.registry("\(what): the registry gave no upload location")
        }
        // Relative locations are resolved against the registry; an absolute one must stay on it.
        let base = client.url("/")
        var put = location.hasPrefix("/") ? String(base.dropLast()) + location : location
        guard put.hasPrefix(base) else {
            throw RegistryError.registry("\(what): the upload location \(location.quoted) is on another host")
        }
        put += (put.contains("?") ? "&" : "?") + "digest=" + digest.description.replacingOccurrences(of: ":", with: "%3A")
        let request = HTTPRequest(.PUT, put, headers: ["Content-Type": "application/octet-stream"], body: body)
        let response = try await client.send(what, scope: scope, request)
        try client.check(response, what: "\(what): blob \(digest)", expect: [201])
        if label { progress.line(digest, "Pushed") }
    }
}

/// `berth login`: checks the credentials against the registry (`GET /v2/` through its challenge),
/// then stores them; `logout` forgets them.
public enum RegistryLogin {
    public static func login(registry: String, user: String, password: String,
                             credentials: RegistryCredentials = RegistryCredentials()) async throws {
        let apiHost = registry == RegistryReference.dockerHub ? "registry-1.docker.io" : registry
        let endpoint = try RegistryEndpoint(registry: registry, apiHost: apiHost)
        let client = RegistryClient(endpoint: endpoint, credentials: (user, password))
        let response = try await client.send("login \(registry)", scope: "", HTTPRequest(.GET, client.url("/v2/")))
        if response.status == 401 || response.status == 403 {
            throw RegistryError.registry("login \(registry): unauthorized: incorrect username or password")
        }
        try client.check(response, what: "login \(registry)", expect: [200])
        try credentials.store(registry, user: user, password: password)
    }
}
