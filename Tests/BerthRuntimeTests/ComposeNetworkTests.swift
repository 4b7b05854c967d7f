import XCTest
@testable import BerthOS
@testable import BerthRuntime

/// Compose's `networks:`: the project's default network, declared networks with `internal`,
/// `ipam`, `external` and `name`, a service's aliases and second networks, and the errors.
final class ComposeNetworkTests: XCTestCase {
    private func parse(_ yaml: String) throws -> ComposeProject {
        try ComposeParser.parse(yaml, options: ComposeParser.Options(projectName: "shop", environment: [:]))
    }

    private func error(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do { _ = try parse(yaml); XCTFail("expected an error", file: file, line: line); return "" } catch let e as BerthError {
            XCTAssertEqual(e.exitCode, 125, file: file, line: line)
            return e.description
        } catch { XCTFail("\(error)", file: file, line: line); return "" }
    }

    func testAServiceWithoutNetworksIsOnTheProjectsDefault() throws {
        let p = try parse("services:\n  web:\n    image: busybox\n")
        XCTAssertEqual(p.services[0].template.network, .bridge)
        XCTAssertEqual(p.services[0].template.networkName, "shop_default")
        XCTAssertEqual(p.networks, [ComposeNetwork(key: "default", name: "shop_default")])
    }

    func testNetworkModeKeepsItsMeaningAndMakesNoNetwork() throws {
        let p = try parse("services:\n  a:\n    image: busybox\n    network_mode: none\n  b:\n    image: busybox\n    network_mode: bridge\n")
        XCTAssertEqual(p.services.map(\.template.network), [.none, .bridge])
        XCTAssertEqual(p.services.map(\.template.networkName), [nil, nil], "network_mode: bridge is the root's default bridge")
        XCTAssertEqual(p.networks, [])
    }

    func testNetworkModeContainerJoinsThatContainer() throws {
        let p = try parse("services:\n  side:\n    image: busybox\n    network_mode: \"container:shop-web\"\n")
        XCTAssertEqual(p.services[0].template.network, .container)
        XCTAssertEqual(p.services[0].template.networkContainer, "shop-web")
        XCTAssertNil(p.services[0].template.networkName)
        XCTAssertEqual(p.networks, [], "it makes no network")
        // service:NAME: that service's first replica, and a dependency, so it starts first.
        let q = try parse("services:\n  side:\n    image: busybox\n    network_mode: \"service:web\"\n  web:\n    image: busybox\n")
        XCTAssertEqual(q.services.map(\.name), ["web", "side"])
        XCTAssertEqual(q.services[1].template.networkContainer, "web-1")
        XCTAssertEqual(q.services[1].dependsOn, ["web"])
    }

    func testDeclaredNetworksAliasesAndSecondNetworks() throws {
        let p = try parse("""
            services:
              api:
                image: busybox
                networks:
                  back:
                    aliases: [db-client, api.internal]
                    ipv4_address: 10.217.3.9
                  front:
              proxy:
                image: busybox
                networks: [front]
            networks:
              front:
                labels: {tier: edge}
              back:
                internal: true
                ipam:
                  config:
                    - subnet: 10.217.3.0/24
                      gateway: 10.217.3.254
              shared:
                external: true
            """)
        let api = try XCTUnwrap(p.services.first { $0.name == "api" })
        XCTAssertEqual(api.template.networkName, "shop_back")
        XCTAssertEqual(api.template.networkAliases, ["db-client", "api.internal"])
        XCTAssertEqual(api.template.ipAddress, "10.217.3.9")
        XCTAssertEqual(api.template.extraNetworks, [NetworkChoice(name: "shop_front")])
        XCTAssertEqual(p.services.first { $0.name == "proxy" }?.template.networkName, "shop_front")
        XCTAssertEqual(p.networks, [
            ComposeNetwork(key: "back", name: "shop_back", internal: true, subnet: "10.217.3.0/24", gateway: "10.217.3.254"),
            ComposeNetwork(key: "front", name: "shop_front", labels: ["tier": "edge"]),
        ], "only the networks a service is on")
        XCTAssertEqual(p.warnings, [])
    }

    func testAnIPv6NetworkWithBothSubnets() throws {
        let p = try parse("""
            services:
              api:
                image: busybox
                networks: [dual]
            networks:
              dual:
                enable_ipv6: true
                ipam:
                  config:
                    - subnet: fd00:db8:1::/64
                      gateway: fd00:db8:1::fe
                    - subnet: 10.217.4.0/24
            """)
        var expected = ComposeNetwork(key: "dual", name: "shop_dual", subnet: "10.217.4.0/24")
        expected.enableIPv6 = true
        expected.subnet6 = "fd00:db8:1::/64"
        expected.gateway6 = "fd00:db8:1::fe"
        XCTAssertEqual(p.networks, [expected])
        XCTAssertEqual(p.warnings, [])
        let cases: [(String, String)] = [
            ("services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: fd00:1::/64\n",
             "networks.n.ipam.config: an IPv6 subnet needs enable_ipv6: true"),
            ("services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64\n          gateway: 10.0.0.1\n",
             "networks.n.ipam.config[0].gateway: expected an IPv6 address (the subnet's family), not '10.0.0.1'"),
            ("services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64\n        - subnet: fd00:2::/64\n",
             "networks.n.ipam.config[1]: a second IPv6 subnet"),
            ("services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fe80::/64\n",
             "networks.n.ipam.config[0].subnet: invalid IPv6 subnet 'fe80::/64': not unique-local (fc00::/7) or global unicast (2000::/3)"),
        ]
        for (yaml, message) in cases { XCTAssertEqual(error(yaml), message, yaml) }
    }

    func testExternalAndNamedNetworks() throws {
        let p = try parse("""
            services:
              web:
                image: busybox
                networks: [outside, renamed]
            networks:
              outside:
                external: true
              renamed:
                name: custom-net
            """)
        XCTAssertEqual(p.networks.map(\.name), ["outside", "custom-net"], "by key")
        XCTAssertEqual(p.networks.map(\.external), [true, false])
    }

    func testInvalidNetworksNameTheKeyPath() {
        let cases: [(String, String)] = [
            ("services:\n  web:\n    image: busybox\n    networks: [nowhere]\n",
             "services.web.networks: network 'nowhere' is not declared in the top-level networks:"),
            ("services:\n  web:\n    image: busybox\n    network_mode: host\n    networks: [default]\n",
             "services.web.networks: conflicts with network_mode host"),
            ("services:\n  web:\n    image: busybox\nnetworks:\n  ../up:\n    internal: true\n",
             "networks.../up: invalid network name '../up': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
            ("services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    name: host\n",
             "networks.n: the network name 'host' is reserved"),
            ("services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    driver: overlay\n",
             "networks.n.driver: only the bridge driver exists"),
            ("services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: 10.0.0.0/99\n",
             "networks.n.ipam.config[0].subnet: invalid subnet '10.0.0.0/99': expected a.b.c.d/N with N between 8 and 30"),
            ("services:\n  web:\n    image: busybox\n    networks:\n      default:\n        aliases: [\"bad alias\"]\n",
             "services.web.networks.default.aliases: invalid alias 'bad alias'"),
            ("services:\n  web:\n    image: busybox\n    networks:\n      default:\n        ipv4_address: nope\n",
             "services.web.networks.default.ipv4_address: expected an IPv4 address, not 'nope'"),
            ("services:\n  web:\n    image: busybox\n    network_mode: \"service:web\"\n",
             "services.web.network_mode: a service cannot join its own network"),
            ("services:\n  web:\n    image: busybox\n    network_mode: \"service:../db\"\n",
             "services.web.network_mode: invalid service name '../db': expected letters, digits, '_' or '-', starting with a letter or digit, at most 63 characters"),
            ("services:\n  web:\n    image: busybox\n    network_mode: \"service:nowhere\"\n",
             "services.web.depends_on: unknown service 'nowhere'"),
            ("services:\n  web:\n    image: busybox\n    network_mode: \"container:../x\"\n",
             "services.web.network_mode: invalid network mode 'container:../x': invalid container name '../x': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
            ("services:\n  web:\n    image: busybox\n    network_mode: container\n",
             "services.web.network_mode: invalid network mode 'container': expected container:NAME or container:ID"),
            ("services:\n  web:\n    image: busybox\n    network_mode: \"container:db\"\n    networks: [default]\n",
             "services.web.networks: conflicts with network_mode container:db"),
        ]
        for (yaml, message) in cases { XCTAssertEqual(error(yaml), message, yaml) }
    }
}
