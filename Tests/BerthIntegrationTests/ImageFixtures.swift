import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Real images made the way users make them, with Debian's `umoci` and `skopeo` from a busybox
/// rootfs (busybox-static), never with Berth's own writer:
///
/// - layer 1 (`umoci repack`): busybox, /etc, /data/keep/file (owned 1000:1000, mode 4750, hard
///   linked as /data/keep/hardlink), /data/gone.txt, /opq/old/file, /opq/a, a fifo, a char
///   device, a user xattr, a symlink;
/// - layer 2 (`umoci repack`): /data/gone.txt deleted (an OCI whiteout);
/// - layer 3 (GNU tar + `umoci raw add-layer`): /opq made opaque (`.wh..wh..opq`) with /opq/new;
/// - config (`umoci config`): Env, Cmd, WorkingDir, User, ExposedPorts, Labels.
///
/// Then `skopeo copy` writes it as an OCI archive and a docker-archive.
enum ImageFixtures {
    struct Set {
        let directory: String
        var ociLayout: String { directory + "/oci" }
        var ociArchive: String { directory + "/image.oci.tar" }
        var dockerArchive: String { directory + "/image.docker.tar" }
    }

    static let script = #"""
        set -eu
        W="$1"; cd "$W"
        umoci init --layout oci >/dev/null
        umoci new --image oci:img >/dev/null
        umoci unpack --image oci:img b1 >/dev/null
        R=b1/rootfs
        mkdir -p $R/bin $R/etc $R/tmp $R/root $R/proc $R/sys $R/dev $R/data/keep $R/opq/old
        chmod 1777 $R/tmp
        cp /bin/busybox $R/bin/busybox
        for a in $(/bin/busybox --list); do [ -e $R/bin/$a ] || ln -s busybox $R/bin/$a; done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000::/data:/bin/sh\n' > $R/etc/passwd
        printf 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\n' > $R/etc/group
        echo keep > $R/data/keep/file
        chown 1000:1000 $R/data/keep/file
        chmod 4750 $R/data/keep/file
        ln $R/data/keep/file $R/data/keep/hardlink
        ln -s keep/file $R/data/link
        echo gone > $R/data/gone.txt
        echo old > $R/opq/old/file
        echo a > $R/opq/a
        mkfifo $R/data/fifo
        mknod $R/data/null c 1 3
        python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.berth", b"kept")' $R/data/keep/file
        umoci repack --image oci:img b1 >/dev/null
        umoci unpack --image oci:img b2 >/dev/null
        rm b2/rootfs/data/gone.txt
        umoci repack --image oci:img b2 >/dev/null
        mkdir -p l3/opq
        : > l3/opq/.wh..wh..opq
        echo new > l3/opq/new
        tar --numeric-owner --owner=0 --group=0 -C l3 -cf layer3.tar opq
        umoci raw add-layer --image oci:img layer3.tar >/dev/null
        umoci config --image oci:img --config.env GREETING=hello --config.env PATH=/bin --config.cmd sh \
            --config.cmd -c --config.cmd 'echo default' --config.workingdir /data --config.user 0:0 \
            --config.exposedports 8080/tcp --config.label org.example=fixture >/dev/null
        umoci gc --layout oci
        skopeo copy --quiet oci:oci:img oci-archive:image.oci.tar:img
        skopeo copy --quiet oci:oci:img docker-archive:image.docker.tar:fixture/img:latest
        rm -rf b1 b2 l3 layer3.tar
        """#

    /// Builds the fixtures into a fresh directory (removed by `remove`).
    static func make(label: String) throws -> Set {
        let dir = "/var/tmp/berth-test-imgfix-\(label)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = shell(["/bin/sh", "-c", script, "sh", dir])
        guard r.status == 0 else {
            throw NSError(domain: "fixtures", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: "fixture script failed: \(r.output)"])
        }
        return Set(directory: dir)
    }

    static func remove(_ set: Set?) {
        if let set { try? FileManager.default.removeItem(atPath: set.directory) }
    }

    /// Runs a command, stdout and stderr together.
    @discardableResult
    static func shell(_ args: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
