import BerthOS
import BerthRuntime
import Foundation

/// One blob upload session (OCI distribution spec, "Pushing blobs"), opened by a `POST` that
/// answered 202 with a `Location`: the blob goes in one `PUT ?digest=` when it is small, or as
/// `PATCH` chunks (`Content-Range: start-end`) followed by a closing `PUT ?digest=` without a body
/// when it is larger than `chunkSize` ("Pushing a blob in chunks"). Each chunk is read from the
/// file as it is sent, so memory does not grow with the blob.
///
/// Every `Location` the registry answers with (after the POST, after each chunk) is resolved
/// against the registry and must stay on it: the next request carries the credentials.
struct BlobUpload {
    let client: RegistryClient
    let what: String
    let scope: String
    let digest: Digest
    /// The `POST` URL that opens a session: a session the registry no longer knows is opened anew.
    let start: String
    /// Chunks of at most this many bytes (or the registry's `OCI-Chunk-Min-Length`, if larger).
    let chunkSize: Int64
    /// A 416 is recovered from this many times per blob; a registry that keeps refusing fails it.
    static let recoveries = 3

    /// Sends `body` to the session `opened` (the POST's 202) and closes it; the registry answers 201.
    /// Returns the number of PATCH requests sent (0 for a monolithic upload).
    @discardableResult
    func send(_ body: HTTPRequest.Body, opened: HTTPResponse) async throws -> Int {
        var url = try location(of: opened, after: "the upload request")
        var closing = body
        var chunks = 0
        if case .file(let path, let offset, let size) = body, size > chunkSize {
            // A registry's minimum chunk size (its storage may refuse smaller parts) raises ours.
            let minimum = opened.header("OCI-Chunk-Min-Length").flatMap { Int64($0) } ?? 0
            (url, chunks) = try await patch(url, path: path, offset: offset, size: size, chunk: max(chunkSize, minimum))
            closing = .none
        }
        url += (url.contains("?") ? "&" : "?") + "digest=" + digest.description.replacingOccurrences(of: ":", with: "%3A")
        let request = HTTPRequest(.PUT, url, headers: ["Content-Type": "application/octet-stream"], body: closing)
        let response = try await client.send(what, scope: scope, request)
        try client.check(response, what: "\(what): blob \(digest)", expect: [201])
        return chunks
    }

    /// The chunks of `size` bytes of `path` from `offset`; returns the session's last location.
    private func patch(_ start: String, path: String, offset base: Int64, size: Int64, chunk: Int64) async throws -> (String, Int) {
        var url = start
        var sent: Int64 = 0
        var chunks = 0
        var recovered = 0
        while sent < size {
            let length = min(chunk, size - sent)
            let request = HTTPRequest(.PATCH, url, headers: ["Content-Type": "application/octet-stream",
                                                             "Content-Range": "\(sent)-\(sent + length - 1)"],
                                      body: .file(path: path, offset: base + sent, size: length))
            let response = try await client.send(what, scope: scope, request)
            chunks += 1
            // 416: the registry holds a different amount than we think (a chunk it received before
            // a connection broke, then sent again): ask it where the session is. 404 once the
            // session has taken chunks: docker's registry refusing a location whose signed offset
            // (`_state`) is stale, when a chunk it took is sent again after a failed answer (the
            // client's retry of a 5xx).
            let lost = response.status == 404 && sent > 0
            if response.status == 416 || lost {
                recovered += 1
                guard recovered <= Self.recoveries else {
                    throw RegistryError.registry("\(what): blob \(digest): the registry refused the chunk at \(sent) \(recovered) times (HTTP \(response.status))")
                }
                if !lost, let (at, received) = try await status(url, size: size) {
                    (url, sent) = (at, received)
                } else {
                    // docker's registry signs the offset into its locations (`_state`): after a
                    // lost answer ours is stale and the session cannot be asked. A new one starts at 0.
                    url = try await reopen()
                    sent = 0
                }
                continue
            }
            try client.check(response, what: "\(what): blob \(digest): chunk at \(sent)", expect: [202])
            url = try location(of: response, after: "a chunk")
            sent += length
        }
        return (url, chunks)
    }

    /// `GET` on the session: its `Location` and the offset to resume from (its `Range: 0-N`);
    /// nil when the registry does not know the session (404) by that location.
    private func status(_ url: String, size: Int64) async throws -> (String, Int64)? {
        let response = try await client.send(what, scope: scope, HTTPRequest(.GET, url))
        if response.status == 404 { return nil }
        try client.check(response, what: "\(what): blob \(digest): upload status", expect: [204])
        let next = response.header("Location") == nil ? url : try location(of: response, after: "the upload status")
        guard let received = Self.receivedBytes(response.header("Range")), received <= size else {
            throw RegistryError.registry("\(what): blob \(digest): the registry's upload status has no usable Range (\((response.header("Range") ?? "none").quoted))")
        }
        return (next, received)
    }

    /// A new session for the blob (`POST`), its location.
    private func reopen() async throws -> String {
        let post = try await client.send(what, scope: scope, HTTPRequest(.POST, start))
        try client.check(post, what: "\(what): blob \(digest)", expect: [202])
        return try location(of: post, after: "the upload request")
    }

    /// The bytes a session holds from its `Range: 0-N` header (N inclusive, so N + 1 bytes). No
    /// header means none, and so does `0-0`: docker's registry says that for an empty session,
    /// and a session of ours never holds exactly one byte (only blobs over `chunkSize`, at least
    /// 1 KiB, are sent in chunks).
    static func receivedBytes(_ range: String?) -> Int64? {
        guard let range else { return 0 }
        let parts = range.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "0", let end = Int64(parts[1]), end >= 0, end < Int64.max else { return nil }
        return end == 0 ? 0 : end + 1
    }

    /// The `Location` of a 202, resolved against the registry; one that leaves it is refused.
    private func location(of response: HTTPResponse, after step: String) throws -> String {
        guard let location = response.header("Location"), !location.isEmpty else {
            throw RegistryError.registry("\(what): the registry gave no upload location after \(step)")
        }
        // Relative locations are resolved against the registry; an absolute one must stay on it.
        let base = client.url("/")
        let url = location.hasPrefix("/") ? String(base.dropLast()) + location : location
        guard url.hasPrefix(base) else {
            throw RegistryError.registry("\(what): the upload location \(location.quoted) is on another host")
        }
        return url
    }
}
