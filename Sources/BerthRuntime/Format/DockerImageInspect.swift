import Foundation

/// An image in docker's `image inspect` shape, for `image inspect --format` templates
/// (`{{.Id}}`, `{{.Architecture}}`, `{{json .Config}}`, `{{index .RepoTags 0}}`): the keys docker
/// users script against, from the store's record. Berth's own record (layer directories, users)
/// stays the output without `--format` (docs/images.md).
public enum DockerImageInspect {
    /// `names`: the store's records of this image id (one per `name:tag`).
    public static func value(_ image: ImageRecord, names: [ImageRecord]) -> TemplateValue {
        let c = image.config
        var exposed: [String: TemplateValue] = [:]
        for p in c.exposedPorts { exposed[p.contains("/") ? p : p + "/tcp"] = .object([:]) }
        var volumes: [String: TemplateValue] = [:]
        for v in c.volumes ?? [] { volumes[v] = .object([:]) }
        let healthcheck: TemplateValue = c.healthcheck.map { h in
            .object(["Test": DockerInspect.strings(h.test), "Interval": .integer(h.interval), "Timeout": .integer(h.timeout),
                     "StartPeriod": .integer(h.startPeriod), "StartInterval": .integer(h.startInterval),
                     "Retries": .integer(Int64(h.retries))])
        } ?? .null
        let config: TemplateValue = .object([
            "User": .string(c.user), "Env": DockerInspect.strings(c.env),
            "Entrypoint": c.entrypoint.isEmpty ? .null : DockerInspect.strings(c.entrypoint),
            "Cmd": c.cmd.isEmpty ? .null : DockerInspect.strings(c.cmd),
            "WorkingDir": .string(c.workingDir), "Labels": c.labels.isEmpty ? .null : .object(c.labels.mapValues(TemplateValue.string)),
            "ExposedPorts": exposed.isEmpty ? .null : .object(exposed), "Volumes": volumes.isEmpty ? .null : .object(volumes),
            "StopSignal": c.stopSignal.map(TemplateValue.string) ?? .null, "Healthcheck": healthcheck,
        ])
        // RepoDigests: each name's manifest digest (the one a registry gave it), the asked name first.
        var digests: [String] = []
        for r in [image] + names.sorted(by: { $0.reference < $1.reference }) {
            guard let d = r.manifestDigest, !digests.contains(r.name + "@" + d) else { continue }
            digests.append(r.name + "@" + d)
        }
        return .object([
            "Id": .string(DockerInspect.imageID(image.id)),
            "RepoTags": .array(names.map(\.reference).sorted().map(TemplateValue.string)),
            "RepoDigests": .array(digests.map(TemplateValue.string)),
            "Parent": .string(""), "Comment": .string(""),
            "Created": DockerInspect.time(image.created),
            "Config": config,
            "Architecture": .string(image.architecture ?? ImagePlatform.host.architecture),
            "Os": .string(image.os ?? "linux"),
            "Size": .integer(Int64(clamping: image.size)),
            "RootFS": .object(["Type": .string("layers"),
                               "Layers": .array(image.layers.map { .string($0.count == 64 ? "sha256:" + $0 : $0) })]),
        ])
    }
}
