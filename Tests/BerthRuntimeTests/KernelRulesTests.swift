import BerthOS
import BerthRuntime
import XCTest

/// The nftables script of a root (`KernelRules`): one table of Berth's own, replaced whole.
final class KernelRulesTests: XCTestCase {
    let out = KernelRules.Network(bridge: "berthaaaa0001", subnet: try! IPv4Subnet(parsing: "10.215.1.0/24"), isInternal: false)
    let closed = KernelRules.Network(bridge: "berthaaaa0002", subnet: try! IPv4Subnet(parsing: "10.215.2.0/24"), isInternal: true)

    func testATableOfItsOwnReplacedInOneScript() {
        let rules = KernelRules(table: KernelRules.tableName(root: "/var/lib/berth"), networks: [out, closed], forwards: [])
        let lines = rules.script.split(separator: "\n").map(String.init)
        XCTAssertTrue(rules.table.hasPrefix("berth-") && rules.table.count == 14, rules.table)
        XCTAssertEqual(Array(lines.prefix(5)), ["add table ip \(rules.table)", "delete table ip \(rules.table)",
                                                "add table ip6 \(rules.table)", "delete table ip6 \(rules.table)",
                                                "table ip \(rules.table) {"])
        XCTAssertFalse(rules.script.contains("flush ruleset"), "never anything beyond Berth's table")
        XCTAssertEqual(rules.script.components(separatedBy: "table ip ").count - 1, 3, "only Berth's table is named")
        XCTAssertFalse(rules.script.contains("table ip6 \(rules.table) {"), "no IPv6 network: no ip6 table, and one left is deleted")
        XCTAssertNotEqual(KernelRules.tableName(root: "/a"), KernelRules.tableName(root: "/b"), "one table per root")
    }

    func testMasqueradeOnlyForNetworksWithOutboundAccess() {
        let s = KernelRules(table: "berth-x", networks: [out, closed], forwards: []).script
        XCTAssertTrue(s.contains("ip saddr 10.215.1.0/24 oifname != \"berthaaaa0001\" masquerade"), s)
        XCTAssertFalse(s.contains("ip saddr 10.215.2.0/24 oifname != \"berthaaaa0002\" masquerade"), s)
        XCTAssertTrue(s.contains("iifname \"berthaaaa0002\" oifname != \"berthaaaa0002\" drop"), "internal: nothing out")
        XCTAssertTrue(s.contains("iifname \"berthaaaa0001\" oifname \"berth*\" oifname != \"berthaaaa0001\" drop"), "isolation")
        XCTAssertTrue(KernelRules(table: "t", networks: [out], forwards: []).needsForwarding)
        XCTAssertFalse(KernelRules(table: "t", networks: [closed], forwards: []).needsForwarding)
    }

    func testDNATForClientsOutsideAndOnTheHostButNotLoopback() {
        let f = KernelRules.Forward(hostIP: IPv4Address(0), hostPort: 8080, address: IPv4Address("10.215.1.2")!, containerPort: 80)
        let g = KernelRules.Forward(hostIP: IPv4Address("192.0.2.1")!, hostPort: 8081, address: IPv4Address("10.215.1.3")!, containerPort: 81)
        let s = KernelRules(table: "t", networks: [out], forwards: [f, g]).script
        XCTAssertTrue(s.contains("fib daddr type local tcp dport 8080 dnat to 10.215.1.2:80"), s)
        XCTAssertTrue(s.contains("ip daddr 192.0.2.1 tcp dport 8081 dnat to 10.215.1.3:81"), s)
        XCTAssertTrue(s.contains("ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat to 10.215.1.2:80"), s)
    }

    func testUDPPortsAreDNATedAsUDP() {
        let f = KernelRules.Forward(proto: .udp, hostIP: IPv4Address(0), hostPort: 5353, address: IPv4Address("10.215.1.2")!, containerPort: 53)
        let s = KernelRules(table: "t", networks: [out], forwards: [f]).script
        XCTAssertTrue(s.contains("fib daddr type local udp dport 5353 dnat to 10.215.1.2:53"), s)
        XCTAssertTrue(s.contains("ip daddr != 127.0.0.0/8 fib daddr type local udp dport 5353 dnat to 10.215.1.2:53"), s)
        XCTAssertFalse(s.contains("tcp dport"), s)
    }

    func testNothingToHoldDeletesTheTable() {
        let rules = KernelRules(table: "berth-x", networks: [], forwards: [])
        XCTAssertTrue(rules.isEmpty)
        XCTAssertEqual(rules.script, "add table ip berth-x\ndelete table ip berth-x\nadd table ip6 berth-x\ndelete table ip6 berth-x\n")
    }

    // MARK: - IPv6

    let out6 = KernelRules.Network(bridge: "berthaaaa0003", subnet: try! IPv4Subnet(parsing: "10.215.3.0/24"), isInternal: false,
                                   subnet6: try! IPv6Subnet(parsing: "fd62:6572:7468:3::/64"))
    let closed6 = KernelRules.Network(bridge: "berthaaaa0004", subnet: try! IPv4Subnet(parsing: "10.215.4.0/24"), isInternal: true,
                                      subnet6: try! IPv6Subnet(parsing: "fd62:6572:7468:4::/64"))

    func testAnIPv6NetworkGetsAnIP6TableOfTheSameName() throws {
        let s = KernelRules(table: "berth-x", networks: [out, out6, closed6], forwards: []).script
        let ip6 = try XCTUnwrap(s.range(of: "table ip6 berth-x {").map { String(s[$0.lowerBound...]) }, s)
        XCTAssertTrue(ip6.contains("ip6 saddr fd62:6572:7468:3::/64 oifname != \"berthaaaa0003\" masquerade"), ip6)
        XCTAssertTrue(ip6.contains("ip6 saddr fd62:6572:7468:3::/64 oifname \"berthaaaa0003\" ct status dnat masquerade"), "hairpin")
        XCTAssertFalse(ip6.contains("fd62:6572:7468:4::/64"), "internal: no masquerade")
        XCTAssertFalse(ip6.contains("ip saddr"), "no IPv4 subnet in the ip6 table")
        XCTAssertTrue(ip6.contains("iifname \"berthaaaa0001\" oifname \"berth*\" oifname != \"berthaaaa0001\" drop"),
                      "isolation of every network holds for IPv6 too")
        XCTAssertTrue(ip6.contains("iifname \"berthaaaa0004\" oifname != \"berthaaaa0004\" drop"), "internal: nothing out")
        let ip4 = String(s[..<s.range(of: "table ip6 berth-x {")!.lowerBound])
        XCTAssertFalse(ip4.contains("ip6 saddr") || ip4.contains("fd62:"), "no IPv6 in the ip table: \(ip4)")
        XCTAssertTrue(KernelRules(table: "t", networks: [out6], forwards: []).needsForwarding6)
        XCTAssertFalse(KernelRules(table: "t", networks: [out, closed6], forwards: []).needsForwarding6)
    }

    func testPortsOnEveryAddressAreDNATedToTheIPv6AddressToo() {
        let all = KernelRules.Forward(hostIP: IPv4Address(0), hostPort: 8080, address: IPv4Address("10.215.3.2")!, containerPort: 80,
                                      address6: IPv6Address("fd62:6572:7468:3::2")!)
        let one = KernelRules.Forward(hostIP: IPv4Address("192.0.2.1")!, hostPort: 8081, address: IPv4Address("10.215.3.2")!,
                                      containerPort: 81, address6: IPv6Address("fd62:6572:7468:3::2")!)
        let s = KernelRules(table: "t", networks: [out6], forwards: [all, one]).script
        XCTAssertTrue(s.contains("    fib daddr type local tcp dport 8080 dnat to [fd62:6572:7468:3::2]:80\n"), s)
        XCTAssertTrue(s.contains("ip6 daddr != ::1 fib daddr type local tcp dport 8080 dnat to [fd62:6572:7468:3::2]:80"), s)
        XCTAssertFalse(s.contains("dport 8081 dnat to ["), "a port bound to an IPv4 address is no IPv6 one's")
    }
}
