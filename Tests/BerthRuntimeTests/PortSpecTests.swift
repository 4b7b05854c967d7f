import BerthOS
import BerthRuntime
import XCTest

/// `-p` as docker reads it (`PortMapping.parse`).
final class PortSpecTests: XCTestCase {
    func mappings(_ text: String) throws -> [String] { try PortMapping.parse(text).map(\.description) }

    func testDockerForms() throws {
        XCTAssertEqual(try mappings("8080:80"), ["0.0.0.0:8080->80/tcp"], "every address by default, as docker")
        XCTAssertEqual(try mappings("127.0.0.1:8080:80/tcp"), ["127.0.0.1:8080->80/tcp"])
        XCTAssertEqual(try mappings("127.0.0.1::80"), ["127.0.0.1:0->80/tcp"], "0: ephemeral, chosen at create")
        XCTAssertEqual(try mappings("80"), ["0.0.0.0:0->80/tcp"])
        XCTAssertEqual(try mappings("8000-8002:80-82"), ["0.0.0.0:8000->80/tcp", "0.0.0.0:8001->81/tcp", "0.0.0.0:8002->82/tcp"])
        XCTAssertEqual(try mappings("80-81"), ["0.0.0.0:0->80/tcp", "0.0.0.0:0->81/tcp"])
        XCTAssertEqual(try PortMapping.parse(all: ["1:2", "3:4"]).count, 2)
        XCTAssertEqual(try mappings("127.0.0.1:5353:53/udp"), ["127.0.0.1:5353->53/udp"])
        XCTAssertEqual(try mappings("5000-5001:53-54/udp"), ["0.0.0.0:5000->53/udp", "0.0.0.0:5001->54/udp"])
        XCTAssertEqual(try PortMapping.exposed("53/udp").map(\.description), ["0.0.0.0:0->53/udp"])
        XCTAssertThrowsError(try PortMapping.exposed("1:53"))
    }

    func testHostileSpecs() {
        for spec in ["", ":", "0:80", "80:0", "65536:80", "-1:80", "80-:80", "a:b", "1:2:3:4", "80/sctp", "80/UDP", "80/", "80/udp ", "80/ udp", "80/udp/tcp",
                     "53/udp-54/tcp", "53-54/udp/tcp", "0/udp", "65536/udp", "1:0/udp", "127.0.0.1:70000:53/udp", "80/udp\u{1b}", "1-17", "1-3:1-2",
                     "300.0.0.1:80:80", "00000000000000000080:80"] {
            XCTAssertThrowsError(try PortMapping.parse(spec), spec)
        }
    }
}
