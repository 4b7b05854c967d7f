import BerthOS
import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// Reads a tar stream from a file in any compression libarchive knows (gzip, zstd, xz, bzip2,
/// lz4, none), through two chained libarchive readers:
///
///     file ──(count)──▶ raw reader + all filters ──(sha256)──▶ tar reader ──▶ entries
///
/// so that while the entries are extracted the digest of the *uncompressed* stream (an OCI
/// layer's DiffID) is computed in the same pass, without a second read of the data.
final class TarStream {
    let path: String
    private let fd: Int32
    private let raw: OpaquePointer
    /// The tar reader: pass it to `archive_read_next_header` and friends.
    let tar: OpaquePointer
    private let hasher = SHA256Hasher()
    /// When set, the digest of the file's bytes as stored (an OCI blob digest) is computed too.
    private let fileHasher: SHA256Hasher?
    private let buffer: UnsafeMutableRawPointer
    private static let bufferSize = 1 << 20
    /// Bytes read from the file (compressed) and produced by the decompressor (uncompressed).
    private(set) var compressedBytes: UInt64 = 0
    private(set) var uncompressedBytes: UInt64 = 0
    private var rawDone = false
    private var rawError: String?
    private var readError: Int32 = 0
    /// Called with the number of file bytes consumed since the previous call.
    var onRead: ((UInt64) -> Void)?

    /// Reads from `fd` (the caller keeps and closes it); `path` only names it in messages.
    init(path: String, fd: Int32, digestFile: Bool = false) throws {
        self.path = path
        self.fd = fd
        fileHasher = digestFile ? SHA256Hasher() : nil
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
        raw = archive_read_new()
        tar = archive_read_new()
        archive_read_support_filter_all(raw)
        archive_read_support_format_raw(raw)
        archive_read_support_format_tar(tar)
        let me = Unmanaged.passUnretained(self).toOpaque()
        let opened = archive_read_open(raw, me, nil, { _, client, out in
            let s = Unmanaged<TarStream>.fromOpaque(client!).takeUnretainedValue()
            while true {
                let n = read(s.fd, s.buffer, TarStream.bufferSize)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { s.readError = errno; return -1 }
                out?.pointee = UnsafeRawPointer(s.buffer)
                s.fileHasher?.update(s.buffer, count: n)
                s.compressedBytes += UInt64(n)
                s.onRead?(UInt64(n))
                return n
            }
        }, nil)
        guard opened == ARCHIVE_OK else {
            let msg = Self.message(raw)
            throw BerthError.invalidArgument("\(path): cannot read: \(msg)")
        }
        var entry: OpaquePointer?
        guard archive_read_next_header(raw, &entry) == ARCHIVE_OK else {
            let msg = Self.message(raw)
            throw BerthError.invalidArgument("\(path): cannot read: \(msg)")
        }
        let tarOpened = archive_read_open(tar, me, nil, { _, client, out in
            Unmanaged<TarStream>.fromOpaque(client!).takeUnretainedValue().nextDecompressed(out)
        }, nil)
        guard tarOpened == ARCHIVE_OK else {
            let msg = rawError ?? Self.message(tar)
            throw BerthError.invalidArgument("\(path): not a tar archive (\(msg))")
        }
    }

    private func nextDecompressed(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        if rawDone { return 0 }
        var block: UnsafeRawPointer?
        var size = 0
        var offset: Int64 = 0
        let r = archive_read_data_block(raw, &block, &size, &offset)
        if r == ARCHIVE_EOF { rawDone = true; return 0 }
        guard r == ARCHIVE_OK || r == ARCHIVE_WARN else {
            rawError = Self.message(raw)
            return -1
        }
        if let block, size > 0 { hasher.update(block, count: size) }
        uncompressedBytes += UInt64(size)
        out?.pointee = block
        return size
    }

    /// After the tar reader reached its end: reads the rest of the stream (padding after the
    /// end-of-archive blocks belongs to the digests too) and returns the uncompressed stream's
    /// digest and, when asked for, the file's.
    func finish() throws -> (uncompressed: Digest, file: Digest?) {
        var dummy: UnsafeRawPointer?
        while !rawDone {
            if nextDecompressed(&dummy) < 0 {
                throw BerthError.invalidArgument("\(path): truncated or corrupt archive: \(rawError ?? "read error")")
            }
        }
        if let fileHasher {
            // Bytes after the compressed stream's end still belong to the blob.
            while true {
                let n = read(fd, buffer, Self.bufferSize)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw BerthError.errno("read", path) }
                if n == 0 { break }
                fileHasher.update(buffer, count: n)
                compressedBytes += UInt64(n)
                onRead?(UInt64(n))
            }
        }
        return (hasher.finish(), fileHasher?.finish())
    }

    /// libarchive's message for the last failure of `a`, or the decompressor's or read(2)'s.
    func error(_ a: OpaquePointer) -> String {
        if readError != 0 { return String(cString: strerror(readError)) }
        if let e = rawError { return e }
        return Self.message(a)
    }

    static func message(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    // Also runs when init throws: every stored property is set before the first throw.
    deinit {
        archive_read_free(tar)
        archive_read_free(raw)
        buffer.deallocate()
    }
}
