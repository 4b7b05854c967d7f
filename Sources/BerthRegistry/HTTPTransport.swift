import Foundation

/// One HTTP request as the registry client makes it. The body is described, not held open, so
/// the same request can be sent again (a retry, a new token) and re-reads its file.
struct HTTPRequest: Sendable {
    enum Method: String, Sendable { case GET, HEAD, POST, PUT, PATCH, DELETE }
    enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// `size` bytes of a file from `offset` (a chunk of a blob), read as they are sent.
        case file(path: String, offset: Int64 = 0, size: Int64)
    }

    var method: Method = .GET
    var url: String
    /// Names as sent; the transport adds `Host`, `Content-Length` and nothing else of its own.
    var headers: [String: String] = [:]
    var body: Body = .none
    /// A response body kept in memory (all of it unless streamed to a sink) beyond this many
    /// bytes fails the request: a registry cannot make the client hold a huge manifest or error.
    var bodyLimit = 4 << 20

    init(_ method: Method = .GET, _ url: String, headers: [String: String] = [:], body: Body = .none) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A response: the status, the headers of the final response (names lowercased; a repeated
/// header keeps its first value), and its body when it was not streamed.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Where a successful (2xx) response's body goes as it arrives, with the response's status and
/// headers (lowercased names), on the transfer's thread, one call at a time. A throw aborts the
/// transfer and is what `perform` throws. Other statuses' bodies (error documents) are kept in the
/// response instead, so they never reach a blob file.
typealias HTTPBodySink = @Sendable (_ status: Int, _ headers: [String: String], _ bytes: UnsafeRawBufferPointer) throws -> Void

/// The TLS settings of one registry, from its `certs.d` directory; they apply to that host only
/// (a redirect to a storage service, a token realm elsewhere use the system's CAs and no client
/// certificate, as docker's per-host directories mean).
struct TLSSettings: Sendable {
    /// The registry's `URLOrigin` (`https://host:port`, the default port included).
    var origin: String
    /// PEM certificates trusted besides the system's.
    var extraCAs: [UInt8] = []
    var clientCertificate: String?
    var clientKey: String?
}

/// Why a request got no response. The registry client decides what to retry from the case.
enum TransportError: Error, Sendable {
    /// The name does not resolve: reported at once, a retry would not heal it.
    case unknownHost(String)
    /// The TLS handshake or the peer's certificate failed: not retried either.
    case tls(String)
    /// Refused, reset, timed out. `bodyStarted`: part of the body already reached the sink, so
    /// sending the request again would append to it.
    case connection(String, bodyStarted: Bool)
    /// The response broke a limit of the request (`bodyLimit`) or a redirect rule.
    case refused(String)
}

/// The HTTP client the registry code speaks through: libcurl in berth-registry (`CurlTransport`).
/// Redirects of GET and HEAD are followed by the transport (at most `maxRedirects`), with the
/// request's `Authorization` header and the registry's client certificate sent only to the
/// request's own scheme, host and port.
protocol HTTPTransport: Sendable {
    func perform(_ request: HTTPRequest, into sink: HTTPBodySink?) async throws -> HTTPResponse
}

extension HTTPTransport {
    func perform(_ request: HTTPRequest) async throws -> HTTPResponse { try await perform(request, into: nil) }
}

/// The origin of a URL, `scheme://host:port` with the default port filled in, to decide whether
/// a redirect stays on the server that credentials were meant for.
enum URLOrigin {
    static func of(_ url: String) -> String? {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = c.host?.lowercased(), !host.isEmpty else { return nil }
        let port = c.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }
}
