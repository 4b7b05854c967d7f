import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Builds a small root filesystem from the host's statically linked busybox (Debian's
/// `busybox-static`): the image tests and the demo run in, with no registry needed.
public enum BusyboxRootfs {
    public static let defaultBinary = "/bin/busybox"

    /// Writes the tree into `directory` (which must not exist) and returns the image defaults.
    public static func build(at directory: String, busybox: String = defaultBinary) throws -> ImageConfig {
        guard access(busybox, X_OK) == 0 else {
            throw BerthError.invalidArgument("\(busybox) not found: install busybox-static (apt-get install busybox-static)")
        }
        let applets = try listApplets(busybox)
        guard mkdir(directory, 0o755) == 0 else { throw BerthError.errno("mkdir", directory) }
        for dir in ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "root", "var", "var/www",
                    "run", "home", "tmp"] {
            guard mkdir(directory + "/" + dir, dir == "tmp" ? 0o1777 : 0o755) == 0 || errno == EEXIST else {
                throw BerthError.errno("mkdir", directory + "/" + dir)
            }
        }
        chmod(directory + "/tmp", 0o1777)
        chmod(directory + "/root", 0o700)
        try copyFile(busybox, to: directory + "/bin/busybox")
        for applet in applets where applet != "bin/busybox" {
            let path = directory + "/" + applet
            if access(path, F_OK) == 0 { continue }
            guard symlink("/bin/busybox", path) == 0 else { throw BerthError.errno("symlink", path) }
        }
        try FileIO.writeAtomically(directory + "/etc/passwd", string: """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/bin/false
            www-data:x:33:33:www-data:/var/www:/bin/false
            nobody:x:65534:65534:nobody:/nonexistent:/bin/false

            """)
        try FileIO.writeAtomically(directory + "/etc/group", string: """
            root:x:0:
            daemon:x:1:
            tty:x:5:
            www-data:x:33:
            nogroup:x:65534:

            """)
        for file in ["/etc/passwd.tmp", "/etc/group.tmp"] { unlink(directory + file) }
        return ImageConfig(env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], cmd: ["sh"])
    }

    static func listApplets(_ busybox: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: busybox)
        process.arguments = ["--list-full"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let list = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty && !$0.contains("..") && !$0.hasPrefix("/") }
        guard !list.isEmpty else { throw BerthError.invalidArgument("\(busybox) --list-full printed no applets") }
        return list
    }

    private static func copyFile(_ src: String, to dst: String) throws {
        guard let bytes = FileIO.read(src) else { throw BerthError.errno("read", src) }
        let fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw BerthError.errno("create", dst) }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BerthError.errno("write", dst) }
            off += n
        }
        fchmod(fd, 0o755)
    }
}
