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
        XCTAssertEqual(Array(lines.prefix(3)), ["add table ip \(rules.table)", "delete table ip \(rules.table)", "table ip \(rules.table) {"])
        XCTAssertFalse(rules.script.contains("flush ruleset"), "never anything beyond Berth's table")
        XCTAssertEqual(rules.script.components(separatedBy: "table ip ").count - 1, 3, "only Berth's table is named")
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
        XCTAssertEqual(rules.script, "add table ip berth-x\ndelete table ip berth-x\n")
    }
}
