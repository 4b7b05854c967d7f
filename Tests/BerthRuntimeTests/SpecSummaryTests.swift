import BerthOCI
import BerthOS
import Foundation
import XCTest

@testable import BerthRuntime

/// `SpecSummary` reads config.json with a skim instead of `JSONDecoder`; these compare what it reads
/// with what `JSONDecoder` reads from the same bytes, for specs as Berth writes them and for the
/// strings a user or an image can put in them.
final class SpecSummaryTests: XCTestCase {
    /// Strings with every kind of escape JSONEncoder writes: quotes, backslashes, slashes, control
    /// characters, non-ASCII, astral code points (surrogate pairs in `\u` form elsewhere).
    static let awkward = [
        "", "plain", "sh -c 'echo \"$HOME\"'", "back\\slash", "/usr/bin/env", "tab\there\nnewline\r",
        "\u{1B}[31mred\u{1B}[0m", "\u{0}nul", "naïve café", "日本語", "🐳 whale", "\u{7F}del", "a\u{2028}b",
    ]

    static func spec(args: [String], hostname: String, terminal: Bool?, resources: OCI.Resources?,
                     annotations: [String: String]?) -> OCI.Spec {
        var spec = OCI.Spec(process: OCI.Process(terminal: terminal, args: args, env: ["PATH=/bin", "X=\(hostname)"], cwd: "/"),
                            root: OCI.Root(path: "/var/lib/x/rootfs"), hostname: hostname,
                            mounts: [OCI.Mount(destination: "/proc", type: "proc", source: "proc")],
                            linux: OCI.Linux(namespaces: [OCI.Namespace(type: .pid)], resources: resources),
                            annotations: annotations)
        spec.linux?.maskedPaths = ["/proc/kcore", "/proc/keys"]
        return spec
    }

    static let resourceCases: [OCI.Resources?] = [
        nil, OCI.Resources(),
        OCI.Resources(memory: OCI.MemoryResources(limit: 67_108_864, swap: -1)),
        OCI.Resources(memory: OCI.MemoryResources(limit: 1 << 40, reservation: 1 << 20),
                      cpu: OCI.CPUResources(shares: 512, quota: 150_000, period: 100_000, cpus: "0-1", mems: "0"),
                      pids: OCI.PidsResources(limit: 64)),
    ]

    func testTheSummaryReadsWhatJSONDecoderReads() throws {
        var cases = 0
        for (i, resources) in Self.resourceCases.enumerated() {
            for (j, s) in Self.awkward.enumerated() {
                let spec = Self.spec(args: [s, "--", s + s], hostname: s, terminal: [nil, true, false][j % 3],
                                     resources: resources, annotations: j % 2 == 0 ? nil : [s: s, "io.berth.k": "v\(i)"])
                for formatting in [JSONEncoder.OutputFormatting.sortedKeys, [.prettyPrinted], [.withoutEscapingSlashes]] {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = formatting
                    let bytes = Array(try encoder.encode(spec))
                    let full = try JSONDecoder().decode(OCI.Spec.self, from: Data(bytes))
                    let summary = try SpecSummary(json: bytes)
                    XCTAssertEqual(summary.process?.args, full.process?.args, "args of \(s.debugDescription)")
                    XCTAssertEqual(summary.process?.terminal, full.process?.terminal)
                    XCTAssertEqual(summary.hostname, full.hostname)
                    XCTAssertEqual(summary.linux?.resources, full.linux?.resources)
                    XCTAssertEqual(summary.annotations, full.annotations)
                    XCTAssertEqual(summary.limits, ResourceLimits(full.linux?.resources))
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, Self.resourceCases.count * Self.awkward.count * 3)
    }

    /// `\u` escapes as other writers (jq, python's json.dumps) produce them, surrogate pairs and
    /// lone surrogates included; JSONDecoder is the reference where it accepts the input.
    func testUnicodeEscapesDecodeAsJSONDecoderDecodesThem() throws {
        let json = #"{"hostname":"caf\u00e9 \ud83d\udc33 \u65e5","process":{"args":["\u0041\u005c\u0022"]}}"#
        let summary = try SpecSummary(json: Array(json.utf8))
        XCTAssertEqual(summary.hostname, "café 🐳 日")
        XCTAssertEqual(summary.process?.args, [#"A\""#])
        let full = try JSONDecoder().decode(OCI.Spec.self, from: Data(#"{"ociVersion":"1","hostname":"caf\u00e9 \ud83d\udc33 \u65e5"}"#.utf8))
        XCTAssertEqual(summary.hostname, full.hostname)
        let lone = try SpecSummary(json: Array(#"{"hostname":"a\ud800b\udc00c"}"#.utf8))
        XCTAssertEqual(lone.hostname, "a\u{FFFD}b\u{FFFD}c")
    }

    /// Every prefix of a real spec, and documents JSONDecoder refuses, either throw or read; none
    /// traps or loops. A wrong type for a field it reads is an error, as it was with JSONDecoder.
    func testTruncatedAndMalformedDocumentsAreRefusedWithoutTrapping() throws {
        let bytes = Array(try JSONEncoder().encode(Self.spec(args: ["sh", "-c", "x\"y"], hostname: "h", terminal: true,
                                                              resources: Self.resourceCases[3], annotations: ["a": "b"])))
        var refused = 0
        for n in 0..<bytes.count where (try? SpecSummary(json: Array(bytes[..<n]))) == nil { refused += 1 }
        XCTAssertEqual(refused, bytes.count, "a truncated document read as complete")
        for bad in [#"[]"#, #"{"hostname":1}"#, #"{"process":{"args":"sh"}}"#, #"{"process":{"terminal":"yes"}}"#,
                    #"{"hostname":"a",}"#, #"{"x":[1,2}"#, #"{"x":}"#, #"{"hostname":"\q"}"#, "{\"hostname\":\"a\u{1}\"}",
                    #"{"linux":{"resources":{"memory":{"limit":"lots"}}}}"#, #"{"annotations":{"a":1}}"#] {
            XCTAssertThrowsError(try SpecSummary(json: Array(bad.utf8)), bad)
        }
        let deep = "{\"mounts\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        XCTAssertThrowsError(try SpecSummary(json: Array(deep.utf8)), "nesting beyond maxDepth is refused")
        let nulls = try SpecSummary(json: Array(#"{"process":null,"hostname":null,"linux":{"resources":null},"annotations":{"a":null}}"#.utf8))
        XCTAssertEqual(nulls, SpecSummary(linux: SpecSummary.Linux(), annotations: [:]))
    }
}
