#if canImport(Glibc)
import Glibc
#endif

/// A device's major and minor numbers, from a `dev_t` or from a device node on the host.
public struct DeviceNumber: Equatable, Sendable {
    public var major: Int64
    public var minor: Int64

    public init(major: Int64, minor: Int64) {
        self.major = major; self.minor = minor
    }

    /// glibc's `gnu_dev_major`/`gnu_dev_minor` encoding of a `dev_t` (`st_rdev`).
    public init(rdev: UInt64) {
        major = Int64(((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~UInt64(0xfff)))
        minor = Int64((rdev & 0xff) | ((rdev >> 12) & ~UInt64(0xff)))
    }

    /// The block device node at `path` on the host, symlinks followed (`/dev/disk/by-id/…`). `what`
    /// names the flag or key in errors: a missing path gives stat's error, anything but a block
    /// device says so.
    public static func blockDevice(at path: String, what: String) throws(BerthError) -> DeviceNumber {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .errno("\(what): stat", path) }
        guard st.st_mode & S_IFMT == S_IFBLK else {
            throw .invalidArgument("\(what): \(path.quoted) is not a block device")
        }
        return DeviceNumber(rdev: UInt64(st.st_rdev))
    }
}
