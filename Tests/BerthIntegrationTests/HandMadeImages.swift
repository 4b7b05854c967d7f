import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// OCI layouts and docker-archives written by a small Python script from a JSON recipe, for the
/// cases umoci and skopeo will not produce: an index with several platforms, several images in
/// one docker-archive, foreign layer media types, a config whose DiffIDs do not match the layers,
/// overlay xattrs in a layer. Written with Python's `tarfile`, `hashlib` and `json` (never with
/// Berth's own writer), so a digest or format mistake in Berth cannot cancel out in the fixture.
///
/// A recipe:
/// ```
/// {"format": "oci" | "docker", "out": PATH (a directory; for docker also PATH.tar),
///  "images": [{"platform": "linux/amd64", "refName": "one", "repoTags": ["a/b:one"],
///              "config": {"Entrypoint": [...], "Cmd": [...]}, "dropDiffIDs": 0,
///              "layers": [{"busybox": true} |
///                         {"files": {"PATH": "TEXT"}, "dirs": ["PATH"], "symlinks": {"PATH": "TARGET"},
///                          "xattrs": {"PATH": {"NAME": "VALUE"}},
///                          "gzip": false, "mediaType": "…"}]}]}
/// ```
enum HandMadeImages {
    static let script = #"""
        import gzip, hashlib, io, json, os, subprocess, sys, tarfile

        recipe = json.load(sys.stdin)
        out = recipe["out"]
        os.makedirs(out)

        def busybox_layer():
            names = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
                for d, mode in [("bin", 0o755), ("etc", 0o755), ("tmp", 0o1777), ("proc", 0o755), ("sys", 0o755),
                                ("dev", 0o755), ("root", 0o700)]:
                    ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = mode; ti.mtime = 1700000000
                    t.addfile(ti)
                data = open("/bin/busybox", "rb").read()
                ti = tarfile.TarInfo("bin/busybox"); ti.size = len(data); ti.mode = 0o755; ti.mtime = 1700000000
                t.addfile(ti, io.BytesIO(data))
                for n in sorted(set(names) - {"busybox"}):
                    ti = tarfile.TarInfo("bin/" + n); ti.type = tarfile.SYMTYPE; ti.linkname = "busybox"; ti.mtime = 1700000000
                    t.addfile(ti)
                passwd = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                ti = tarfile.TarInfo("etc/passwd"); ti.size = len(passwd); ti.mtime = 1700000000
                t.addfile(ti, io.BytesIO(passwd))
            return buf.getvalue()

        def files_layer(spec):
            buf = io.BytesIO()
            xattrs = spec.get("xattrs", {})
            with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
                for d in spec.get("dirs", []):
                    ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; ti.mtime = 1700000000
                    ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.get(d, {}).items()}
                    t.addfile(ti)
                for path, text in spec.get("files", {}).items():
                    data = text.encode()
                    ti = tarfile.TarInfo(path); ti.size = len(data); ti.mode = 0o644; ti.mtime = 1700000000
                    ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.get(path, {}).items()}
                    t.addfile(ti, io.BytesIO(data))
                for path, target in spec.get("symlinks", {}).items():
                    ti = tarfile.TarInfo(path); ti.type = tarfile.SYMTYPE; ti.linkname = target; ti.mtime = 1700000000
                    t.addfile(ti)
            return buf.getvalue()

        def sha(b):
            return hashlib.sha256(b).hexdigest()

        def blob(data):
            os.makedirs(out + "/blobs/sha256", exist_ok=True)
            h = sha(data)
            with open(out + "/blobs/sha256/" + h, "wb") as f:
                f.write(data)
            return "sha256:" + h

        busybox = None
        def layer_tar(spec):
            global busybox
            if spec.get("busybox"):
                if busybox is None:
                    busybox = busybox_layer()
                return busybox
            return files_layer(spec)

        def config_json(image, diff_ids):
            os_, arch = image.get("platform", "linux/amd64").split("/")
            cfg = {"architecture": arch, "os": os_, "config": image.get("config", {"Env": ["PATH=/bin"]}),
                   "rootfs": {"type": "layers", "diff_ids": diff_ids[:len(diff_ids) - image.get("dropDiffIDs", 0)]}}
            return json.dumps(cfg).encode()

        if recipe["format"] == "oci":
            manifests = []
            for image in recipe["images"]:
                layers, diff_ids = [], []
                for spec in image["layers"]:
                    tar = layer_tar(spec)
                    diff_ids.append("sha256:" + sha(tar))
                    data = gzip.compress(tar, mtime=0) if spec.get("gzip") else tar
                    media = spec.get("mediaType", "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if spec.get("gzip") else ""))
                    layers.append({"mediaType": media, "digest": blob(data), "size": len(data)})
                cfg = config_json(image, diff_ids)
                manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                                  "digest": blob(cfg), "size": len(cfg)},
                                       "layers": layers}).encode()
                desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(manifest), "size": len(manifest)}
                if "platform" in image:
                    os_, arch = image["platform"].split("/")
                    desc["platform"] = {"os": os_, "architecture": arch}
                if "refName" in image:
                    desc["annotations"] = {"org.opencontainers.image.ref.name": image["refName"]}
                manifests.append(desc)
            with open(out + "/index.json", "w") as f:
                json.dump({"schemaVersion": 2, "manifests": manifests}, f)
            with open(out + "/oci-layout", "w") as f:
                json.dump({"imageLayoutVersion": "1.0.0"}, f)
        else:
            entries = []
            for image in recipe["images"]:
                paths, diff_ids = [], []
                for spec in image["layers"]:
                    tar = layer_tar(spec)
                    h = sha(tar)
                    diff_ids.append("sha256:" + h)
                    os.makedirs(out + "/" + h, exist_ok=True)
                    with open(out + "/" + h + "/layer.tar", "wb") as f:
                        f.write(tar)
                    paths.append(h + "/layer.tar")
                cfg = config_json(image, diff_ids)
                with open(out + "/" + sha(cfg) + ".json", "wb") as f:
                    f.write(cfg)
                entries.append({"Config": sha(cfg) + ".json", "RepoTags": image.get("repoTags", []), "Layers": paths})
            with open(out + "/manifest.json", "w") as f:
                json.dump(entries, f)
            with tarfile.open(out + ".tar", "w", format=tarfile.PAX_FORMAT) as t:
                for name in sorted(os.listdir(out)):
                    t.add(out + "/" + name, arcname=name)
        """#

    /// The `GOARCH`-style name of this machine, as an image's platform names it.
    static var hostArchitecture: String {
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch machine {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        default: return machine
        }
    }

    /// Writes the image the recipe describes to `out` (and `out.tar` for a docker-archive).
    /// Needs python3 (`Prerequisite.requireTool("python3")` first).
    static func make(_ recipe: [String: Any]) throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: recipe), as: UTF8.self)
        let python = try XCTUnwrap(Prerequisite.find("python3"), "python3 is not on PATH")
        let r = Subprocess.run(python, ["-c", script], stdin: json, timeout: 120)
        guard r.status == 0 else {
            throw NSError(domain: "HandMadeImages", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: "image script failed: \(r.stderr)"])
        }
    }
}

/// A directory under /var/tmp for one test's files (named so concurrent runs' host checks
/// ignore it), removed when the test ends, pass or fail.
func scratchDirectory(_ test: XCTestCase, _ label: String) throws -> String {
    let dir = "/var/tmp/berth-test-\(label)-files-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}
