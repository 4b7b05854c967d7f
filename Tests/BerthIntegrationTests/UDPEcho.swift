import Foundation
import XCTest
import BerthTestSupport

/// A UDP echo for containers (busybox has no UDP server), statically linked (the container has no
/// C library), built with the toolchain's clang into a directory of the caller's. `udpecho PORT`
/// answers each datagram with "echo:" and its text; `udpecho PORT peer` with "from:" and the
/// sender's address, so a test tells DNAT (the client's own address) from the proxy (the gateway's).
enum UDPEcho {
    static let source = """
        #include <arpa/inet.h>
        #include <netinet/in.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        int main(int argc, char **argv) {
            int fd = socket(AF_INET, SOCK_DGRAM, 0);
            if (argc < 2 || fd < 0) return 1;
            struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
            if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("bind"); return 1; }
            int peer_mode = argc > 2 && !strcmp(argv[2], "peer");
            for (;;) {
                char buf[2048] = "echo:";
                struct sockaddr_in peer;
                socklen_t len = sizeof peer;
                ssize_t n = recvfrom(fd, buf + 5, sizeof buf - 5, 0, (struct sockaddr *)&peer, &len);
                if (n < 0) continue;
                if (peer_mode) {
                    char a[INET_ADDRSTRLEN] = "";
                    inet_ntop(AF_INET, &peer.sin_addr, a, sizeof a);
                    n = snprintf(buf, sizeof buf, "from:%s", a) - 5;
                }
                sendto(fd, buf, (size_t)n + 5, 0, (struct sockaddr *)&peer, len);
            }
        }
        """

    /// Builds the echo into `directory`; its path. Skips (fails under CI) without clang.
    static func build(into directory: String) throws -> String {
        let clang = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? Prerequisite.find("clang")
        try Prerequisite.require(clang != nil, "clang is missing (the Swift toolchain ships it): the UDP echo cannot be built")
        try source.write(toFile: directory + "/udpecho.c", atomically: true, encoding: .utf8)
        let r = Subprocess.run(clang!, ["-static", "-O1", "-fuse-ld=lld", directory + "/udpecho.c", "-o", directory + "/udpecho"])
        guard r.status == 0 else { throw NSError(domain: "udpecho", code: 1, userInfo: [NSLocalizedDescriptionKey: "compiling the UDP echo: \(r.stderr)"]) }
        return directory + "/udpecho"
    }
}
