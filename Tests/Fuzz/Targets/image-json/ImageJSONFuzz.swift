// libFuzzer target: any bytes as each JSON document an image carries (OCI index.json, image
// manifest, image config, docker-archive manifest.json), decoded as import decodes them, then
// every value import derives from them: digests, media types, platforms, creation times, the name
// an image carries. Reaches what `fuzz-image` rarely does, since there a changed manifest no
// longer matches its digest. A trap, a sanitizer report or a leak is a finding.
// See docs/testing.md, "Fuzzing".
@testable import BerthRuntime
import BerthFuzzSupport
import Foundation

private func derive(_ d: OCIDescriptor) {
    _ = try? Digest(parsing: d.digest)
    _ = OCIMediaType.isIndex(d.mediaType) || OCIMediaType.isManifest(d.mediaType) || OCIMediaType.isLayer(d.mediaType ?? "")
    _ = d.platform.map { "\($0.os)/\($0.architecture)" }
    if let name = d.annotations?["org.opencontainers.image.ref.name"] {
        _ = try? ImageImporter.defaultReference(carried: name, path: "/fuzz/image.tar")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let json = Data(fuzzInput(data, size))
    let decoder = JSONDecoder()
    if let index = try? decoder.decode(OCIIndex.self, from: json) { index.manifests.forEach(derive) }
    if let manifest = try? decoder.decode(OCIManifest.self, from: json) {
        derive(manifest.config)
        manifest.layers.forEach(derive)
    }
    do {
        let config = try decoder.decode(OCIImageConfigFile.self, from: json)
        _ = config.imageConfig
        _ = config.created.flatMap { Timestamp(rfc3339: $0)?.date }
        _ = (config.rootfs?.diff_ids ?? []).map { try? Digest(parsing: $0) }
        // What import writes back for an image without a config digest of its own.
        let diffIDs = (config.rootfs?.diff_ids ?? []).compactMap { try? Digest(parsing: $0) }
        let synthetic = OCIImageConfigFile(created: config.created, architecture: config.architecture ?? "amd64",
                                           os: config.os ?? "linux", config: config.imageConfig, diffIDs: diffIDs)
        _ = try? JSONEncoder.oci.encode(synthetic)
    } catch {
        _ = ImageImporter.describe(error)
    }
    if let list = try? decoder.decode([DockerArchiveManifest].self, from: json) {
        for entry in list {
            for tag in entry.RepoTags ?? [] {
                _ = try? ImageImporter.defaultReference(carried: tag, path: entry.Config)
                _ = try? ImageReference(parsing: ImageImporter.strip(tag))
            }
        }
    }
    return 0
}
