import BerthOCI
import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// Creates a container (state directory, OCI spec, /etc files) without starting it.
    /// On failure nothing is left behind.
    @discardableResult
    public func create(_ request: ContainerRequest) throws -> ContainerRecord {
        // The one check of the limits, for every front end; before anything is resolved or written.
        do { try LimitRules.check(request.limits) } catch { throw error.berthError }
        if let name = request.name { _ = try ContainerName.validate(name) }
        let image = try images.resolve(request.image)
        if !request.ports.isEmpty && request.network != .bridge {
            throw BerthError.invalidArgument("publishing ports (-p) needs --network bridge")
        }
        let bridge = request.network == .bridge ? try bridgeNetwork() : nil

        let entrypoint = request.entrypoint ?? image.config.entrypoint
        let cmd = request.command.isEmpty ? (request.entrypoint != nil ? [] : image.config.cmd) : request.command
        let command = entrypoint + cmd
        guard !command.isEmpty else {
            throw BerthError.invalidArgument("no command specified: the image has no Cmd or Entrypoint; give one after the image name")
        }
        let layerDirs = image.layers.map(images.layerPath)
        let userSpec = request.user ?? (image.config.user.isEmpty ? "0:0" : image.config.user)
        // The image's /etc/passwd is in its topmost layer that has one; containers start from the image as is.
        let user = try UserResolver.resolve(userSpec, roots: layerDirs.reversed())

        var env = image.config.env
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { env.insert(DefaultSpec.env[0], at: 0) }
        for e in request.env {
            guard let eq = e.firstIndex(of: "="), eq != e.startIndex else {
                throw BerthError.invalidArgument("invalid environment variable \(e.quoted): expected KEY=VALUE")
            }
            let key = e[..<eq]
            env.removeAll { $0.hasPrefix(key + "=") }
            env.append(e)
        }
        if !env.contains(where: { $0.hasPrefix("HOME=") }) { env.append("HOME=" + user.home) }
        if request.tty && !env.contains(where: { $0.hasPrefix("TERM=") }) { env.append("TERM=xterm") }
        if let hostname = request.hostname, !Self.isValidHostname(hostname) {
            throw BerthError.invalidArgument("invalid hostname \(hostname.quoted)")
        }

        return try FileLock.with(store.globalLock) {
            let names = store.names
            let name = request.name ?? ContainerName.generate(avoiding: names.all())
            let id = RandomID.hex(32)
            // A link whose container is gone (a crash mid-removal) does not hold the name.
            if let holder = names.id(of: name), FileIO.exists(store.paths(holder).record) { throw BerthError.nameInUse(name) }
            try names.claim(name, for: id)
            CrashPoint.reach("create-claimed-name")
            let p = store.paths(id)
            // Built out of sight and made visible by one rename: a crash at any step leaves a
            // `.creating-<id>` directory, which `reconcile` removes with the name link and lease.
            let staging = ContainerPaths(directory: store.creatingDirectory(id))
            var newRecord = ContainerRecord(
                id: id, name: name, image: image.reference, imageID: image.id, created: Date(),
                restartPolicy: request.restartPolicy,
                labels: Self.imageLabels(image.config.labels).merging(request.labels) { $1 }, network: request.network,
                ipAddress: nil, ports: request.ports.isEmpty ? nil : request.ports,
                interactive: request.interactive ? true : nil, autoRemove: request.autoRemove,
                cgroupParent: request.cgroupParent ?? options.cgroupParent, layers: layerDirs)
            let settings = ContainerSpecBuilder.Settings(
                args: command, env: env,
                workingDir: request.workingDir ?? (image.config.workingDir.isEmpty ? "/" : image.config.workingDir),
                user: user, hostname: request.hostname ?? String(name.prefix(63)), terminal: request.tty,
                limits: request.limits)
            do {
                // 0700: it holds the writable layer; rootfs/upper keep 0755, the container's "/".
                guard mkdir(staging.directory, 0o700) == 0 else { throw BerthError.errno("mkdir", staging.directory) }
                if let start = ProcStat.startTime(pid: getpid()) {
                    try FileIO.writeAtomically(staging.creator, string: "\(getpid()) \(start)\n")
                }
                CrashPoint.reach("create-made-directory")
                if bridge != nil { newRecord.ipAddress = try bridgeStore.allocateAddress(for: id).description }
                CrashPoint.reach("create-allocated-address")
                for dir in [staging.rootfs, staging.upper, staging.work] {
                    guard mkdir(dir, 0o755) == 0 else { throw BerthError.errno("mkdir", dir) }
                }
                try writeEtcFiles(newRecord, hostname: settings.hostname, staging)
                let version = (try? cgroups.manager(parent: newRecord.cgroupParent))?.version
                // The spec names the container's final paths.
                let spec = ContainerSpecBuilder.build(record: newRecord, settings: settings, paths: p,
                                                      layerDirectories: layerDirs, cgroupVersion: version)
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                try FileIO.writeAtomically(staging.spec, bytes: Array(try enc.encode(spec)))
                try FileIO.writeAtomically(staging.status, string: "status=created\n")
                try FileIO.writeAtomically(staging.record, bytes: Array(try JSONEncoder.berth.encode(newRecord)))
                CrashPoint.reach("create-wrote-files")
                guard rename(staging.directory, p.directory) == 0 else { throw BerthError.errno("rename", staging.directory) }
                unlink(p.creator)
            } catch {
                try? FileIO.removeTree(staging.directory)
                names.release(name, of: id)
                if bridge != nil { bridgeStore.releaseAddresses(of: [id]) }
                throw error
            }
            recordEvent("create", newRecord)
            if bridge != nil { refreshHostsFiles() }
            return newRecord
        }
    }

    static func isValidHostname(_ h: String) -> Bool {
        guard !h.isEmpty, h.count <= 63 else { return false }
        return h.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") } && h.first != "-"
    }

    private func writeEtcFiles(_ r: ContainerRecord, hostname: String, _ p: ContainerPaths) throws {
        var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        if r.network == .host, let host = FileIO.readString("/etc/hosts") {
            hosts = host.hasSuffix("\n") || host.isEmpty ? host : host + "\n"
        } else {
            hosts += "127.0.1.1\t\(hostname)\n"
        }
        try FileIO.writeAtomically(p.hosts, string: hosts)
        try FileIO.writeAtomically(p.hostname, string: hostname + "\n")
        // Nameservers on the host's loopback are unreachable from a new network namespace.
        let resolv = (FileIO.readString("/etc/resolv.conf") ?? "").split(separator: "\n").filter { line in
            r.network == .host || !(line.hasPrefix("nameserver 127.") || line.hasPrefix("nameserver ::1"))
        }.joined(separator: "\n")
        try FileIO.writeAtomically(p.resolvConf, string: resolv.isEmpty ? "" : resolv + "\n")
    }
}

extension Engine {
    /// An image's labels, less Berth's own (`berth.service`, `berth.replica`, `berth.project`, …):
    /// those say which service or project a container belongs to, decide the service aliases in
    /// every member's /etc/hosts and what `up` removes as an orphan, so only Berth may set them.
    static func imageLabels(_ labels: [String: String]) -> [String: String] {
        labels.filter { !$0.key.hasPrefix("berth.") }
    }
}
