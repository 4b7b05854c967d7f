#!/usr/bin/env python3
"""Writes the binary seeds of the tar, image and image-json fuzz corpora (Tests/Fuzz/corpus/).

The text seeds (compose, theme, crilog) are written by hand; these are tar files, so they are
made here, deterministically (fixed times, owners and order), and small: 512-byte records.
Run from the repository's root: python3 Tests/Fuzz/make_image_seeds.py
"""
import gzip
import hashlib
import io
import json
import os
import tarfile

tarfile.RECORDSIZE = 512  # no 10 KiB of padding per seed
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644, uid=0, gid=0, pax=None):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, uid, gid, 1700000000
    info.size, info.linkname = len(data), link
    if pax:
        info.pax_headers = pax
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def tar(entries, fmt=tarfile.GNU_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for info, data in entries:
            t.addfile(info, data)
    return buf.getvalue()


def write(corpus, name, data):
    with open(os.path.join(OUT, corpus, name), "wb") as f:
        f.write(data)


def sha(data):
    return hashlib.sha256(data).hexdigest()


# A layer with every kind of entry LayerExtractor handles.
layer = tar([
    entry("./", tarfile.DIRTYPE, mode=0o755),
    entry("bin/", tarfile.DIRTYPE, mode=0o755),
    entry("bin/sh", data=b"#!/bin/true\n", mode=0o755),
    entry("bin/ash", tarfile.LNKTYPE, link="bin/sh"),
    entry("bin/busybox", tarfile.SYMTYPE, link="sh"),
    entry("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n", uid=0),
    entry("home/user/.profile", data=b"PS1='$ '\n", uid=1000, gid=1000, mode=0o600),
    entry("dev/null", tarfile.CHRTYPE, mode=0o666),
    entry("run/fifo", tarfile.FIFOTYPE, mode=0o600),
    entry("var/.wh.cache", data=b""),
    entry("opt/.wh..wh..opq", data=b""),
])
write("tar", "layer.tar", layer)
write("tar", "layer.tar.gz", gzip.compress(layer, mtime=0))
write("tar", "pax.tar", tar([
    entry("usr/", tarfile.DIRTYPE, mode=0o755),
    entry("usr/caps", data=b"x", pax={"SCHILY.xattr.security.capability": "\x01\x00\x00\x02", "path": "usr/long-" + "n" * 120}),
], fmt=tarfile.PAX_FORMAT))
write("tar", "empty.tar", b"\0" * 1024)

# The same layer as a docker-archive (docker save: <hex>.json, <hex>/layer.tar) ...
diff = sha(layer)
config = json.dumps({
    "architecture": "amd64", "os": "linux", "created": "2026-11-29T10:00:00.123456789Z",
    "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"], "WorkingDir": "/", "ExposedPorts": {"80/tcp": {}}, "Labels": {"a": "b"}},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff]},
    "history": [{"created_by": "fuzz seed"}],
}, sort_keys=True, separators=(",", ":")).encode()
manifest_list = json.dumps([{"Config": sha(config) + ".json", "RepoTags": ["docker.io/library/seed:1"],
                             "Layers": [diff + "/layer.tar"]}]).encode()
write("image", "docker-archive.tar", tar([
    entry(sha(config) + ".json", data=config),
    entry(diff + "/", tarfile.DIRTYPE, mode=0o755),
    entry(diff + "/layer.tar", data=layer),
    entry("manifest.json", data=manifest_list),
]))

# ... and as an OCI archive (skopeo copy oci-archive:), the layer gzipped.
blob = gzip.compress(layer, mtime=0)
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + sha(blob), "size": len(blob)}],
}, sort_keys=True).encode()
index = json.dumps({
    "schemaVersion": 2,
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(manifest),
                   "size": len(manifest), "platform": {"architecture": "amd64", "os": "linux"},
                   "annotations": {"org.opencontainers.image.ref.name": "1"}}],
}, sort_keys=True).encode()
write("image", "oci-archive.tar", tar([
    entry("oci-layout", data=b'{"imageLayoutVersion":"1.0.0"}'),
    entry("index.json", data=index),
    entry("blobs/", tarfile.DIRTYPE, mode=0o755),
    entry("blobs/sha256/", tarfile.DIRTYPE, mode=0o755),
    entry("blobs/sha256/" + sha(manifest), data=manifest),
    entry("blobs/sha256/" + sha(config), data=config),
    entry("blobs/sha256/" + sha(blob), data=blob),
]))
write("image", "rootfs.tar", layer)

# The JSON documents alone.
write("image-json", "index.json", index)
write("image-json", "manifest.json", manifest)
write("image-json", "config.json", config)
write("image-json", "docker-manifest.json", manifest_list)
write("image-json", "nested-index.json", json.dumps({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + sha(index), "size": len(index)},
    {"digest": "sha256:" + "0" * 64, "size": 1, "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}}]}).encode())

# OCI layouts for fuzz-oci-layout: documents separated by "\n----\n", `@N`/`#N` standing for the
# digest and size of document N (the target substitutes them, so mutations keep digests valid).
SEP = b"\n----\n"
layout_config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2026-11-29T10:00:00Z",
                            "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
                            "rootfs": {"type": "layers", "diff_ids": ["@3"]}}).encode()
layout_manifest = (b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                   b'"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"@2","size":#2},'
                   b'"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"@3","size":#3}]}')
write("oci-layout", "layout", SEP.join([
    b'{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"@1","size":#1,'
    b'"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"seed:1"}}]}',
    layout_manifest, layout_config, layer]))
write("oci-layout", "nested-index", SEP.join([
    b'{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"@1","size":#1}]}',
    b'{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"@2","size":#2,'
    b'"platform":{"architecture":"amd64","os":"linux"}},{"digest":"@2","size":#2,"platform":{"architecture":"arm64","os":"linux"}}]}',
    layout_manifest.replace(b"@3", b"@4").replace(b"#3", b"#4").replace(b"@2", b"@3").replace(b"#2", b"#3"),
    layout_config.replace(b"@3", b"@4"), layer]))
