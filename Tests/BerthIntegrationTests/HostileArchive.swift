import Foundation
import XCTest
import BerthTestSupport

/// docker-archives written by a small Python script (tarfile, hashlib): a valid one with a
/// history, and hostile ones for `load`, each broken in one way.
enum HostileArchive {
    enum Kind: String, CustomStringConvertible {
        case valid, layerPathEscapes, entryEscapes, entryThroughAbsoluteSymlink, layerIsAbsoluteSymlink
        case missingBlob, hugeManifest, configDigestMismatch, rootfsTarball, hostileRepoTag
        var description: String { rawValue }
    }

    static func write(_ file: String, kind: Kind = .valid, history: Bool = false, canary: String = "/nonexistent") throws {
        let python = try Prerequisite.requireTool("python3")
        let r = Subprocess.run(python, ["-c", script, file, kind.rawValue, history ? "1" : "0", canary])
        guard r.status == 0 else { throw NSError(domain: "HostileArchive", code: 1, userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
    }

    static let script = #"""
import hashlib, io, json, sys, tarfile
out, kind, history, canary = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]

def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            info = tarfile.TarInfo(e["name"])
            info.mtime = 0
            data = e.get("data", b"")
            if e.get("link") is not None:
                info.type = tarfile.SYMTYPE; info.linkname = e["link"]; t.addfile(info)
            elif e.get("dir"):
                info.type = tarfile.DIRTYPE; info.mode = 0o755; t.addfile(info)
            else:
                info.size = len(data); info.mode = 0o644; t.addfile(info, io.BytesIO(data))
    return buf.getvalue()

layers = [tar_bytes([{"name": "etc", "dir": True}, {"name": "etc/one", "data": b"1\n"}]),
          tar_bytes([{"name": "two", "data": b"2\n"}])]
if kind == "entryEscapes":
    layers = [tar_bytes([{"name": "../../escaped", "data": b"x"}])]
if kind == "entryThroughAbsoluteSymlink":
    layers = [tar_bytes([{"name": "lnk", "link": canary}, {"name": "lnk/pwned", "data": b"x"}])]
diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
config = {"architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
          "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"], "Labels": {"team": "imaging"}},
          "rootfs": {"type": "layers", "diff_ids": diff_ids}}
if history:
    config["history"] = [
        {"created": "2024-01-01T00:00:00Z", "created_by": "first step", "comment": "a comment"},
        {"created": "2024-01-02T00:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
        {"created": "2024-01-02T03:04:05Z", "created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]", "empty_layer": True}]
config_bytes = json.dumps(config, sort_keys=True).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
if kind == "configDigestMismatch":
    config_name = "0" * 64 + ".json"
layer_names = [d[7:] + "/layer.tar" for d in diff_ids]
files = [(config_name, config_bytes)] + list(zip(layer_names, layers))
extra = []
if kind == "layerPathEscapes":
    layer_names[0] = "../../../" + canary.strip("/") + "/layer.tar"
if kind == "layerIsAbsoluteSymlink":
    files = [f for f in files if f[0] != layer_names[0]]
    extra.append({"name": layer_names[0], "link": "/etc/hostname"})
if kind == "missingBlob":
    files = [f for f in files if f[0] != layer_names[1]]
tags = ["hist/img:1"] + (["evil\nberth: forged:1", "../../x:1"] if kind == "hostileRepoTag" else [])
manifest = json.dumps([{"Config": config_name, "RepoTags": tags, "Layers": layer_names}]).encode()
if kind == "hugeManifest":
    manifest = manifest[:-1] + b" " * (17 << 20) + b"]"
entries = [{"name": n, "data": d} for n, d in files] + extra + [{"name": "manifest.json", "data": manifest}]
if kind == "rootfsTarball":
    entries = [{"name": "etc", "dir": True}, {"name": "etc/hostname", "data": b"box\n"}]
with open(out, "wb") as f:
    f.write(tar_bytes(entries))
"""#
}
