import BerthOCI
import BerthOS
import Foundation

extension Engine {
    /// A user mount after the checks that need no lock: binds and tmpfs are ready, volumes are
    /// attached under the global lock (`attachVolumes`).
    enum PreparedMount {
        case ready(OCI.Mount)
        case volume(MountRequest)
    }

    /// The file in a container's directory naming the volumes its create made (anonymous or
    /// first-use named ones), one per line: a failed `run` removes them, `--rm`/`rm -v` the anonymous ones.
    static let volumesMadeFile = "volumes-made"

    /// Checks the user's mounts before anything of the container is written: one target per
    /// mount, binds through `BindSource` (created for `-v`), tmpfs options, volume names.
    func prepareMounts(_ request: ContainerRequest) throws -> [PreparedMount] {
        if let shm = request.shmSize, shm <= 0 {
            throw BerthError.invalidArgument("invalid --shm-size \(shm): it must be greater than 0")
        }
        var targets: Set<String> = []
        var out: [PreparedMount] = []
        for m in request.mounts {
            // Stored requests (service templates) are checked again: they may have been edited.
            let target = try MountTarget.validate(m.target)
            guard targets.insert(target).inserted else {
                throw BerthError.invalidArgument("duplicate mount point: \(target.quoted)")
            }
            var checked = m
            checked.target = target
            switch m.kind {
            case .bind:
                out.append(.ready(MountSpec.oci(checked, hostPath: try BindSource.prepare(m.source, create: m.createSource))))
            case .tmpfs:
                for o in m.tmpfsOptions where !TmpfsOptions.isAllowed(o) {
                    throw BerthError.invalidArgument("invalid tmpfs option \(o.quoted) for \(target.quoted)")
                }
                out.append(.ready(MountSpec.oci(checked, hostPath: "")))
            case .volume:
                if !m.source.isEmpty { try ResourceName.validate(m.source, kind: .volume, minimumLength: 2) }
                out.append(.volume(checked))
            }
        }
        // docker: the container's own mounts win over those it takes from another.
        for m in try mountsFrom(request.volumesFrom) where targets.insert(m.destination).inserted {
            out.append(.ready(m))
        }
        return out
    }

    /// `--volumes-from`: the other container's user mounts (binds and volumes, not tmpfs, not
    /// the /etc files Berth makes for it) from its config.json, `ro`/`rw` as given or as it has them.
    func mountsFrom(_ refs: [String]) throws -> [OCI.Mount] {
        var out: [OCI.Mount] = []
        for text in refs {
            var ref = text, mode: String?
            if let colon = text.lastIndex(of: ":") {
                ref = String(text[..<colon])
                mode = String(text[text.index(after: colon)...])
                guard mode == "ro" || mode == "rw" else {
                    throw BerthError.invalidArgument("invalid --volumes-from \(text.quoted): the mode must be ro or rw")
                }
            }
            let r = try resolve(ref)
            guard let spec = try store.storedSpec(r.id) else { throw BerthError.noSuchContainer(ref) }
            let own = (BindSource.realPath(store.paths(r.id).directory) ?? store.paths(r.id).directory) + "/"
            for var m in spec.mounts ?? [] where m.type == "bind" {
                guard let source = m.source, !source.hasPrefix(own) else { continue }
                // Checked again: the source may have changed since that container was created.
                _ = try BindSource.prepare(source, create: false)
                if let mode { m.options = (m.options ?? []).filter { $0 != "ro" && $0 != "rw" } + [mode] }
                out.append(m)
            }
        }
        return out
    }

    /// Under the global lock: creates the volumes that do not exist yet (an anonymous one for `-v
    /// /path` and for each of the image's `Volumes` no mount names), seeds each empty, unused one
    /// from the image unless `nocopy`, and returns the spec's mounts with the names made now.
    ///
    /// `willMake` receives the names of the volumes about to be made before any is, so the caller
    /// can record them where a crash's cleanup finds them (`volumesMadeFile` in `.creating-<id>`).
    func attachVolumes(_ prepared: [PreparedMount], imageVolumes: [String], layers: [String],
                       willMake: ([String]) throws -> Void) throws -> [OCI.Mount] {
        let volumes = volumeStore
        volumes.sweep()
        var requests = prepared
        let targets = Set(prepared.map { p -> String in
            switch p {
            case .ready(let m): return m.destination
            case .volume(let r): return r.target
            }
        })
        for path in imageVolumes {
            // An image's volume path is untrusted text: the same target rule, and no duplicates.
            guard let target = try? MountTarget.validate(path), !targets.contains(target) else { continue }
            requests.append(.volume(MountRequest(kind: .volume, target: target)))
        }
        // Names first (an anonymous volume gets a random one), so the ones to make are known up front.
        var names: [String?] = []
        for p in requests {
            if case .volume(let r) = p { names.append(r.source.isEmpty ? RandomID.hex(32) : r.source) } else { names.append(nil) }
        }
        let toMake = names.compactMap { $0 }.filter { volumes.info($0) == nil }
        try willMake(toMake)
        let inUse = toMake.count == names.compactMap({ $0 }).count ? [:] : volumeUsers()
        var out: [OCI.Mount] = []
        for (p, name) in zip(requests, names) {
            switch p {
            case .ready(let m): out.append(m)
            case .volume(let r):
                guard let name else { continue }
                _ = try volumes.create(name, anonymous: r.source.isEmpty)
                if !r.noCopy && inUse[name] == nil { try volumes.seedIfEmpty(name, layers: layers, target: r.target) }
                out.append(MountSpec.oci(r, hostPath: volumes.dataPath(name)))
            }
        }
        return out
    }

    /// The volumes a container's create made (`volumesMadeFile`).
    func volumesMade(inDirectory dir: String) -> [String] {
        (FileIO.readString(dir + "/" + Self.volumesMadeFile) ?? "").split(separator: "\n").map(String.init)
            .filter { ResourceName.isValid($0) }
    }
}
