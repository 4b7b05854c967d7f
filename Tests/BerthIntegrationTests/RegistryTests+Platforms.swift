import Foundation
import XCTest

/// A multi-arch image index in the registry (`pull --platform`), and a push in Docker's schema 2
/// (`push --format v2s2`), against the class's `docker-registry` (docs/registries.md).
extension RegistryTests {
    /// Makes an OCI layout beside the fixture's with a tag `multi` naming an index of two
    /// manifests over the fixture's layers: linux/amd64 (the fixture's own config) and
    /// linux/arm64/v8 (the same config saying arm64). Prints the two manifest digests.
    static let multiArchScript = #"""
        import hashlib, json, os, shutil, sys
        src, dst = sys.argv[1], sys.argv[2]
        shutil.copytree(src, dst)
        blobs = os.path.join(dst, "blobs", "sha256")
        def read(d): return open(os.path.join(blobs, d.split(":")[1]), "rb").read()
        def put(b):
            h = hashlib.sha256(b).hexdigest()
            open(os.path.join(blobs, h), "wb").write(b)
            return "sha256:" + h
        top = json.load(open(os.path.join(dst, "index.json")))
        desc = [m for m in top["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "img"][0]
        manifest = json.loads(read(desc["digest"]))
        config = json.loads(read(manifest["config"]["digest"]))
        config["architecture"], config["variant"] = "arm64", "v8"
        arm_config = json.dumps(config).encode()
        manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": put(arm_config), "size": len(arm_config)}
        arm = json.dumps(manifest).encode()
        arm_digest = put(arm)
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
            {"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"],
             "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": desc["mediaType"], "digest": arm_digest, "size": len(arm),
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}]}
        ib = json.dumps(index).encode()
        top["manifests"].append({"mediaType": index["mediaType"], "digest": put(ib), "size": len(ib),
                                 "annotations": {"org.opencontainers.image.ref.name": "multi"}})
        json.dump(top, open(os.path.join(dst, "index.json"), "w"))
        print(desc["digest"], arm_digest)
        """#

    /// `image inspect -f` over docker's keys: (architecture, the manifest digest in RepoDigests).
    func platformOf(_ ref: String, file: StaticString = #filePath, line: UInt = #line) -> (String, String) {
        let r = cli.run(["image", "inspect", "-f", "{{.Architecture}} {{index .RepoDigests 0}}", ref])
        XCTAssertEqual(r.status, 0, r.both, file: file, line: line)
        let parts = r.stdout.trimmingCharacters(in: .newlines).split(separator: " ").map(String.init)
        guard parts.count == 2, let at = parts[1].firstIndex(of: "@") else { return ("none", r.stdout) }
        XCTAssertEqual(String(parts[1][..<at]), ref.components(separatedBy: ":v1")[0], "RepoDigests names the repository", file: file, line: line)
        return (parts[0], String(parts[1][parts[1].index(after: at)...]))
    }

    func testAMultiArchIndexGivesTheHostsImageOrThePlatformAsked() throws {
        let fx = try XCTUnwrap(Self.fixtures)
        let layout = "/var/tmp/berth-test-multiarch-\(getpid())"
        try? FileManager.default.removeItem(atPath: layout)
        let ref = "\(registry.address)/fixture/multi:v1"
        addTeardownBlock { [cli] in
            cli.run(["rmi", "-f", ref])
            try? FileManager.default.removeItem(atPath: layout)
        }
        let made = ImageFixtures.shell(["/usr/bin/python3", "-c", Self.multiArchScript, fx.ociLayout, layout])
        XCTAssertEqual(made.status, 0, made.output)
        let digests = made.output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(digests.count, 2, made.output)
        let (amd64, arm64) = (digests[0], digests[1])
        let copied = ImageFixtures.shell(["/usr/bin/skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false",
                                          "oci:\(layout):multi", "docker://\(ref)"])
        XCTAssertEqual(copied.status, 0, copied.output)
        XCTAssertEqual(try rawManifest(ref)["mediaType"] as? String, "application/vnd.oci.image.index.v1+json", "the registry holds an index")

        // Default: this machine's platform (the test host is x86-64).
        forget([ref])
        let host = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(host.status, 0, host.both)
        XCTAssertTrue(host.stdout.contains("Digest: \(amd64)"), host.stdout)
        XCTAssertEqual(platformOf(ref).0, "amd64")
        XCTAssertEqual(platformOf(ref).1, amd64)
        assertOneLine(cli.run(["image", "inspect", "-f", "{{.Architecture", ref]), status: 125, contains: "template")
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", ref, "cat", "/data/keep/file"]).stdout, "keep\n")

        // Another platform: its manifest, over the same layers (none fetched again). `aarch64`
        // and the default variant name the same platform as `arm64`.
        for spelling in ["linux/arm64", "linux/aarch64/v8"] {
            let arm = cli.run(["pull", "--platform", spelling, ref], timeout: 120)
            XCTAssertEqual(arm.status, 0, arm.both)
            XCTAssertTrue(arm.stdout.contains("Digest: \(arm64)"), "\(spelling): \(arm.stdout)")
            XCTAssertTrue(arm.stdout.contains("Already exists"), arm.stdout)
            XCTAssertFalse(arm.stdout.contains("Pull complete"), arm.stdout)
            XCTAssertEqual(platformOf(ref).0, "arm64", spelling)
            XCTAssertEqual(platformOf(ref).1, arm64, spelling)
        }

        // A platform the index lacks names what it has; a malformed one is a usage error; a
        // single-platform image asked for another platform says what it is.
        assertOneLine(cli.run(["pull", "--platform", "linux/s390x", ref], timeout: 60), status: 1,
                      contains: "no matching manifest for linux/s390x in the image index (it has: linux/amd64, linux/arm64)")
        assertOneLine(cli.run(["pull", "--platform", "linux/arm/v5", ref], timeout: 60), status: 1, contains: "linux/arm/v5")
        for bad in ["linux", "linux//amd64", "linux/amd64/v1/x", "linux/\u{1b}[31mred", "linux/" + String(repeating: "a", count: 40)] {
            assertOneLine(cli.run(["pull", "--platform", bad, ref]), status: 125, contains: "is not OS/ARCH[/VARIANT]")
        }
        let single = cli.run(["pull", "--platform", "linux/arm64", "\(registry.address)/fixture/img:v1"], timeout: 60)
        assertOneLine(single, status: 1, contains: "the image is linux/amd64, not the requested linux/arm64")
    }

    func testPushInDockersSchema2PullsBackWithTheSameDigest() throws {
        let base = "\(registry.address)/fixture/img:v1"
        let ref = "\(registry.address)/fixture/schema2:v1"
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", ref]) }
        if cli.run(["images", "-q", base]).stdout.isEmpty { XCTAssertEqual(cli.run(["pull", "-q", base], timeout: 120).status, 0) }
        XCTAssertEqual(cli.run(["tag", base, ref]).status, 0)

        // Refused before anything goes: Docker's schema has no zstd layer type; an unknown schema.
        assertOneLine(cli.run(["push", "--format", "v2s2", "--compression", "zstd", ref]), status: 125, contains: "no zstd layers")
        assertOneLine(cli.run(["push", "--format", "v2s1", ref]), status: 125, contains: "is not oci or v2s2")

        let push = cli.run(["push", "-q", "--format", "v2s2", ref], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        let pushed = push.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(skopeoDigest(ref), pushed)
        let manifest = try rawManifest(ref)
        XCTAssertEqual(manifest["mediaType"] as? String, "application/vnd.docker.distribution.manifest.v2+json")
        XCTAssertEqual((manifest["config"] as? [String: Any])?["mediaType"] as? String, "application/vnd.docker.container.image.v1+json")
        let layerTypes = Set(((manifest["layers"] as? [[String: Any]]) ?? []).compactMap { $0["mediaType"] as? String })
        XCTAssertEqual(layerTypes, ["application/vnd.docker.image.rootfs.diff.tar.gzip"])

        // Pulled back: the same manifest digest, the id of the config the registry holds.
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        let back = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(back.status, 0, back.both)
        XCTAssertTrue(back.stdout.contains("Digest: \(pushed)"), back.stdout)
        XCTAssertEqual(cli.run(["images", "-q", "--no-trunc", ref]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), registryConfigID(ref))
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", ref, "cat", "/data/keep/file"]).stdout, "keep\n")
    }
}
