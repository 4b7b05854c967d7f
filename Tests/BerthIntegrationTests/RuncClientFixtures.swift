import BerthOS
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What the real-client tests of berth-runc (containerd, podman) share.
enum RuncClientFixtures {
    /// A one-layer busybox image named `name`, made by umoci and written by skopeo as
    /// `<directory>/image.tar` (an OCI archive), for `ctr image import` or `podman load`.
    static func makeImageArchive(in directory: String, name: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let script = """
            set -eu
            cd "$1"
            umoci init --layout oci >/dev/null
            umoci new --image oci:img >/dev/null
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/bin b/rootfs/tmp b/rootfs/proc b/rootfs/sys b/rootfs/dev
            cp /bin/busybox b/rootfs/bin/
            for a in $(/bin/busybox --list); do [ -e b/rootfs/bin/$a ] || ln -s busybox b/rootfs/bin/$a; done
            umoci repack --image oci:img b >/dev/null
            umoci config --image oci:img --config.env PATH=/bin --config.cmd sh >/dev/null
            skopeo copy --quiet oci:oci:img oci-archive:image.tar:\(name)
            rm -rf b oci
            """
        let r = Subprocess.run("/bin/sh", ["-c", script, "sh", directory])
        XCTAssertEqual(r.status, 0, r.both, file: file, line: line)
        return directory + "/image.tar"
    }

    /// Detaches every mount below `directory` (a client's snapshots or overlay layers), deepest first.
    static func unmountAll(under directory: String) {
        for m in (FileIO.readString("/proc/self/mountinfo") ?? "").split(separator: "\n").reversed() {
            let fields = m.split(separator: " ")
            if fields.count > 4, fields[4].hasPrefix(directory) { umount2(String(fields[4]), Int32(MNT_DETACH)) }
        }
    }
}
