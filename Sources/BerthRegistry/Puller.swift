import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth pull`: resolves the reference to one manifest (the host's platform, or `--platform`'s), downloads the blobs the
/// store lacks into a staging OCI layout in the store's `tmp/` (each verified against its digest
/// while it streams, and renamed into the layout only then), and imports that layout: the store's
/// own import checks every digest again and makes the image visible in one step. A failure or a
/// kill leaves only the staging directory, which the next pull or import removes.
public struct Puller: Sendable {
    public var engine: Engine
    public var reference: RegistryReference
    public var progress: PullProgress
    /// Layers downloaded at once.
    public var concurrency = 3
    /// `--platform`: the index entry to pick, and what a single manifest's config must say;
    /// nil is the host's platform, and a single manifest is then taken whatever it says (docker).
    public var platform: ImagePlatform?

    public init(engine: Engine, reference: RegistryReference, progress: PullProgress) {
        self.engine = engine
        self.reference = reference
        self.progress = progress
    }

    static let manifestAccept = [OCIMediaType.index, OCIMediaType.dockerManifestList, OCIMediaType.manifest,
                                 OCIMediaType.dockerManifest].joined(separator: ", ")

    public func run(credentials: RegistryCredentials = RegistryCredentials()) async throws -> ImageRecord {
        let endpoint = try RegistryEndpoint(registry: reference.registry, apiHost: reference.apiHost)
        let client = RegistryClient(endpoint: endpoint, credentials: try credentials.lookup(reference.registry))
        let staging = try engine.registryStaging()
        do {
            let image = try await pull(client, staging: staging)
            try? FileIO.removeTree(staging)
            return image
        } catch {
            try? FileIO.removeTree(staging)
            throw error
        }
    }

    private var what: String { "pull \(reference)" }
    private var scope: String { "repository:\(reference.repository):pull" }

    private func pull(_ client: RegistryClient, staging: String) async throws -> ImageRecord {
        let blobs = staging + "/blobs/sha256"
        try FileIO.mkdirs(blobs, mode: 0o700)
        // The manifest the reference names; an index leads to this platform's manifest.
        var (bytes, mediaType, digest) = try await fetchManifest(client, reference.manifestReference, expect: reference.digest)
        if OCIMediaType.isIndex(mediaType) {
            let index = try decode(OCIIndex.self, bytes, "image index \(digest)")
            let chosen = try Self.selectPlatform(index, platform ?? .host)
            let chosenDigest = try parseDigest(chosen.digest, "the index's manifest digest")
            (bytes, mediaType, digest) = try await fetchManifest(client, chosenDigest.description, expect: chosenDigest)
        }
        guard OCIMediaType.isManifest(mediaType) else {
            throw RegistryError.registry("\(what): unsupported manifest type \(mediaType.quoted) (Docker schema 1 and artifacts are not images Berth runs)")
        }
        let manifest = try decode(OCIManifest.self, bytes, "manifest \(digest)")
        let configDigest = try parseDigest(manifest.config.digest, "the config digest")
        var layers: [(digest: Digest, size: Int64)] = []
        for l in manifest.layers {
            let type = l.mediaType ?? OCIMediaType.layerTar
            guard OCIMediaType.isLayer(type) else {
                throw RegistryError.registry("\(what): layer \(l.digest.quoted): unsupported media type \(type.quoted)")
            }
            guard l.size >= 0 else { throw RegistryError.registry("\(what): layer \(l.digest.quoted): negative size") }
            layers.append((try parseDigest(l.digest, "a layer digest"), l.size))
        }
        try FileIO.writeAtomically(blobs + "/" + digest.hex, bytes: bytes, mode: 0o600)
        let configBytes = try await download(client, configDigest, size: manifest.config.size, into: blobs, limit: 8 << 20, label: nil)
        // The DiffIDs say which layers the store already has: those are not fetched.
        struct ConfigHead: Decodable { var rootfs: OCIRootFS?; var os: String?; var architecture: String?; var variant: String? }
        let head = try? JSONDecoder().decode(ConfigHead.self, from: Data(configBytes))
        if let platform, !platform.matches(os: head?.os, architecture: head?.architecture, variant: head?.variant) {
            let found = ImagePlatform(os: head?.os ?? "linux", architecture: head?.architecture ?? "", variant: head?.variant)
            throw RegistryError.registry("\(what): the image is \(found), not the requested \(platform)")
        }
        let diffIDs = head?.rootfs?.diff_ids ?? []
        var wanted: [(digest: Digest, size: Int64)] = []
        for (i, layer) in layers.enumerated() {
            if i < diffIDs.count, diffIDs.count == layers.count, let d = try? Digest(parsing: diffIDs[i]),
               engine.images.layerExists(d.hex) {
                progress.line(layer.digest, "Already exists")
            } else if !wanted.contains(where: { $0.digest == layer.digest }) {
                wanted.append(layer)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                guard next < wanted.count else { return }
                let layer = wanted[next]
                next += 1
                group.addTask {
                    _ = try await download(client, layer.digest, size: layer.size, into: blobs, limit: nil, label: layer.digest)
                }
            }
            for _ in 0..<concurrency { start() }
            while try await group.next() != nil { start() }
        }
        let index = OCIIndex(schemaVersion: 2, mediaType: OCIMediaType.index,
                             manifests: [OCIDescriptor(mediaType: mediaType, digest: digest.description, size: Int64(bytes.count))])
        try FileIO.writeAtomically(staging + "/index.json", bytes: Array(try JSONEncoder().encode(index)), mode: 0o600)
        try FileIO.writeAtomically(staging + "/oci-layout", bytes: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), mode: 0o600)
        progress.message("Digest: \(digest)")
        do {
            return try engine.importPulledLayout(staging, as: reference.localReference).image
        } catch let e as BerthError {
            throw RegistryError.registry("\(what): \(e.description)")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ name: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw RegistryError.registry("\(what): \(name) is not valid JSON of its type")
        }
    }

    private func parseDigest(_ text: String, _ name: String) throws -> Digest {
        do { return try Digest(parsing: text) } catch {
            throw RegistryError.registry("\(what): \(name) \(text.quoted) is not a sha256 digest")
        }
    }

    /// GET a manifest by tag or digest; checked against `expect` when the reference pins one.
    private func fetchManifest(_ client: RegistryClient, _ ref: String, expect: Digest?) async throws -> ([UInt8], String, Digest) {
        let url = client.url("/v2/\(reference.repository)/manifests/\(ref)")
        let response = try await client.send(what, scope: scope, HTTPRequest(.GET, url, headers: ["Accept": Self.manifestAccept]))
        try client.check(response, what: what, expect: [200])
        let bytes = response.body
        let digest = Digest.of(bytes)
        if let expect, expect != digest {
            throw RegistryError.registry("\(what): manifest \(expect) does not match its digest (content is \(digest))")
        }
        struct Typed: Decodable { var mediaType: String? }
        let header = response.header("Content-Type")?.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) }
        var type = (try? JSONDecoder().decode(Typed.self, from: Data(bytes)))?.mediaType ?? header ?? ""
        if type.isEmpty || type == "application/json" { type = OCIMediaType.manifest }
        return (bytes, type, digest)
    }

    /// The index's manifest for `platform` (variants normalized, `ImagePlatform`); with several
    /// for it, the first, as docker picks. Nested indexes are not followed: a registry's index
    /// lists manifests (the distribution spec), and an entry that is itself an index is skipped.
    static func selectPlatform(_ index: OCIIndex, _ platform: ImagePlatform) throws -> OCIDescriptor {
        let candidates = index.manifests.filter { m in
            guard let p = m.platform else { return false }
            return platform.matches(p) && OCIMediaType.isManifest(m.mediaType ?? OCIMediaType.manifest)
        }
        guard let hit = candidates.first else {
            let found = index.manifests.compactMap { d in d.platform.map { ImagePlatform(os: $0.os, architecture: $0.architecture, variant: $0.variant).description } }
            throw RegistryError.registry("no matching manifest for \(platform) in the image index (it has: \(found.isEmpty ? "none" : found.joined(separator: ", ")))")
        }
        return hit
    }

    /// Streams a blob into `blobs` through a `BlobReceiver` (verified, then renamed into place).
    /// A layer resumes what a killed pull left (`Range`); `limit`: read it into memory too (the
    /// config, never resumed), at most that many bytes.
    @discardableResult
    private func download(_ client: RegistryClient, _ digest: Digest, size: Int64, into blobs: String, limit: Int?,
                          label: Digest?) async throws -> [UInt8] {
        let receiver = try BlobReceiver(digest: digest, size: size, kept: limit == nil ? engine.images.partialBlobPath(digest.hex) : nil,
                                        scratch: blobs + "/.partial-" + digest.hex, final: blobs + "/" + digest.hex,
                                        keep: limit, what: what)
        if let label {
            if receiver.rangeStart > 0 { progress.line(label, "Resuming at \(PullProgress.size(receiver.rangeStart))") }
            progress.start(label, total: size)
            receiver.onProgress = { [progress] done in progress.advance(label, done: done) }
        }
        var request = HTTPRequest(.GET, client.url("/v2/\(reference.repository)/blobs/\(digest)"))
        if receiver.rangeStart > 0 { request.headers["Range"] = "bytes=\(receiver.rangeStart)-" }
        let sink: HTTPBodySink = { try receiver.append(status: $0, headers: $1, $2) }
        var response = try await client.send(what, scope: scope, request, into: sink)
        if response.status == 416 && request.headers["Range"] != nil {
            // The registry cannot serve the rest of what was kept: from the start.
            try receiver.restart()
            request.headers["Range"] = nil
            response = try await client.send(what, scope: scope, request, into: sink)
        }
        try client.check(response, what: "\(what): blob \(digest)", expect: [200, 206])
        let kept = try receiver.finish()
        if let label { progress.line(label, "Pull complete") }
        return kept
    }
}
