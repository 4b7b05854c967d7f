import BerthOS
import CCrypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A content digest as OCI writes it: `sha256:<64 lowercase hex>`. Only sha256 is accepted, and
/// the hex is validated, so a digest can safely name a file (`blobs/sha256/<hex>`, `layers/<hex>`).
public struct Digest: Hashable, Sendable, CustomStringConvertible, Codable {
    public let hex: String

    public init(hex: String) throws {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw BerthError.invalidArgument("invalid sha256 digest \(hex.quoted)")
        }
        self.hex = hex
    }

    public init(parsing text: String) throws {
        guard text.hasPrefix("sha256:") else {
            throw BerthError.invalidArgument("unsupported digest \(text.quoted): only sha256 is supported")
        }
        try self.init(hex: String(text.dropFirst(7)))
    }

    public var description: String { "sha256:" + hex }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        try self.init(parsing: try c.decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func of(_ bytes: some Collection<UInt8>) -> Digest {
        let h = SHA256Hasher()
        Array(bytes).withUnsafeBytes { h.update($0) }
        return h.finish()
    }

    /// The digest of a whole file, read through `fd` from its current offset.
    static func of(fd: Int32, path: String) throws -> (Digest, UInt64) {
        let h = SHA256Hasher()
        var total: UInt64 = 0
        let size = 1 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = read(fd, buf, size)
            if n == 0 { break }
            if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("read", path) }
            h.update(UnsafeRawBufferPointer(start: buf, count: n))
            total += UInt64(n)
        }
        return (h.finish(), total)
    }
}

/// Streaming SHA-256 over OpenSSL's EVP interface (hardware-accelerated where the CPU allows).
public final class SHA256Hasher {
    private let ctx: OpaquePointer

    public init() {
        ctx = EVP_MD_CTX_new()
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
    }

    public func update(_ pointer: UnsafeRawPointer, count: Int) {
        if count > 0 { EVP_DigestUpdate(ctx, pointer, count) }
    }

    /// The digest of everything passed so far; call once.
    public func finish() -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        // swiftlint:disable:next force_try
        return try! Digest(hex: Hex.lowercase(out))
    }
}
