import AsyncHTTPClient
import BerthOS
import BerthRuntime
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Requests to one registry with its authentication: anonymous first; on a 401 the
/// `WWW-Authenticate` challenge decides — `Basic` sends the stored credentials, `Bearer` fetches a
/// token from the realm for the request's scope (cached per scope, fetched again on the next 401).
/// Retries with backoff on 429, 5xx and connection failures (not on TLS failures, which do not heal).
actor RegistryClient {
    let endpoint: RegistryEndpoint
    let credentials: (user: String, password: String)?
    private let http: HTTPClient
    /// The `Authorization` value per scope ("" for requests without one, e.g. `/v2/`).
    private var authorizations: [String: String] = [:]
    static let attempts = 4

    init(endpoint: RegistryEndpoint, credentials: (user: String, password: String)?) {
        self.endpoint = endpoint
        self.credentials = credentials
        var config = HTTPClient.Configuration(tlsConfiguration: endpoint.tls,
                                              timeout: .init(connect: .seconds(15), read: .seconds(120)))
        config.redirectConfiguration = .follow(max: 5, allowCycles: false)
        // A refused connection or a failed handshake is reported at once; `send` retries what may
        // heal (not TLS), instead of the pool retrying until the connect timeout.
        config.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    func shutdown() async { try? await http.shutdown() }

    /// `path` is below the registry's base URL (`/v2/…`) or an absolute URL (an upload location).
    func url(_ path: String) -> String {
        path.hasPrefix("http://") || path.hasPrefix("https://") ? path : endpoint.baseURL + path
    }

    /// Sends a request made by `make` (called again for each attempt, so a body can be re-read),
    /// authenticating for `scope`. Returns the response of the last attempt, whatever its status.
    func send(_ what: String, scope: String, _ make: @Sendable () throws -> HTTPClientRequest) async throws -> HTTPClientResponse {
        var challenged = false
        var attempt = 0
        while true {
            attempt += 1
            var request = try make()
            if let auth = authorizations[scope] ?? authorizations["*basic"] { request.headers.replaceOrAdd(name: "Authorization", value: auth) }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(600))
            } catch {
                if Self.isTLS(error) {
                    throw RegistryError.registry("\(what): TLS handshake with \(endpoint.registry) failed: \(Self.tlsReason(error))")
                }
                // An unknown host does not heal in seconds: reported at once.
                if attempt < Self.attempts && !String(describing: error).contains("UnknownHost") { try await backoff(attempt); continue }
                throw RegistryError.registry("\(what): cannot reach \(endpoint.registry): \(error)")
            }
            let status = response.status.code
            if status == 401 && !challenged {
                challenged = true
                let challenge = response.headers.first(name: "WWW-Authenticate") ?? ""
                _ = try? await response.body.collect(upTo: 1 << 20)
                try await authenticate(challenge, scope: scope, what: what)
                continue
            }
            if (status == 429 || status >= 500) && attempt < Self.attempts {
                _ = try? await response.body.collect(upTo: 1 << 20)
                try await backoff(attempt)
                continue
            }
            return response
        }
    }

    /// 0.5 s, 1 s, 2 s…: a registry that rate-limits or restarts gets time, a pull does not hang.
    private func backoff(_ attempt: Int) async throws {
        try await Task.sleep(nanoseconds: UInt64(250_000_000) << UInt64(min(attempt, 4)))
    }

    /// Reads a response's body (at most `limit` bytes); a failure status becomes the registry's
    /// one-line message.
    func body(_ response: HTTPClientResponse, what: String, limit: Int = 4 << 20) async throws -> [UInt8] {
        let buffer: ByteBuffer
        do { buffer = try await response.body.collect(upTo: limit) } catch {
            throw RegistryError.registry("\(what): the registry sent more than \(limit) bytes or broke off: \(error)")
        }
        return Array(buffer.readableBytesView)
    }

    /// Turns a failure status into an error naming the operation and the registry's reason.
    func check(_ response: HTTPClientResponse, what: String, expect: Set<UInt>) async throws {
        guard !expect.contains(response.status.code) else { return }
        let bytes = (try? await response.body.collect(upTo: 64 << 10)).map { Array($0.readableBytesView) } ?? []
        throw RegistryError.registry("\(what): \(RegistryError.describe(status: response.status.code, body: bytes))")
    }

    // MARK: - Authentication

    /// `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"` (RFC 7235 parameters).
    static func parseChallenge(_ header: String) -> (scheme: String, params: [String: String]) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let scheme = String(trimmed.prefix { $0 != " " }).lowercased()
        var params: [String: String] = [:]
        var rest = Substring(trimmed.dropFirst(scheme.count))
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let c = rest.first, c != "\"" {
                    if c == "\\" { rest = rest.dropFirst() }
                    if let d = rest.first { value.append(d); rest = rest.dropFirst() }
                }
                rest = rest.dropFirst()
            } else {
                value = String(rest.prefix { $0 != "," })
                rest = rest.dropFirst(value.count)
            }
            params[key] = value
        }
        return (scheme, params)
    }

    private var basic: String? {
        credentials.map { "Basic " + Data("\($0.user):\($0.password)".utf8).base64EncodedString() }
    }

    private func authenticate(_ header: String, scope: String, what: String) async throws {
        let (scheme, params) = Self.parseChallenge(header)
        switch scheme {
        case "basic":
            guard let basic else { throw RegistryError.registry("\(what): unauthorized: authentication required (berth login \(endpoint.registry))") }
            authorizations["*basic"] = basic
        case "bearer":
            guard let realm = params["realm"], var components = URLComponents(string: realm),
                  components.scheme == "https" || components.scheme == "http" else {
                throw RegistryError.registry("\(what): the registry's token realm is not an http(s) URL")
            }
            var query = components.queryItems ?? []
            if let service = params["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            if !scope.isEmpty { query.append(URLQueryItem(name: "scope", value: scope)) }
            components.queryItems = query.isEmpty ? nil : query
            guard let tokenURL = components.string else { throw RegistryError.registry("\(what): invalid token realm") }
            var request = HTTPClientRequest(url: tokenURL)
            if let basic { request.headers.add(name: "Authorization", value: basic) }
            let response: HTTPClientResponse
            do { response = try await http.execute(request, timeout: .seconds(60)) } catch {
                throw RegistryError.registry("\(what): cannot reach the token service: \(Self.isTLS(error) ? Self.tlsReason(error) : "\(error)")")
            }
            if response.status.code == 401 || response.status.code == 403 {
                throw RegistryError.registry("\(what): unauthorized: the token service refused the credentials")
            }
            try await check(response, what: "\(what): token", expect: [200])
            struct Token: Decodable { var token: String?; var access_token: String? }
            let bytes = try await body(response, what: "\(what): token", limit: 1 << 20)
            guard let parsed = try? JSONDecoder().decode(Token.self, from: Data(bytes)),
                  let token = parsed.token ?? parsed.access_token, !token.isEmpty,
                  token.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
                throw RegistryError.registry("\(what): the token service sent no usable token")
            }
            authorizations[scope] = "Bearer " + token
        default:
            throw RegistryError.registry("\(what): unauthorized: authentication required")
        }
    }

    // MARK: - Errors

    static func isTLS(_ error: Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || String(describing: error).contains("handshakeFailed")
    }

    static func tlsReason(_ error: Error) -> String {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return "certificate signed by an unknown authority (see docs/registries.md, certs.d)" }
        return text
    }
}
