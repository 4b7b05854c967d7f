import BerthOS
@testable import BerthRuntime
import XCTest

/// IPv6 addresses and subnets as `network create --ipv6` reads them, and its flags read as
/// docker reads them (`NetworkSubnetRequest`): pure values, no host needed.
final class IPv6SubnetTests: XCTestCase {
    func testAddressesParseAndPrintInTheirOneRFC5952Form() throws {
        let cases: [(String, String)] = [
            ("fd00:0:0:0:0:0:0:1", "fd00::1"), ("FD00::1", "fd00::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("::", "::"), ("::1", "::1"), ("fd62:6572:7468:0001::", "fd62:6572:7468:1::"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("fd00:0:0:1::0", "fd00:0:0:1::"),
        ]
        for (text, canonical) in cases {
            let a = try XCTUnwrap(IPv6Address(text), text)
            XCTAssertEqual(a.description, canonical, text)
            XCTAssertEqual(IPv6Address(canonical), a, "the printed form reads back: \(canonical)")
        }
        for bad in ["", ":", ":::", "fd00::1::2", "fd00:1:2:3:4:5:6:7:8", "fd00:12345::", "g::1", "fd00::1%eth0",
                    "::ffff:10.0.0.1", "fd00::1/64", " fd00::1", "fd00::1\n", "1:2:3:4:5:6:7", "１::"] {
            XCTAssertNil(IPv6Address(bad), bad.debugDescription)
        }
    }

    func testSubnetsAreUniqueLocalOrGlobalBetween48And120() throws {
        let s = try IPv6Subnet(parsing: "fd00:1:2:3:ffff::/64")
        XCTAssertEqual(s.description, "fd00:1:2:3::/64", "host bits are cleared")
        XCTAssertEqual(s.gateway.description, "fd00:1:2:3::1")
        XCTAssertEqual(s.last.description, "fd00:1:2:3:ffff:ffff:ffff:ffff")
        XCTAssertTrue(s.contains(IPv6Address("fd00:1:2:3::abcd")!))
        XCTAssertFalse(s.contains(IPv6Address("fd00:1:2:4::1")!))
        XCTAssertTrue(s.overlaps(try IPv6Subnet(parsing: "fd00:1:2::/48")))
        XCTAssertFalse(s.overlaps(try IPv6Subnet(parsing: "fd00:1::/48")))
        XCTAssertFalse(s.overlaps(try IPv6Subnet(parsing: "fd00:1:2:4::/64")))
        XCTAssertEqual(try IPv6Subnet(parsing: "2001:db8:1::/120").last.description, "2001:db8:1::ff")
        for (bad, why) in [("fd00::/47", "between 48 and 120"), ("fd00::/121", "between 48 and 120"), ("fd00::/064", "expected"),
                           ("fe80::/64", "unique-local"), ("ff02::/64", "unique-local"), ("::1/128", "between"),
                           ("::/64", "unique-local"), ("fd00::", "expected"), ("fd00::/64/1", "expected"),
                           ("fd00::\u{1b}[31m/64", "expected")] {
            XCTAssertThrowsError(try IPv6Subnet(parsing: bad), bad.debugDescription) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(why), message)
                XCTAssertFalse(message.contains("\u{1b}"), "control characters are escaped: \(message)")
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }

    func testTheFlagsAreReadAsDockerReadsThem() throws {
        let dual = try NetworkSubnetRequest.parse(subnets: ["10.9.0.0/24", "fd00:9::/64"], gateways: ["fd00:9::fe", "10.9.0.254"], ipv6: true)
        XCTAssertEqual(dual.subnet?.description, "10.9.0.0/24")
        XCTAssertEqual(dual.gateway?.description, "10.9.0.254")
        XCTAssertEqual(dual.subnet6?.description, "fd00:9::/64")
        XCTAssertEqual(dual.gateway6?.description, "fd00:9::fe")
        let pooled = try NetworkSubnetRequest.parse(subnets: [], gateways: [], ipv6: true)
        XCTAssertEqual(pooled, NetworkSubnetRequest(ipv6: true), "--ipv6 alone: both subnets are chosen")
        let refused: [([String], [String], Bool, String)] = [
            (["fd00:9::/64"], [], false, "add --ipv6"),
            (["fd00:9::/64", "fd00:a::/64"], [], true, "twice for IPv6"),
            (["10.9.0.0/24", "10.9.1.0/24"], [], true, "twice for IPv4"),
            (["fd00:9::/64"], ["fd00:a::1"], true, "not a host address"),
            (["fd00:9::/64"], ["fd00:9::"], true, "not a host address"),
            ([], ["fd00:9::1"], true, "needs an IPv6 --subnet"),
            (["10.9.0.0/24"], ["fd00:9::1"], true, "needs an IPv6 --subnet"),
            (["fd00:9::/64"], ["fd00:9::zz"], true, "expected an IPv6 address"),
            (["fd00:9::/64"], ["fd00:9::1", "fd00:9::2"], true, "twice for IPv6"),
            (["fd00:9::/64\u{7}"], [], true, "\\x07"),
        ]
        for (subnets, gateways, ipv6, why) in refused {
            XCTAssertThrowsError(try NetworkSubnetRequest.parse(subnets: subnets, gateways: gateways, ipv6: ipv6), "\(subnets) \(gateways)") { error in
                XCTAssertTrue("\(error)".contains(why), "\(subnets) \(gateways): \(error)")
            }
        }
    }

    func testThePoolIsUniqueLocalAndItsCandidatesAreDistinct64s() {
        XCTAssertTrue(BridgeNetwork.ipv6Pool.network.isUniqueLocal)
        let candidates = Array(BridgeNetwork.subnet6Candidates(root: "/var/lib/berth", network: "web").prefix(300))
        XCTAssertEqual(Set(candidates).count, 300)
        XCTAssertTrue(candidates.allSatisfy { $0.prefix == 64 && BridgeNetwork.ipv6Pool.contains($0.network) })
        XCTAssertNotEqual(candidates.first, BridgeNetwork.subnet6Candidates(root: "/var/lib/berth", network: "db").first,
                          "the start depends on the name, so two networks seldom try the same /64 first")
    }

    func testADefinitionWrittenBeforeIPv6ReadsAsIPv4Only() throws {
        let old = #"{"name":"a","bridge":"berth12345678","subnet":"10.215.3.0/24"}"#
        let net = try JSONDecoder().decode(BridgeNetwork.self, from: Data(old.utf8))
        XCTAssertFalse(net.enableIPv6)
        XCTAssertNil(net.gateway6)
        let v6 = #"{"name":"a","bridge":"berth12345678","subnet":"10.215.3.0/24","subnet6":"fd62:6572:7468:7::/64"}"#
        let dual = try JSONDecoder().decode(BridgeNetwork.self, from: Data(v6.utf8))
        XCTAssertEqual(dual.gateway6?.description, "fd62:6572:7468:7::1")
        XCTAssertEqual(net.subnetsText, "10.215.3.0/24")
        XCTAssertEqual(dual.subnetsText, "10.215.3.0/24,fd62:6572:7468:7::/64", "network ls and the dashboard show both")
        XCTAssertEqual(dual.gatewaysText, "10.215.3.1,fd62:6572:7468:7::1")
        let hostile = #"{"name":"a","bridge":"berth12345678","subnet":"10.215.3.0/24","subnet6":"fe80::/64"}"#
        XCTAssertThrowsError(try JSONDecoder().decode(BridgeNetwork.self, from: Data(hostile.utf8)), "a definition's subnet passes the same checks")
    }
}
