import BerthOS
import CArchive
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `image import` found at the path it was given, detected by content, not by name.
public enum ImageFormat: String, Sendable, Codable {
    case rootfsDirectory = "rootfs directory"
    case rootfsTarball = "rootfs tarball"
    case ociLayout = "OCI layout"
    case ociArchive = "OCI archive"
    case dockerArchive = "docker-archive"
    case dockerArchiveDirectory = "docker-archive directory"

    /// The value of `ImageRecord.format`.
    var recordFormat: String {
        switch self {
        case .rootfsDirectory, .rootfsTarball: return "rootfs"
        case .ociLayout, .ociArchive: return "oci"
        case .dockerArchive, .dockerArchiveDirectory: return "docker-archive"
        }
    }
}

public struct ImportProgress: Sendable {
    public var bytesDone: UInt64
    public var bytesTotal: UInt64
    public var layersDone: Int
    public var layersTotal: Int
}

public struct ImportOptions: Sendable {
    /// The image's name; nil = the name the image carries, else the file's name.
    public var name: ImageReference?
    /// The defaults of an image without a config of its own (a rootfs directory or tarball).
    public var defaults = ImageConfig(env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    /// Replaces the image's Cmd.
    public var cmd: [String]?
    /// Layer directories containers run on: never removed when a tag is replaced.
    public var layersInUse: Set<String> = []
    /// Refuse a docker-archive any of whose RepoTags is not a valid reference, before anything is
    /// unpacked (`load` brings in every name; `import` falls back to the file's name instead).
    public var strictNames = false
    /// A layout whose layer blobs may be left out when the store has the layer (its DiffID): a
    /// registry pull fetches only the layers the store lacks (docs/registries.md).
    public var storedLayersMayBeAbsent = false
    /// Called as bytes are read; on the importing thread.
    public var progress: (@Sendable (ImportProgress) -> Void)?

    public init(name: ImageReference? = nil, layersInUse: Set<String> = []) {
        self.name = name
        self.layersInUse = layersInUse
    }
}

public struct ImportResult: Sendable {
    public var image: ImageRecord
    public var format: ImageFormat
    /// Layers unpacked by this import, and layers the store already had.
    public var newLayers: Int
    public var reusedLayers: Int
    /// The RepoTags of every image of a docker-archive's manifest.json, in its order.
    public var archiveImages: [[String]] = []
}

/// Imports one image into an `ImageStore` (docs/images.md). Nothing becomes visible until
/// `ImageStore.commit`; on any failure every temporary is removed and the store is unchanged.
final class ImageImporter {
    let store: ImageStore
    let options: ImportOptions

    /// One layer to bring in: where its blob is and what the image says its digests are.
    private struct LayerSource {
        var tree: SourceTree?
        var path: String
        var blobDigest: Digest?
        var blobSize: Int64?
        var diffID: Digest?
        var label: String
    }

    private struct Plan {
        var format: ImageFormat
        var layers: [LayerSource]
        var config: ImageConfig
        var configDigest: Digest?
        var manifestDigest: Digest?
        var created: Date?
        var carriedName: String?
        var architecture: String
        var os: String
        /// The config blob as the image carries it (nil: none, Berth writes one).
        var configBytes: [UInt8]? = nil
        /// A docker-archive's images, each as its RepoTags (`load` brings in every one).
        var archiveImages: [[String]] = []
    }

    private var temporaries: [String] = []
    private var progress = ImportProgress(bytesDone: 0, bytesTotal: 0, layersDone: 0, layersTotal: 0)

    init(store: ImageStore, options: ImportOptions) {
        self.store = store
        self.options = options
    }

    deinit { for t in temporaries { try? TreeRemover.remove(t) } }

    func run(_ path: String) throws -> ImportResult {
        try FileIO.mkdirs(store.root + "/layers", mode: 0o700)
        try FileIO.mkdirs(store.root + "/tmp", mode: 0o700)
        store.sweepTemporaries()
        let plan = try makePlan(path)
        let (ids, sizes, placed, reused) = try unpack(plan.layers)
        var config = plan.config
        if let cmd = options.cmd { config.cmd = cmd }
        let diffIDs = try ids.map { try Digest(hex: $0) }
        let imageID: String
        let configBytes: [UInt8]
        if let d = plan.configDigest, let bytes = plan.configBytes, options.cmd == nil {
            imageID = d.hex
            configBytes = bytes
        } else {
            // No config of its own (or a changed one): the id is the digest of the config Berth would write.
            let synthetic = OCIImageConfigFile(created: nil, architecture: plan.architecture, os: plan.os, config: config, diffIDs: diffIDs)
            configBytes = Array(try JSONEncoder.oci.encode(synthetic))
            imageID = Digest.of(configBytes).hex
        }
        let reference = try options.name ?? Self.defaultReference(carried: plan.carriedName, path: path)
        let record = ImageRecord(name: reference.name, tag: reference.tag, id: imageID, layers: ids, config: config,
                                 created: plan.created ?? Date(), size: sizes.reduce(0, +), layerSizes: sizes,
                                 format: plan.format.recordFormat, manifestDigest: plan.manifestDigest?.description,
                                 architecture: plan.architecture, os: plan.os)
        try store.commit(record, newLayers: placed, layersInUse: options.layersInUse, config: configBytes)
        temporaries.removeAll { t in placed.contains { $0.temporary == t } }
        return ImportResult(image: record, format: plan.format, newLayers: placed.count, reusedLayers: reused,
                            archiveImages: plan.archiveImages)
    }

    // MARK: - Detection

    /// The machine's architecture as images name it (`amd64` on x86-64); `ImagePlatform` holds the rule.
    static func hostArchitecture() -> String { ImagePlatform.host.architecture }

    private func makePlan(_ path: String) throws -> Plan {
        var st = stat()
        guard stat(path, &st) == 0 else { throw BerthError.errno("import", path) }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let tree = try SourceTree(path: path)
            if tree.exists("oci-layout") && tree.exists("index.json") { return try planOCI(tree, format: .ociLayout) }
            if tree.exists("manifest.json"), let manifest = try? Self.dockerManifest(tree) {
                return try planDocker(tree, manifest, format: .dockerArchiveDirectory)
            }
            // A root filesystem: written as a canonical tar (its digest is the layer's id), then
            // unpacked like any layer, so one code path applies every rule.
            let tar = store.temporaryPath(in: store.root + "/tmp") + ".tar"
            temporaries.append(tar)
            let fd = open(tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw BerthError.errno("create", tar) }
            defer { close(fd) }
            _ = try LayerTarWriter(fd: fd, path: tar).writeTree(path)
            return rootfsPlan(tar, label: path, format: .rootfsDirectory)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw BerthError.invalidArgument("\(path) is neither a directory nor a file") }
        switch try Self.probe(path) {
        case .ociArchive:
            return try planOCI(try stage(path), format: .ociArchive)
        case .dockerArchive:
            let tree = try stage(path)
            return try planDocker(tree, try Self.dockerManifest(tree), format: .dockerArchive)
        default:
            return rootfsPlan(path, label: path, format: .rootfsTarball)
        }
    }

    private func rootfsPlan(_ file: String, label: String, format: ImageFormat) -> Plan {
        var config = options.defaults
        if let cmd = options.cmd { config.cmd = cmd }
        return Plan(format: format, layers: [LayerSource(tree: nil, path: file, label: label)], config: config,
                    carriedName: nil, architecture: Self.hostArchitecture(), os: "linux")
    }

    /// Reads entry names until the format is clear: `oci-layout` + `index.json` at the top make
    /// an OCI archive, `manifest.json` a docker-archive; a deep path or a device node, a rootfs.
    static func probe(_ path: String) throws -> ImageFormat {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", path) }
        defer { close(fd) }
        let stream = try TarStream(path: path, fd: fd)
        var top: Set<String> = []
        var entry: OpaquePointer?
        var count = 0
        while true {
            let r = archive_read_next_header(stream.tar, &entry)
            if r == ARCHIVE_EOF { break }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry, let name = archive_entry_pathname(entry) else {
                if count == 0 { throw BerthError.invalidArgument("\(path): not a tar archive (\(stream.error(stream.tar)))") }
                break // a damaged rootfs tarball: extraction reports the entry
            }
            count += 1
            let comps = SourceTree.split(String(cString: name)).filter { $0 != "." }
            let type = archive_entry_filetype(entry)
            if comps.count > 3 || !(type == S_IFREG || type == S_IFDIR || type == S_IFLNK) { return .rootfsTarball }
            if comps.count == 1 { top.insert(comps[0]) }
            if top.contains("oci-layout") && top.contains("index.json") { return .ociArchive }
            archive_read_data_skip(stream.tar)
        }
        if top.contains("oci-layout") && top.contains("index.json") { return .ociArchive }
        if top.contains("manifest.json") { return .dockerArchive }
        return .rootfsTarball
    }

    /// Unpacks an image archive (its files only, no owners) into a private temporary directory.
    private func stage(_ path: String) throws -> SourceTree {
        let dir = store.temporaryPath(in: store.root + "/tmp")
        guard mkdir(dir, 0o700) == 0 else { throw BerthError.errno("mkdir", dir) }
        temporaries.append(dir)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", path) }
        defer { close(fd) }
        let rootFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw BerthError.errno("open", dir) }
        defer { close(rootFD) }
        let stream = try TarStream(path: path, fd: fd)
        var st = stat()
        fstat(fd, &st)
        progress.bytesTotal = UInt64(st.st_size)
        stream.onRead = { [weak self] n in self?.advance(n) }
        let extractor = LayerExtractor(rootFD: rootFD, label: path, options: .init(whiteouts: false, ownership: false))
        try extractor.extract(stream)
        progress = ImportProgress(bytesDone: 0, bytesTotal: 0, layersDone: 0, layersTotal: 0)
        return try SourceTree(path: dir)
    }

    // MARK: - OCI layout

    private static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw BerthError.invalidArgument("\(what) is not valid: \(Self.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue.quoted)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: ".").quoted)"
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        default: return "\(error)"
        }
    }

    /// A blob's bytes, checked against its descriptor's digest and size.
    private func blob(_ tree: SourceTree, _ desc: OCIDescriptor, what: String) throws -> (Digest, [UInt8]) {
        let digest = try Digest(parsing: desc.digest)
        let bytes: [UInt8]
        do { bytes = try tree.read("blobs/sha256/" + digest.hex, what: what) } catch {
            throw BerthError.invalidArgument("\(what) \(digest) is missing: \(error)")
        }
        let actual = Digest.of(bytes)
        guard actual == digest else { throw BerthError.invalidArgument("\(what) \(digest): digest mismatch (content is \(actual))") }
        guard Int64(bytes.count) == desc.size else {
            throw BerthError.invalidArgument("\(what) \(digest): size mismatch (descriptor says \(desc.size), blob has \(bytes.count))")
        }
        return (digest, bytes)
    }

    private func planOCI(_ tree: SourceTree, format: ImageFormat) throws -> Plan {
        let index = try Self.decode(OCIIndex.self, try tree.read("index.json", what: "index.json"), what: "index.json")
        let desc = try selectManifest(index, tree, depth: 0)
        let (manifestDigest, manifestBytes) = try blob(tree, desc, what: "manifest")
        let manifest = try Self.decode(OCIManifest.self, manifestBytes, what: "manifest \(manifestDigest)")
        let (configDigest, configBytes) = try blob(tree, manifest.config, what: "config")
        let config = try Self.decode(OCIImageConfigFile.self, configBytes, what: "config \(configDigest)")
        let diffIDs = try (config.rootfs?.diff_ids ?? []).map { try Digest(parsing: $0) }
        guard diffIDs.count == manifest.layers.count else {
            throw BerthError.invalidArgument("config \(configDigest) lists \(diffIDs.count) layer DiffIDs but the manifest has \(manifest.layers.count) layers")
        }
        var layers: [LayerSource] = []
        for (i, l) in manifest.layers.enumerated() {
            let type = l.mediaType ?? OCIMediaType.layerTar
            guard OCIMediaType.isLayer(type) else { throw BerthError.invalidArgument("layer \(l.digest): unsupported media type \(type)") }
            let d = try Digest(parsing: l.digest)
            layers.append(LayerSource(tree: tree, path: "blobs/sha256/" + d.hex, blobDigest: d, blobSize: l.size,
                                      diffID: diffIDs[i], label: "layer \(i + 1)/\(manifest.layers.count) (\(d))"))
        }
        return Plan(format: format, layers: layers, config: config.imageConfig, configDigest: configDigest,
                    manifestDigest: manifestDigest, created: config.created.flatMap { Timestamp(rfc3339: $0)?.date },
                    carriedName: desc.annotations?["org.opencontainers.image.ref.name"],
                    architecture: config.architecture ?? Self.hostArchitecture(), os: config.os ?? "linux",
                    configBytes: configBytes)
    }

    /// The host platform's manifest (linux/amd64 on x86-64), through nested indexes; with several,
    /// the one whose `ref.name` matches the requested tag, else the first.
    private func selectManifest(_ index: OCIIndex, _ tree: SourceTree, depth: Int) throws -> OCIDescriptor {
        guard depth < 4 else { throw BerthError.invalidArgument("image indexes nest too deeply") }
        let platform = ImagePlatform.host
        var candidates: [OCIDescriptor] = []
        var seen: [String] = []
        for m in index.manifests {
            if OCIMediaType.isIndex(m.mediaType) {
                let (_, bytes) = try blob(tree, m, what: "index")
                let nested = try Self.decode(OCIIndex.self, bytes, what: "index \(m.digest)")
                if let hit = try? selectManifest(nested, tree, depth: depth + 1) {
                    var d = hit
                    if d.annotations == nil { d.annotations = m.annotations }
                    candidates.append(d)
                }
                continue
            }
            guard m.mediaType == nil || OCIMediaType.isManifest(m.mediaType) else { continue }
            if let p = m.platform {
                seen.append("\(p.os)/\(p.architecture)")
                guard platform.matches(p) else { continue }
            }
            candidates.append(m)
        }
        guard !candidates.isEmpty else {
            let found = seen.isEmpty ? "no image manifests" : seen.joined(separator: ", ")
            throw BerthError.invalidArgument("the image has no \(platform) manifest (found: \(found))")
        }
        if let tag = options.name?.tag, candidates.count > 1,
           let hit = candidates.first(where: { ($0.annotations?["org.opencontainers.image.ref.name"]).map { $0 == tag || $0.hasSuffix(":" + tag) } ?? false }) {
            return hit
        }
        return candidates[0]
    }

    // MARK: - docker-archive

    private static func dockerManifest(_ tree: SourceTree) throws -> [DockerArchiveManifest] {
        let list = try decode([DockerArchiveManifest].self, try tree.read("manifest.json", what: "manifest.json"), what: "manifest.json")
        guard !list.isEmpty else { throw BerthError.invalidArgument("manifest.json lists no images") }
        return list
    }

    /// A 64-hex digest embedded in a docker-archive file name (`<hex>.json`, `blobs/sha256/<hex>`).
    private static func embeddedDigest(_ path: String) -> Digest? {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let stem = base.hasSuffix(".json") ? String(base.dropLast(5)) : base
        return try? Digest(hex: stem)
    }

    private func planDocker(_ tree: SourceTree, _ list: [DockerArchiveManifest], format: ImageFormat) throws -> Plan {
        if options.strictNames {
            for tag in list.flatMap({ $0.RepoTags ?? [] }) {
                do { _ = try ImageReference(parsing: Self.strip(tag)) } catch {
                    throw BerthError.invalidArgument("manifest.json: invalid RepoTag \(tag.quoted)")
                }
            }
        }
        var entry = list[0]
        if let want = options.name, let hit = list.first(where: { ($0.RepoTags ?? []).contains { Self.strip($0) == want.description } }) {
            entry = hit
        }
        let configBytes = try tree.read(entry.Config, what: "config")
        let configDigest = Digest.of(configBytes)
        if let named = Self.embeddedDigest(entry.Config), named != configDigest {
            throw BerthError.invalidArgument("config \(entry.Config): digest mismatch (content is \(configDigest))")
        }
        let config = try Self.decode(OCIImageConfigFile.self, configBytes, what: "config \(entry.Config)")
        let diffIDs = try (config.rootfs?.diff_ids ?? []).map { try Digest(parsing: $0) }
        guard diffIDs.count == entry.Layers.count else {
            throw BerthError.invalidArgument("config lists \(diffIDs.count) layer DiffIDs but manifest.json has \(entry.Layers.count) layers")
        }
        let layers = entry.Layers.enumerated().map { i, path in
            // Layers named by digest (docker 25+) are checked as blobs; the others by their DiffID.
            LayerSource(tree: tree, path: path, blobDigest: path.hasPrefix("blobs/sha256/") ? Self.embeddedDigest(path) : nil,
                        diffID: diffIDs[i], label: "layer \(i + 1)/\(entry.Layers.count) (\(path))")
        }
        return Plan(format: format, layers: layers, config: config.imageConfig, configDigest: configDigest, manifestDigest: nil,
                    created: config.created.flatMap { Timestamp(rfc3339: $0)?.date }, carriedName: entry.RepoTags?.first,
                    architecture: config.architecture ?? Self.hostArchitecture(), os: config.os ?? "linux",
                    configBytes: configBytes, archiveImages: list.map { $0.RepoTags ?? [] })
    }

    /// `docker.io/library/busybox:1` → `busybox:1`, as docker prints it.
    static func strip(_ ref: String) -> String {
        for prefix in ["docker.io/library/", "docker.io/", "localhost/"] where ref.hasPrefix(prefix) {
            return String(ref.dropFirst(prefix.count))
        }
        return ref
    }

    /// The name an image carries (an OCI `ref.name`, a docker RepoTag), else the path's file name.
    static func defaultReference(carried: String?, path: String) throws -> ImageReference {
        var base = (path.split(separator: "/").last.map(String.init) ?? "image").lowercased()
        if let dot = base.firstIndex(of: "."), dot != base.startIndex { base = String(base[..<dot]) }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        base = String(base.map { allowed.contains($0) ? $0 : "-" })
        while let f = base.first, !(f.isLetter || f.isNumber) { base.removeFirst() }
        if base.isEmpty { base = "image" }
        if let carried, !carried.isEmpty {
            let stripped = strip(carried)
            if stripped.contains(":") || stripped.contains("/"), let ref = try? ImageReference(parsing: stripped) { return ref }
            if let ref = try? ImageReference(parsing: base + ":" + stripped) { return ref }
        }
        if let ref = try? ImageReference(parsing: base) { return ref }
        // A file name the grammar refuses (`a_-b`, `x-`): separators collapsed to one '-'.
        let collapsed = base.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).joined(separator: "-")
        return try ImageReference(parsing: collapsed.isEmpty ? "image" : collapsed)
    }

    // MARK: - Layers

    private func advance(_ n: UInt64) {
        progress.bytesDone += n
        options.progress?(progress)
    }

    private func openBlob(_ layer: LayerSource) throws -> Int32 {
        if let tree = layer.tree {
            do { return try tree.open(layer.path, what: "layer") } catch {
                throw BerthError.invalidArgument("\(layer.label): blob is missing: \(error)")
            }
        }
        let fd = open(layer.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", layer.path) }
        return fd
    }

    /// Unpacks the layers the store lacks into temporary directories, checking every digest.
    /// Returns the layer ids (lowest first), their sizes, the new layers to put in place and
    /// how many the store already had.
    private func unpack(_ layers: [LayerSource]) throws
        -> (ids: [String], sizes: [UInt64], placed: [(temporary: String, id: String)], reused: Int) {
        var fds: [Int32] = []
        defer { for fd in fds where fd >= 0 { close(fd) } }
        progress = ImportProgress(bytesDone: 0, bytesTotal: 0, layersDone: 0, layersTotal: layers.count)
        for layer in layers {
            if options.storedLayersMayBeAbsent, let diffID = layer.diffID, store.layerExists(diffID.hex),
               let tree = layer.tree, !tree.exists(layer.path) {
                fds.append(-1)
                continue
            }
            let fd = try openBlob(layer)
            fds.append(fd)
            var st = stat()
            fstat(fd, &st)
            if let size = layer.blobSize, size != Int64(st.st_size) {
                throw BerthError.invalidArgument("\(layer.label): size mismatch (manifest says \(size), blob has \(st.st_size))")
            }
            progress.bytesTotal += UInt64(st.st_size)
        }
        var ids: [String] = []
        var sizes: [UInt64] = []
        var placed: [(temporary: String, id: String)] = []
        var placedSizes: [String: UInt64] = [:]
        var reused = 0
        let known = Dictionary((try? store.list())?.flatMap { r in zip(r.layers, r.layerSizes ?? []).map { ($0, $1) } } ?? [],
                               uniquingKeysWith: { a, _ in a })
        for (layer, fd) in zip(layers, fds) {
            if let diffID = layer.diffID, store.layerExists(diffID.hex) || placedSizes[diffID.hex] != nil {
                // Stored already: only the blob's own digest is checked, so a damaged archive is still refused.
                if let want = layer.blobDigest, fd >= 0 {
                    let (got, n) = try Digest.of(fd: fd, path: layer.label)
                    advance(n)
                    guard got == want else { throw BerthError.invalidArgument("\(layer.label): digest mismatch (content is \(got))") }
                }
                ids.append(diffID.hex)
                sizes.append(placedSizes[diffID.hex] ?? known[diffID.hex] ?? Self.diskUsage(store.layerPath(diffID.hex)))
                reused += placedSizes[diffID.hex] == nil ? 1 : 0
                progress.layersDone += 1
                continue
            }
            let tmp = store.temporaryPath(in: store.root + "/layers")
            guard mkdir(tmp, 0o755) == 0 else { throw BerthError.errno("mkdir", tmp) }
            temporaries.append(tmp)
            let rootFD = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard rootFD >= 0 else { throw BerthError.errno("open", tmp) }
            defer { close(rootFD) }
            let stream = try TarStream(path: layer.label, fd: fd, digestFile: layer.blobDigest != nil)
            stream.onRead = { [weak self] n in self?.advance(n) }
            let extractor = LayerExtractor(rootFD: rootFD, label: layer.label)
            try extractor.extract(stream)
            let (diffID, fileDigest) = try stream.finish()
            if let want = layer.blobDigest, fileDigest != want {
                throw BerthError.invalidArgument("\(layer.label): digest mismatch (content is \(fileDigest.map(\.description) ?? "?"))")
            }
            if let want = layer.diffID, diffID != want {
                throw BerthError.invalidArgument("\(layer.label): DiffID mismatch (config says \(want), content is \(diffID))")
            }
            ids.append(diffID.hex)
            sizes.append(extractor.fileBytes)
            if store.layerExists(diffID.hex) || placedSizes[diffID.hex] != nil {
                try? TreeRemover.remove(tmp)
                temporaries.removeAll { $0 == tmp }
                reused += placedSizes[diffID.hex] == nil ? 1 : 0
            } else {
                placed.append((tmp, diffID.hex))
                placedSizes[diffID.hex] = extractor.fileBytes
            }
            progress.layersDone += 1
            options.progress?(progress)
        }
        return (ids, sizes, placed, reused)
    }

    /// Bytes of file data below `path` (a layer's size when no record remembers it).
    static func diskUsage(_ path: String) -> UInt64 {
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: UInt64 = 0
        while let rel = e.nextObject() as? String {
            var st = stat()
            if lstat(path + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += UInt64(st.st_size) }
        }
        return total
    }
}
