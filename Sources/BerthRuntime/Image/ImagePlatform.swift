import BerthOS
#if canImport(Glibc)
import Glibc
#endif

/// An image platform, `os/architecture[/variant]` as docker's `--platform` writes it, and the rule
/// that picks one manifest of an image index for it. Pull and import share this rule.
///
/// Architectures and variants are normalized as containerd does, so `linux/aarch64`,
/// `linux/arm64` and `linux/arm64/v8` name the same platform and an index entry without a variant
/// matches the architecture's default one.
public struct ImagePlatform: Sendable, Equatable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    /// Normalized: nil is the architecture's default (amd64: none, arm64: v8, arm: v7).
    public var variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os.lowercased()
        (self.architecture, self.variant) = Self.normalize(architecture.lowercased(), variant?.lowercased())
    }

    /// Parses `os/arch[/variant]` (each part a letter or digit, then `[a-z0-9_.-]`, at most 32
    /// bytes); a hostile string is refused, its control characters escaped by the quoting.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { $0.lowercased() }
        let alnum = Set("abcdefghijklmnopqrstuvwxyz0123456789")
        let allowed = alnum.union("_.-")
        guard (2...3).contains(parts.count), parts.allSatisfy({ part in
            part.utf8.count <= 32 && part.first.map(alnum.contains) == true && part.allSatisfy(allowed.contains)
        }) else {
            throw BerthError.invalidArgument("--platform: \(text.quoted) is not OS/ARCH[/VARIANT] (e.g. linux/amd64, linux/arm64/v8)")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// linux and the machine's architecture, as `uname` names it (x86_64 is amd64).
    public static var host: ImagePlatform {
        var u = utsname()
        uname(&u)
        let machine = withUnsafePointer(to: u.machine) { $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) } }
        return ImagePlatform(os: "linux", architecture: machine)
    }

    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    /// Whether an index entry's platform is this one (variants compared after normalizing).
    public func matches(_ p: OCIPlatform) -> Bool {
        ImagePlatform(os: p.os, architecture: p.architecture, variant: p.variant) == self
    }

    /// Whether an image config's `os`/`architecture`/`variant` is this platform (a config that
    /// omits them is taken as what it was pulled or imported for).
    public func matches(os: String?, architecture: String?, variant: String?) -> Bool {
        guard let architecture else { return true }
        return ImagePlatform(os: os ?? self.os, architecture: architecture, variant: variant) == self
    }

    /// containerd's normalization: machine names to GOARCH names; a variant equal to the
    /// architecture's default is dropped, so that "arm64" and "arm64/v8" compare equal.
    static func normalize(_ arch: String, _ variant: String?) -> (String, String?) {
        var arch = arch, variant = variant
        switch arch {
        case "x86_64", "x86-64", "amd64":
            arch = "amd64"
            if variant == "v1" { variant = nil }
        case "aarch64", "arm64":
            arch = "arm64"
            if variant == "v8" || variant == "8" { variant = nil }
        case "armhf", "armv7l", "armv7":
            (arch, variant) = ("arm", nil)
        case "armel", "armv6l":
            (arch, variant) = ("arm", "v6")
        case "arm":
            if let v = variant, !v.hasPrefix("v") { variant = "v" + v }
            if variant == "v7" { variant = nil }
        case "i386", "i686", "386":
            arch = "386"
        default: break
        }
        return (arch, variant)
    }
}
