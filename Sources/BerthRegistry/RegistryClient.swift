import BerthOS
import BerthRuntime
import Foundation

/// Requests to one registry with its authentication: anonymous first; on a 401 the
/// `WWW-Authenticate` challenge decides — `Basic` sends the stored credentials, `Bearer` fetches a
/// token from the realm for the request's scope (cached per scope, fetched again on the next 401).
/// Retries with backoff on 429, 5xx and connection failures (not on TLS failures, which do not heal).
actor RegistryClient {
    let endpoint: RegistryEndpoint
    let credentials: (user: String, password: String)?
    private let http: HTTPTransport
    /// The `Authorization` value per scope ("" for requests without one, e.g. `/v2/`).
    private var authorizations: [String: String] = [:]
    static let attempts = 4

    init(endpoint: RegistryEndpoint, credentials: (user: String, password: String)?, transport: HTTPTransport? = nil) {
        self.endpoint = endpoint
        self.credentials = credentials
        http = transport ?? CurlTransport(tls: endpoint.tls)
    }

    /// `path` is below the registry's base URL (`/v2/…`) or an absolute URL (an upload location).
    nonisolated func url(_ path: String) -> String {
        path.hasPrefix("http://") || path.hasPrefix("https://") ? path : endpoint.baseURL + path
    }

    /// Sends `request`, authenticating for `scope`, a 2xx body streamed to `sink` if given.
    /// Returns the response of the last attempt, whatever its status.
    func send(_ what: String, scope: String, _ request: HTTPRequest, into sink: HTTPBodySink? = nil) async throws -> HTTPResponse {
        var challenged = false
        var attempt = 0
        while true {
            attempt += 1
            var request = request
            if let auth = authorizations[scope] ?? authorizations["*basic"] { request.headers["Authorization"] = auth }
            let response: HTTPResponse
            do {
                response = try await http.perform(request, into: sink)
            } catch let error as TransportError {
                switch error {
                case .tls(let reason):
                    throw RegistryError.registry("\(what): TLS handshake with \(endpoint.registry) failed: \(Self.tlsReason(reason))")
                case .unknownHost(let reason):
                    // An unknown host does not heal in seconds: reported at once.
                    throw RegistryError.registry("\(what): cannot reach \(endpoint.registry): \(reason)")
                case .refused(let reason):
                    throw RegistryError.registry("\(what): \(reason)")
                case .connection(let reason, let bodyStarted):
                    if bodyStarted { throw RegistryError.registry("\(what): the download broke off: \(reason)") }
                    if attempt < Self.attempts { try await backoff(attempt); continue }
                    throw RegistryError.registry("\(what): cannot reach \(endpoint.registry): \(reason)")
                }
            }
            let status = response.status
            if status == 401 && !challenged {
                challenged = true
                try await authenticate(response.header("WWW-Authenticate") ?? "", scope: scope, what: what)
                continue
            }
            if (status == 429 || status >= 500) && attempt < Self.attempts {
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

    /// Turns a failure status into an error naming the operation and the registry's reason.
    nonisolated func check(_ response: HTTPResponse, what: String, expect: Set<Int>) throws {
        guard !expect.contains(response.status) else { return }
        throw RegistryError.registry("\(what): \(RegistryError.describe(status: response.status, body: Array(response.body.prefix(64 << 10))))")
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

    /// The stored password as HTTP basic credentials; nil for an identity token, which is never
    /// sent as a password.
    private var basic: String? {
        guard let credentials, credentials.user != RegistryCredentials.identityTokenUser else { return nil }
        return "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
    }

    /// `application/x-www-form-urlencoded`: every byte but the unreserved ones percent-encoded,
    /// so a `&`, `=` or `+` in a token cannot change the form's fields.
    static func formEncoded(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// The stored identity token (an OAuth2 refresh token), if the credentials are one.
    private var identityToken: String? {
        guard let credentials, credentials.user == RegistryCredentials.identityTokenUser else { return nil }
        return credentials.password
    }

    private func authenticate(_ header: String, scope: String, what: String) async throws {
        let (scheme, params) = Self.parseChallenge(header)
        switch scheme {
        case "basic":
            if identityToken != nil {
                throw RegistryError.registry("\(what): unauthorized: the stored credential is an identity token, which a registry asking for a password cannot use (berth login \(endpoint.registry))")
            }
            guard let basic else { throw RegistryError.registry("\(what): unauthorized: authentication required (berth login \(endpoint.registry))") }
            authorizations["*basic"] = basic
        case "bearer":
            guard let realm = params["realm"], var components = URLComponents(string: realm),
                  components.scheme == "https" || components.scheme == "http" else {
                throw RegistryError.registry("\(what): the registry's token realm is not an http(s) URL")
            }
            var request: HTTPRequest
            if let identityToken {
                // The distribution spec's OAuth2 flow: the refresh token POSTed as a form, one
                // space-separated `scope` parameter (docker's client does the same).
                guard let tokenURL = components.string else { throw RegistryError.registry("\(what): invalid token realm") }
                let fields = [("grant_type", "refresh_token"), ("refresh_token", identityToken), ("client_id", "berth")]
                    + (params["service"].map { [("service", $0)] } ?? []) + (scope.isEmpty ? [] : [("scope", scope)])
                let body = fields.map { Self.formEncoded($0.0) + "=" + Self.formEncoded($0.1) }.joined(separator: "&")
                request = HTTPRequest(.POST, tokenURL, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                      body: .bytes(Array(body.utf8)))
            } else {
                var query = components.queryItems ?? []
                if let service = params["service"] { query.append(URLQueryItem(name: "service", value: service)) }
                // Several scopes (a mount also reads its source repository) are several parameters.
                for one in scope.split(separator: " ") { query.append(URLQueryItem(name: "scope", value: String(one))) }
                components.queryItems = query.isEmpty ? nil : query
                guard let tokenURL = components.string else { throw RegistryError.registry("\(what): invalid token realm") }
                request = HTTPRequest(.GET, tokenURL)
                if let basic { request.headers["Authorization"] = basic }
            }
            request.bodyLimit = 1 << 20
            let response: HTTPResponse
            do { response = try await http.perform(request) } catch let error as TransportError {
                throw RegistryError.registry("\(what): cannot reach the token service: \(Self.describe(error))")
            }
            if response.status == 401 || response.status == 403 {
                throw RegistryError.registry("\(what): unauthorized: the token service refused the credentials")
            }
            try check(response, what: "\(what): token", expect: [200])
            struct Token: Decodable { var token: String?; var access_token: String? }
            guard let parsed = try? JSONDecoder().decode(Token.self, from: Data(response.body)),
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

    /// OpenSSL's words for a certificate no trusted CA signed, in docker's.
    static func tlsReason(_ reason: String) -> String {
        let unknownCA = ["unable to get local issuer certificate", "self-signed certificate", "self signed certificate"]
        if unknownCA.contains(where: reason.contains) { return "certificate signed by an unknown authority (see docs/registries.md, certs.d)" }
        return reason
    }

    static func describe(_ error: TransportError) -> String {
        switch error {
        case .tls(let reason): return "TLS: " + tlsReason(reason)
        case .unknownHost(let reason), .refused(let reason), .connection(let reason, _): return reason
        }
    }
}
