import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One blob as it streams in: written to a partial file and hashed chunk by chunk (on the
/// transfer's thread), refused as soon as it grows past the size its descriptor gives, and renamed
/// to its final name by `finish` only when its digest and size match.
///
/// A layer's partial file is the store's, keyed by digest (`ImageStore.partialBlobPath`) and
/// flocked while written, so a pull killed mid-layer leaves it behind: the next pull re-hashes the
/// bytes kept, asks for the rest (`rangeStart`, an HTTP `Range: bytes=N-`), and appends what a
/// `206` brings; a `200` (the registry ignored the range) starts the file again. Content that fails
/// verification is removed; a broken connection or a kill keeps it. Without a kept file (the
/// config, or another pull holding the lock) the partial file is private and removed on failure.
final class BlobReceiver: @unchecked Sendable {
    let digest: Digest
    let size: Int64
    private let what: String
    private let partial: String
    private let final: String
    private let resumable: Bool
    private var fd: Int32 = -1
    private var hasher = SHA256Hasher()
    private(set) var received: Int64 = 0
    /// Bytes already there when the download started (0: from the beginning).
    private(set) var rangeStart: Int64 = 0
    private var started = false
    /// Also kept in memory (the config), at most this many bytes.
    private let keepLimit: Int?
    private var kept: [UInt8] = []
    private var finished = false
    /// Told the byte count after each chunk (the progress bar).
    var onProgress: (@Sendable (Int64) -> Void)?

    /// `kept`: the store's partial file for this digest (resumable), or nil; `scratch`: the private
    /// partial file used otherwise.
    init(digest: Digest, size: Int64, kept keptPath: String?, scratch: String, final: String, keep: Int?, what: String) throws {
        self.digest = digest
        self.size = size
        self.what = what
        self.final = final
        keepLimit = keep
        if let keptPath, let locked = Self.openLocked(keptPath) {
            fd = locked
            partial = keptPath
            resumable = true
            try rehashKeptBytes()
        } else {
            partial = scratch
            resumable = false
            fd = open(scratch, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw BerthError.errno("create", scratch) }
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !finished && !resumable { unlink(partial) }
    }

    /// The kept file, opened without following a link and flocked; nil when another pull holds
    /// it (or it cannot be made), so this one downloads privately. The lock is taken on the file
    /// the path still names (a prune may have removed the one opened).
    private static func openLocked(_ path: String) -> Int32? {
        for _ in 0..<3 {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { return nil }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return nil }
            var a = stat(), b = stat()
            if fstat(fd, &a) == 0, stat(path, &b) == 0, a.st_ino == b.st_ino, a.st_dev == b.st_dev, a.st_mode & S_IFMT == S_IFREG {
                return fd
            }
            close(fd)
        }
        return nil
    }

    /// Hashes the bytes a killed pull left; more than the blob's size is garbage, dropped.
    private func rehashKeptBytes() throws {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BerthError.errno("fstat", partial) }
        guard st.st_size > 0, Int64(st.st_size) < size else { try restart(); return }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < Int64(st.st_size) {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { try restart(); return }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            offset += Int64(n)
        }
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw BerthError.errno("lseek", partial) }
        received = offset
        rangeStart = offset
    }

    /// Empties the file and the hash: the download starts from byte 0.
    func restart() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw BerthError.errno("truncate", partial) }
        hasher = SHA256Hasher()
        received = 0
        rangeStart = 0
        started = false
        kept = []
    }

    /// A chunk of a 2xx response. The first decides: a `206` must continue at `rangeStart`, a
    /// `200` is the whole blob again.
    func append(status: Int, headers: [String: String], _ bytes: UnsafeRawBufferPointer) throws {
        if !started {
            started = true
            if rangeStart > 0 && status == 206 {
                let expected = "bytes \(rangeStart)-"
                guard let range = headers["content-range"], range.hasPrefix(expected) else {
                    throw RegistryError.registry("\(what): blob \(digest): the registry resumed at \((headers["content-range"] ?? "no range").quoted), not \(expected)")
                }
            } else if rangeStart > 0 {
                try restart()
                started = true
            }
        }
        received += Int64(bytes.count)
        guard received <= size else {
            discard()
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

    /// Content known to be wrong is not kept for a resume (the lock is still held: no other
    /// pull is writing it).
    private func discard() {
        if resumable { unlink(partial) }
    }

    /// Verifies and renames into place; returns the kept bytes.
    func finish() throws -> [UInt8] {
        let got = hasher.finish()
        guard got == digest else {
            discard()
            throw RegistryError.registry("\(what): blob \(digest) failed verification: its content is \(got); nothing was stored")
        }
        guard received == size else {
            throw RegistryError.registry("\(what): blob \(digest) is \(received) bytes, its descriptor says \(size)")
        }
        // No fsync: the file lives only until the import reads it, survives a kill in the page
        // cache, and whatever a power loss left is verified against its digest again. (An fsync
        // per blob cost more system time than the rest of the pull.)
        guard rename(partial, final) == 0 else { throw BerthError.errno("rename", final) }
        close(fd)
        fd = -1
        finished = true
        return kept
    }
}
