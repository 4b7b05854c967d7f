import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth push`: the image's layers and config are uploaded unless the registry has them (HEAD)
/// or can mount them from another repository the image is known by there, and the manifest last,
/// so the tag never names an image with missing blobs.
///
/// Layers go compressed (gzip by default, as docker and podman push): each uncompressed tar `save`
/// would write is compressed into the staging directory, its compressed digest remembered in the
/// store (`Engine.rememberedLayer`), so a later push asks the registry for that blob before
/// compressing anything. Blobs over `chunkSize` are sent in chunks (`BlobUpload`).
public struct Pusher: Sendable {
    public var engine: Engine
    /// The local image to push (`name[:tag]` or id).
    public var local: String
    public var reference: RegistryReference
    public var progress: PullProgress
    public var compression: LayerCompression
    public var chunkSize: Int64
    /// The manifest's schema (`--format`): OCI, or Docker's schema 2.
    public var format = ManifestFormat.oci

    /// 16 MiB, as containerd's pusher: few requests for a large layer, a small one in one PUT.
    public static let defaultChunkSize: Int64 = 16 << 20
    /// The smallest `BERTH_PUSH_CHUNK`: smaller chunks would be thousands of requests per layer.
    public static let minimumChunkSize: Int64 = 1 << 10

    public init(engine: Engine, local: String, reference: RegistryReference, progress: PullProgress,
                compression: LayerCompression = .gzip, chunkSize: Int64 = Pusher.defaultChunkSize) {
        self.engine = engine
        self.local = local
        self.reference = reference
        self.progress = progress
        self.compression = compression
        self.chunkSize = chunkSize
    }

    /// `BERTH_PUSH_CHUNK`: bytes, or with a `k`/`m`/`g` suffix (binary); unset is the default.
    public static func chunkSize(environment: [String: String]) throws -> Int64 {
        guard let text = environment["BERTH_PUSH_CHUNK"], !text.isEmpty else { return defaultChunkSize }
        var digits = Substring(text.lowercased())
        var shift: Int64 = 0
        switch digits.last {
        case "k": shift = 10
        case "m": shift = 20
        case "g": shift = 30
        default: break
        }
        if shift > 0 { digits = digits.dropLast() }
        guard let value = Int64(digits), value > 0, value <= (Int64(1) << 40) >> shift, value << shift >= minimumChunkSize else {
            throw RegistryError.usage("BERTH_PUSH_CHUNK: \(text.quoted) is not a size of at least 1k (bytes, or with k, m, g)")
        }
        return value << shift
    }

    private var what: String { "push \(reference)" }
    private var scope: String { "repository:\(reference.repository):pull,push" }

    /// Returns the manifest's digest.
    public func run(credentials: RegistryCredentials = RegistryCredentials()) async throws -> Digest {
        guard reference.digest == nil else { throw RegistryError.usage("push \(reference): push a tag, not a digest") }
        // Refused before anything is uploaded.
        do { _ = try format.layerMediaType(compression) } catch let e as BerthError { throw RegistryError.usage(e.description) }
        let endpoint = try RegistryEndpoint(registry: reference.registry, apiHost: reference.apiHost)
        let client = RegistryClient(endpoint: endpoint, credentials: try credentials.lookup(reference.registry))
        let staging = try engine.registryStaging()
        defer { try? FileIO.removeTree(staging) }
        let (record, image) = try engine.pushableImage(local, staging: staging)
        let sources = mountSources(of: record)
        var blobs: [LayerBlob] = []
        for layer in image.layers {
            blobs.append(try await pushLayer(client, layer, staging: staging, sources: sources))
        }
        let config = image.config
        try await upload(client, image.configDigest, size: UInt64(config.count), label: false, sources: sources) { .bytes(config) }
        let manifest = try image.manifest(layers: blobs, compression: compression, format: format)
        let manifestDigest = Digest.of(manifest)
        let tag = reference.tag ?? "latest"
        let url = client.url("/v2/\(reference.repository)/manifests/\(tag)")
        let put = HTTPRequest(.PUT, url, headers: ["Content-Type": format.manifestMediaType], body: .bytes(manifest))
        let response = try await client.send(what, scope: scope, put)
        try client.check(response, what: "\(what): manifest", expect: [200, 201])
        progress.message("\(tag): digest: \(manifestDigest) size: \(manifest.count)")
        return manifestDigest
    }

    /// One layer: the blob a previous push made of it if the registry has or can mount it, else
    /// the layer compressed now (or as it is) and uploaded. Returns the blob the manifest names.
    private func pushLayer(_ client: RegistryClient, _ layer: PushableImage.Layer, staging: String, sources: [String]) async throws -> LayerBlob {
        guard compression != .none else {
            let blob = LayerBlob(digest: layer.digest, size: layer.size)
            try await upload(client, blob.digest, size: blob.size, label: true, sources: sources) {
                .file(path: layer.path, size: Int64(layer.size))
            }
            return blob
        }
        // Asked first: a blob a previous push made, which this registry may hold or mount.
        let remembered = engine.rememberedLayer(layer.digest, compression)
        var rememberedSession: HTTPResponse?
        if let remembered {
            guard let session = try await place(client, remembered.digest, label: true, sources: sources) else { return remembered }
            rememberedSession = session
        }
        let (blob, file) = try engine.compressLayer(layer.digest, file: layer.path, compression, staging: staging)
        defer { unlink(file) }
        let session: HTTPResponse
        if let rememberedSession, blob == remembered {
            session = rememberedSession
        } else {
            // A new zlib or zstd may compress differently: the new blob is asked about too.
            guard let opened = try await place(client, blob.digest, label: true, sources: sources) else { return blob }
            session = opened
        }
        try await send(client, blob.digest, size: blob.size, label: true, opened: session) { .file(path: file, size: Int64(blob.size)) }
        return blob
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

    /// Uploads a blob unless the registry has it or mounts it; `body` is asked for only when bytes go.
    private func upload(_ client: RegistryClient, _ digest: Digest, size: UInt64, label: Bool, sources: [String],
                        body: () throws -> HTTPRequest.Body) async throws {
        guard let opened = try await place(client, digest, label: label, sources: sources) else { return }
        try await send(client, digest, size: size, label: label, opened: opened, body: body)
    }

    /// Whether the registry needs the blob: nil when it has it (HEAD) or mounted it from another
    /// repository of the image (POST ?mount=&from=, 201), else the 202 of the upload it opened.
    private func place(_ client: RegistryClient, _ digest: Digest, label: Bool, sources: [String]) async throws -> HTTPResponse? {
        let blobURL = client.url("/v2/\(reference.repository)/blobs/\(digest)")
        let head = try await client.send(what, scope: scope, HTTPRequest(.HEAD, blobURL))
        if head.status == 200 {
            if label { progress.line(digest, "Layer already exists") }
            return nil
        }
        // A cross-repository mount from a repository that has the blob: the registry links it
        // without a byte sent (201), or opens a normal upload (202).
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
            return nil
        }
        try client.check(post, what: "\(what): blob \(digest)", expect: [202])
        return post
    }

    /// Sends the blob's bytes through the upload session `opened` (a POST's 202).
    private func send(_ client: RegistryClient, _ digest: Digest, size: UInt64, label: Bool, opened: HTTPResponse,
                      body: () throws -> HTTPRequest.Body) async throws {
        if label { progress.line(digest, "Pushing \(PullProgress.size(Int64(size)))") }
        let upload = BlobUpload(client: client, what: what, scope: scope, digest: digest,
                                start: client.url("/v2/\(reference.repository)/blobs/uploads/"), chunkSize: chunkSize)
        try await upload.send(try body(), opened: opened)
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
