@testable import BerthRuntime
import BerthOS
import XCTest

/// What the engine gives the containers' DNS servers (`EmbeddedDNS`): the membership file format
/// `berth-shim/dns.c` reads, the resolvers taken from a resolv.conf, a container's resolv.conf.
final class EmbeddedDNSFileTests: XCTestCase {
    func testMembershipFileFormat() throws {
        let subnet = try IPv4Subnet(parsing: "10.88.0.0/16")
        let text = EmbeddedDNS.render(subnet: subnet, members: [
            .init(address: IPv4Address("10.88.0.2")!, id: "abc", names: ["web-1", "web"]),
            .init(address: IPv4Address("10.88.0.3")!, id: "def", names: ["bad name", ""]),
        ])
        XCTAssertEqual(text, "# berth network names: the running members, read by their DNS servers\nsubnet 10.88.0.0/16\n10.88.0.2 abc web-1 web\n",
                       "a name with whitespace never becomes a word of the file; a member without names is left out")
    }

    func testServersFromAResolvConf() {
        let host = "# comment\nnameserver 127.0.0.53\nnameserver\t10.0.0.1\nnameserver ::1\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp\n"
        XCTAssertEqual(EmbeddedDNS.servers(resolvConf: host).map(\.description), ["127.0.0.53", "10.0.0.1", "10.0.0.2"],
                       "IPv4, loopback kept (forwarded from the host's namespace), each once, at most three")
        XCTAssertEqual(EmbeddedDNS.servers(resolvConf: ""), [])
    }

    func testContainerResolvConfPointsAtItsOwnServer() {
        let host = "nameserver 10.0.0.1\nsearch corp\noptions edns0\n"
        XCTAssertEqual(EmbeddedDNS.containerResolvConf(host: host, search: [], options: []),
                       "nameserver 127.0.0.11\nsearch corp\noptions edns0\n")
        XCTAssertEqual(EmbeddedDNS.containerResolvConf(host: host, search: ["a.test"], options: ["ndots:2"]),
                       "nameserver 127.0.0.11\nsearch a.test\noptions ndots:2\n")
    }
}
