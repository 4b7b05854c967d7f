import BerthOS
import CCurl
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `HTTPTransport` over libcurl's easy interface. Each transfer runs `curl_easy_perform` on a
/// thread of its own (never on Swift's cooperative pool, which has one thread per core and would
/// stall behind a slow download), so concurrent downloads are as many as the caller starts (the
/// puller bounds them). Finished easy handles are kept and reused: `curl_easy_reset` keeps a
/// handle's live connections, so requests to the registry reuse their TCP and TLS sessions.
///
/// Redirects are not left to libcurl: `perform` follows those of GET and HEAD itself, so the rule
/// is in one visible place — the `Authorization` header and the client certificate go only to the
/// request's own origin (a blob redirected to a storage service gets neither: S3 refuses a signed
/// URL that also carries an `Authorization` header, and a token must not leak to another host),
/// and a redirect from HTTPS to plain HTTP is refused.
final class CurlTransport: HTTPTransport {
    static let maxRedirects = 5
    /// No byte for this long fails a transfer (a registry that stalls; large layers may take
    /// any time as long as bytes arrive).
    static let stallSeconds = 120
    static let connectSeconds = 15
    static let receiveBuffer = 256 << 10

    private let tls: TLSSettings?
    /// The system's CA bundle with the registry's `certs.d` CAs appended, built once.
    private let caBundle: [UInt8]?
    private let idle = Mutex<[EasyHandle]>([])

    /// `curl_global_init` once per process, before any handle (it is not thread-safe in every build).
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    init(tls: TLSSettings?) {
        _ = Self.globalInit
        self.tls = tls
        if let tls, !tls.extraCAs.isEmpty {
            caBundle = Self.systemCABundle() + [0x0A] + tls.extraCAs
        } else {
            caBundle = nil
        }
    }

    deinit {
        for h in idle.withLock({ $0 }) { curl_easy_cleanup(h.pointer) }
    }

    /// The CA file libcurl was built to use (Debian: `/etc/ssl/certs/ca-certificates.crt`), so the
    /// registry's own CAs add to the system's rather than replace them.
    private static func systemCABundle() -> [UInt8] {
        guard let h = curl_easy_init() else { return [] }
        defer { curl_easy_cleanup(h) }
        var path: UnsafeMutablePointer<CChar>?
        guard berth_curl_get_string(h, CURLINFO_CAINFO, &path) == CURLE_OK, let path,
              let data = FileManager.default.contents(atPath: String(cString: path)) else { return [] }
        return Array(data)
    }

    func perform(_ request: HTTPRequest, into sink: HTTPBodySink?) async throws -> HTTPResponse {
        var current = request
        let origin = URLOrigin.of(request.url)
        var hops = 0
        while true {
            let (response, location) = try await transfer(current, sink: sink)
            guard [301, 302, 303, 307, 308].contains(response.status), request.method == .GET || request.method == .HEAD,
                  let location else { return response }
            hops += 1
            guard hops <= Self.maxRedirects else { throw TransportError.refused("more than \(Self.maxRedirects) redirects") }
            guard let next = URLOrigin.of(location) else { throw TransportError.refused("a redirect to a URL that is not http(s)") }
            if current.url.lowercased().hasPrefix("https:") && next.hasPrefix("http:") {
                throw TransportError.refused("a redirect from HTTPS to plain HTTP")
            }
            current.url = location
            if next != origin {
                current.headers = current.headers.filter { $0.key.lowercased() != "authorization" }
            }
        }
    }

    /// One request, no redirect followed; returns the response and its `Location` resolved.
    private func transfer(_ request: HTTPRequest, sink: HTTPBodySink?) async throws -> (HTTPResponse, String?) {
        let transfer = Transfer(request: request, sink: sink)
        let handle = checkout()
        let useTLSSettings = tls != nil && URLOrigin.of(request.url) == tls?.origin
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(HTTPResponse, String?), Error>) in
                Thread.detachNewThread { [self] in
                    let result = Result { try self.run(handle, transfer, useTLSSettings: useTLSSettings) }
                    checkin(handle)
                    continuation.resume(with: result)
                }
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
        }
    }

    private func checkout() -> EasyHandle {
        if let h = idle.withLock({ $0.popLast() }) { return h }
        return EasyHandle(pointer: curl_easy_init())
    }

    private func checkin(_ handle: EasyHandle) {
        idle.withLock { $0.append(handle) }
    }

    /// On the transfer's own thread: set the handle up, perform, read the outcome.
    private func run(_ handle: EasyHandle, _ t: Transfer, useTLSSettings: Bool) throws -> (HTTPResponse, String?) {
        guard let h = handle.pointer else { throw TransportError.connection("libcurl could not make a handle", bodyStarted: false) }
        curl_easy_reset(h)
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let context = Unmanaged.passUnretained(t).toOpaque()
        let code: CURLcode = errorText.withUnsafeMutableBufferPointer { errorBuffer in
            var ok = true
            func set(_ r: CURLcode) { if r != CURLE_OK { ok = false } }
            set(berth_curl_set_string(h, CURLOPT_URL, t.request.url))
            set(berth_curl_set_string(h, CURLOPT_PROTOCOLS_STR, "http,https"))
            set(berth_curl_set_long(h, CURLOPT_NOSIGNAL, 1))
            set(berth_curl_set_long(h, CURLOPT_FOLLOWLOCATION, 0))
            set(berth_curl_set_long(h, CURLOPT_CONNECTTIMEOUT, Self.connectSeconds))
            set(berth_curl_set_long(h, CURLOPT_LOW_SPEED_LIMIT, 1))
            set(berth_curl_set_long(h, CURLOPT_LOW_SPEED_TIME, Self.stallSeconds))
            set(berth_curl_set_string(h, CURLOPT_USERAGENT, "berth"))
            // 256 KiB a callback rather than 16: fewer writes and hash updates per layer.
            set(berth_curl_set_long(h, CURLOPT_BUFFERSIZE, Self.receiveBuffer))
            set(berth_curl_set_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress))
            set(berth_curl_set_data_fn(h, CURLOPT_WRITEFUNCTION, curlWrite))
            set(berth_curl_set_pointer(h, CURLOPT_WRITEDATA, context))
            set(berth_curl_set_data_fn(h, CURLOPT_HEADERFUNCTION, curlHeader))
            set(berth_curl_set_pointer(h, CURLOPT_HEADERDATA, context))
            set(berth_curl_set_long(h, CURLOPT_NOPROGRESS, 0))
            set(berth_curl_set_progress_fn(h, curlProgress))
            set(berth_curl_set_pointer(h, CURLOPT_XFERINFODATA, context))
            // libcurl would add `Expect: 100-continue` to large uploads and wait for an answer.
            for line in t.request.headers.map({ "\($0.key): \($0.value)" }) + ["Expect:"] {
                headerList = curl_slist_append(headerList, line)
            }
            set(berth_curl_set_list(h, CURLOPT_HTTPHEADER, headerList))
            switch t.request.method {
            case .GET: break
            case .HEAD: set(berth_curl_set_long(h, CURLOPT_NOBODY, 1))
            default:
                // Every other method sends a body (possibly empty) through the read callback, so
                // `Content-Length` is always exact and a retried request re-reads its file.
                do { try t.openBody() } catch {
                    t.failure = error
                    ok = false
                }
                set(berth_curl_set_long(h, CURLOPT_UPLOAD, 1))
                set(berth_curl_set_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(t.uploadSize)))
                set(berth_curl_set_data_fn(h, CURLOPT_READFUNCTION, curlRead))
                set(berth_curl_set_pointer(h, CURLOPT_READDATA, context))
                set(berth_curl_set_seek_fn(h, curlSeek))
                set(berth_curl_set_pointer(h, CURLOPT_SEEKDATA, context))
                if t.request.method != .PUT { set(berth_curl_set_string(h, CURLOPT_CUSTOMREQUEST, t.request.method.rawValue)) }
            }
            if useTLSSettings, let tls {
                if let caBundle {
                    caBundle.withUnsafeBytes { raw in
                        var blob = curl_blob(data: UnsafeMutableRawPointer(mutating: raw.baseAddress), len: raw.count,
                                             flags: UInt32(CURL_BLOB_COPY))
                        set(berth_curl_set_blob(h, CURLOPT_CAINFO_BLOB, &blob))
                    }
                }
                if let cert = tls.clientCertificate, let key = tls.clientKey {
                    set(berth_curl_set_string(h, CURLOPT_SSLCERT, cert))
                    set(berth_curl_set_string(h, CURLOPT_SSLKEY, key))
                }
            }
            guard ok else { return CURLE_FAILED_INIT }
            return curl_easy_perform(h)
        }
        t.closeBody()
        if let failure = t.failure { throw failure }
        if code == CURLE_ABORTED_BY_CALLBACK && t.cancelled.load(ordering: .relaxed) { throw CancellationError() }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            switch code {
            case CURLE_COULDNT_RESOLVE_HOST: throw TransportError.unknownHost(message)
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
                 CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
                 CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED:
                throw TransportError.tls(message)
            default: throw TransportError.connection(message, bodyStarted: t.bodyStarted)
            }
        }
        var location: String?
        var redirect: UnsafeMutablePointer<CChar>?
        if berth_curl_get_string(h, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK, let redirect {
            location = String(cString: redirect)
        }
        return (HTTPResponse(status: t.status, headers: t.headers, body: t.body), location)
    }
}

/// An easy handle moved between the pool and a transfer's thread (used by one thread at a time).
private struct EasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer?
}

/// The state of one transfer, touched by libcurl's callbacks on the transfer's thread; only
/// `cancelled` is written from elsewhere.
private final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    let sink: HTTPBodySink?
    let cancelled = Atomic<Bool>(false)
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    var bodyStarted = false
    /// What a callback failed with (the sink's error, a limit): thrown instead of libcurl's code.
    var failure: Error?
    // The request body: a file descriptor or bytes, and the read position.
    var uploadFD: Int32 = -1
    var uploadBytes: [UInt8] = []
    var uploadSize: Int64 = 0
    /// Where the body starts in the file; `uploadOffset` counts from there.
    var uploadBase: Int64 = 0
    var uploadOffset: Int64 = 0

    init(request: HTTPRequest, sink: HTTPBodySink?) {
        self.request = request
        self.sink = sink
    }

    func openBody() throws {
        switch request.body {
        case .none: uploadSize = 0
        case .bytes(let b): uploadBytes = b; uploadSize = Int64(b.count)
        case .file(let path, let offset, let size):
            uploadFD = open(path, O_RDONLY | O_CLOEXEC)
            guard uploadFD >= 0 else { throw BerthError.errno("open", path) }
            uploadBase = offset
            uploadSize = size
        }
    }

    func closeBody() {
        if uploadFD >= 0 { close(uploadFD); uploadFD = -1 }
    }

    /// A header line; a status line starts the headers of a new response (an interim `100`, or
    /// the response after one).
    func header(_ raw: UnsafeRawBufferPointer) {
        let line = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers = [:]
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Body bytes: a 2xx body to the sink, any other kept (bounded) for the error message.
    func received(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let sink, (200..<300).contains(status) {
            bodyStarted = true
            do { try sink(status, headers, bytes) } catch { failure = error; return false }
            return true
        }
        guard body.count + bytes.count <= request.bodyLimit else {
            failure = TransportError.refused("the response is larger than \(request.bodyLimit) bytes")
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let want = Int(min(Int64(buffer.count), uploadSize - uploadOffset))
        guard want > 0 else { return 0 }
        if uploadFD >= 0 {
            while true {
                let n = pread(uploadFD, buffer.baseAddress, want, off_t(uploadBase + uploadOffset))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    failure = TransportError.refused("the file to upload ended early or could not be read")
                    return nil
                }
                uploadOffset += Int64(n)
                return n
            }
        }
        uploadBytes.withUnsafeBytes { raw in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[Int(uploadOffset)..<Int(uploadOffset) + want]))
        }
        uploadOffset += Int64(want)
        return want
    }
}

// libcurl's callbacks: C function pointers, so no captures; the transfer comes as the context.
private let curlWrite: berth_curl_data_fn = { data, size, count, context in
    let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return t.received(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
}

private let curlHeader: berth_curl_data_fn = { data, size, count, context in
    let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    t.header(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

private let curlRead: berth_curl_data_fn = { data, size, count, context in
    let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return t.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count)) ?? berth_curl_read_abort()
}

private let curlSeek: berth_curl_seek_fn = { context, offset, origin in
    let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    guard origin == SEEK_SET, offset >= 0, Int64(offset) <= t.uploadSize else { return Int32(CURL_SEEKFUNC_FAIL) }
    t.uploadOffset = Int64(offset)
    return Int32(CURL_SEEKFUNC_OK)
}

private let curlProgress: berth_curl_progress_fn = { context, _, _, _, _ in
    Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().cancelled.load(ordering: .relaxed) ? 1 : 0
}
