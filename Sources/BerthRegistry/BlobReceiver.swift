import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One blob as it streams in: written to `<blobs>/.partial-<hex>` and hashed chunk by chunk (on
/// the transfer's thread), refused as soon as it grows past the size its descriptor gives, and
/// renamed to `<blobs>/<hex>` by `finish` only when its digest and size match. Until then the
/// partial file is removed when the receiver goes away.
final class BlobReceiver: @unchecked Sendable {
    let digest: Digest
    let size: Int64
    private let what: String
    private let partial: String
    private let final: String
    private var fd: Int32
    private let hasher = SHA256Hasher()
    private(set) var received: Int64 = 0
    /// Also kept in memory (the config), at most this many bytes.
    private let keepLimit: Int?
    private var kept: [UInt8] = []
    private var finished = false
    /// Told the byte count after each chunk (the progress bar).
    var onProgress: (@Sendable (Int64) -> Void)?

    init(digest: Digest, size: Int64, blobs: String, keep: Int?, what: String) throws {
        self.digest = digest
        self.size = size
        self.what = what
        keepLimit = keep
        partial = blobs + "/.partial-" + digest.hex
        final = blobs + "/" + digest.hex
        fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BerthError.errno("create", partial) }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !finished { unlink(partial) }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        received += Int64(bytes.count)
        guard received <= size else {
            throw RegistryError.registry("\(what): blob \(digest) is larger than the \(size) bytes its descriptor says")
        }
        if let keepLimit {
            guard kept.count + bytes.count <= keepLimit else { throw RegistryError.registry("\(what): blob \(digest) is too large") }
            kept.append(contentsOf: bytes)
        }
        hasher.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("write", partial) }
            offset += n
        }
        onProgress?(received)
    }

    /// Verifies and renames into place; returns the kept bytes.
    func finish() throws -> [UInt8] {
        let got = hasher.finish()
        guard got == digest else {
            throw RegistryError.registry("\(what): blob \(digest) failed verification: its content is \(got); nothing was stored")
        }
        guard received == size else {
            throw RegistryError.registry("\(what): blob \(digest) is \(received) bytes, its descriptor says \(size)")
        }
        guard fsync(fd) == 0 else { throw BerthError.errno("fsync", partial) }
        close(fd)
        fd = -1
        guard rename(partial, final) == 0 else { throw BerthError.errno("rename", final) }
        finished = true
        return kept
    }
}
