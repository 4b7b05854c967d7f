import BerthDashboard
import BerthRuntime
import XCTest

/// The demo's compose file: the embedded copy is the shipped file, and it parses cleanly.
final class DemoStackTests: XCTestCase {
    static var docsFile: String {
        // Tests/BerthDashboardTests/ThisFile.swift → the repository root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("docs/demo-compose.yaml").path
    }

    func testEmbeddedCopyIsTheShippedFile() throws {
        let shipped = try String(contentsOfFile: Self.docsFile, encoding: .utf8)
        XCTAssertEqual(DemoStack.composeYAML, shipped,
                       "docs/demo-compose.yaml and DemoStack.composeYAML differ: change both")
    }

    func testTheDemoStackParsesWithoutWarnings() throws {
        let p = try DemoStack.project()
        XCTAssertEqual(p.name, DemoStack.projectName)
        XCTAssertEqual(p.warnings, [])
        XCTAssertEqual(p.services.map(\.name), ["web", "worker", "burner"])
        XCTAssertEqual(p.services.map(\.replicas), [3, 2, 1])
        XCTAssertEqual(Set(p.services.map(\.template.image)), [DemoStack.image])
        XCTAssertTrue(p.services.allSatisfy { $0.template.restartPolicy == .always })
        XCTAssertTrue(p.services.allSatisfy { $0.template.network == ServiceSpec.defaultNetwork })
        // `$$` became `$` for the shell.
        let worker = try XCTUnwrap(p.services.first { $0.name == "worker" })
        XCTAssertTrue(worker.template.command.last?.contains("n=$((n + 1))") == true)
        XCTAssertTrue(worker.template.env.contains("TARGET=http://web/"))
    }

    func testTheNetworkCanBeOverridden() throws {
        let p = try DemoStack.project(network: NetworkMode.none, cgroupParent: "x")
        XCTAssertTrue(p.services.allSatisfy { $0.template.network == NetworkMode.none && $0.template.cgroupParent == "x" })
        XCTAssertEqual(try DemoStack.networkOverride(environment: ["BERTH_DEMO_NETWORK": "host"]), .host)
        XCTAssertNil(try DemoStack.networkOverride(environment: [:]))
        XCTAssertThrowsError(try DemoStack.networkOverride(environment: ["BERTH_DEMO_NETWORK": "wifi"]))
    }
}
