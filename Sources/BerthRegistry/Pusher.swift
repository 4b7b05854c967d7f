import AsyncHTTPClient
import BerthOS
import BerthRuntime
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// `berth push`: the image's layers (as `save` writes them: uncompressed OCI tars) and config are
/// uploaded unless the registry has them (HEAD), each in one monolithic PUT, and the manifest
/// last, so the tag never names an image with missing blobs.
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
        do {
            let (_, image) = try engine.pushableImage(local, staging: staging)
            for layer in image.layers {
                try await upload(client, layer.digest, size: layer.size, label: true) { try FileChunks(path: layer.path) }
            }
            let config = image.config
            try await upload(client, image.configDigest, size: UInt64(config.count), label: false) { ByteChunks(bytes: config) }
            let tag = reference.tag ?? "latest"
            let url = await client.url("/v2/\(reference.repository)/manifests/\(tag)")
            let manifest = image.manifest
            let response = try await client.send(what, scope: scope) {
                var r = HTTPClientRequest(url: url)
                r.method = .PUT
                r.headers.add(name: "Content-Type", value: image.mediaType)
                r.body = .bytes(ByteBuffer(bytes: manifest))
                return r
            }
            try await client.check(response, what: "\(what): manifest", expect: [200, 201])
            _ = try? await response.body.collect(upTo: 1 << 20)
            progress.message("\(tag): digest: \(image.manifestDigest) size: \(manifest.count)")
            await client.shutdown()
            return image.manifestDigest
        } catch {
            await client.shutdown()
            throw error
        }
    }

    private func upload<S: AsyncSequence & Sendable>(_ client: RegistryClient, _ digest: Digest, size: UInt64, label: Bool,
                                                     _ body: @escaping @Sendable () throws -> S) async throws where S.Element == ByteBuffer {
        let blobURL = await client.url("/v2/\(reference.repository)/blobs/\(digest)")
        let head = try await client.send(what, scope: scope) {
            var r = HTTPClientRequest(url: blobURL)
            r.method = .HEAD
            return r
        }
        _ = try? await head.body.collect(upTo: 1 << 16)
        if head.status.code == 200 {
            if label { progress.line(digest, "Layer already exists") }
            return
        }
        if label { progress.line(digest, "Pushing \(PullProgress.size(Int64(size)))") }
        let start = await client.url("/v2/\(reference.repository)/blobs/uploads/")
        let post = try await client.send(what, scope: scope) {
            var r = HTTPClientRequest(url: start)
            r.method = .POST
            r.headers.add(name: "Content-Length", value: "0")
            return r
        }
        try await client.check(post, what: "\(what): blob \(digest)", expect: [202])
        _ = try? await post.body.collect(upTo: 1 << 16)
        guard let location = post.headers.first(name: "Location"), !location.isEmpty else {
            throw RegistryError.registry("\(what): the registry gave no upload location")
        }
        // Relative locations are resolved against the registry; an absolute one must stay on it.
        let base = await client.url("/")
        var put = location.hasPrefix("/") ? String(base.dropLast()) + location : location
        guard put.hasPrefix(base) else {
            throw RegistryError.registry("\(what): the upload location \(location.quoted) is on another host")
        }
        put += (put.contains("?") ? "&" : "?") + "digest=" + digest.description.replacingOccurrences(of: ":", with: "%3A")
        let target = put
        let response = try await client.send(what, scope: scope) {
            var r = HTTPClientRequest(url: target)
            r.method = .PUT
            r.headers.add(name: "Content-Type", value: "application/octet-stream")
            r.body = .stream(try body(), length: .known(Int64(size)))
            return r
        }
        try await client.check(response, what: "\(what): blob \(digest)", expect: [201])
        _ = try? await response.body.collect(upTo: 1 << 16)
        if label { progress.line(digest, "Pushed") }
    }
}

/// A file's bytes as 1 MiB buffers, read as the upload asks for them.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    init(path: String) throws {
        guard access(path, R_OK) == 0 else { throw BerthError.errno("open", path) }
        self.path = path
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var fd: Int32 = -1
        var done = false

        mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if fd < 0 {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw BerthError.errno("open", path) }
            }
            var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 << 20) { raw in
                Swift.max(0, read(fd, raw.baseAddress, raw.count))
            }
            if n == 0 { close(fd); fd = -1; done = true; return nil }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path) }
}

/// Bytes in memory as one buffer.
struct ByteChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: [UInt8]?
        mutating func next() async throws -> ByteBuffer? {
            defer { bytes = nil }
            return bytes.map { ByteBuffer(bytes: $0) }
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
}

/// `berth login`: checks the credentials against the registry (`GET /v2/` through its challenge),
/// then stores them; `logout` forgets them.
public enum RegistryLogin {
    public static func login(registry: String, user: String, password: String,
                             credentials: RegistryCredentials = RegistryCredentials()) async throws {
        let apiHost = registry == RegistryReference.dockerHub ? "registry-1.docker.io" : registry
        let endpoint = try RegistryEndpoint(registry: registry, apiHost: apiHost)
        let client = RegistryClient(endpoint: endpoint, credentials: (user, password))
        do {
            let url = await client.url("/v2/")
            let response = try await client.send("login \(registry)", scope: "") { HTTPClientRequest(url: url) }
            if response.status.code == 401 || response.status.code == 403 {
                throw RegistryError.registry("login \(registry): unauthorized: incorrect username or password")
            }
            try await client.check(response, what: "login \(registry)", expect: [200])
            _ = try? await response.body.collect(upTo: 1 << 16)
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
        try credentials.store(registry, user: user, password: password)
    }
}
