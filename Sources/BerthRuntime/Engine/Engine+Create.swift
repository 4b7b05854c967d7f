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
        try RunOptionRules.check(request.options, network: request.network)
        if let name = request.name { _ = try ContainerName.validate(name) }
        if let w = request.workingDir, !w.hasPrefix("/") {
            throw BerthError.invalidArgument("the working directory \(w.quoted) is invalid: it needs to be an absolute path")
        }
        // A build step's container runs on the build's own layers, which no image names yet.
        let image = try request.buildImage ?? images.resolve(request.image)
        // `container:NAME`: the other container, checked before anything is made.
        let joined = request.network == .container ? try networkContainer(for: request) : nil
        var request = request
        request.ports = try Self.publishedPorts(request, exposedByImage: image.config.exposedPorts)
        if !request.ports.isEmpty && request.network != .bridge {
            throw BerthError.invalidArgument("publishing ports (-p) needs a bridge network, not --network \(request.network.rawValue)")
        }
        let bridge = request.network == .bridge ? try bridgeStore.network(named: request.networkName ?? BridgeNetwork.defaultName) : nil
        let requestedIP = try Self.requestedAddress(request.ipAddress)
        let requestedIP6 = try Self.requestedAddress6(request.ipv6Address)
        try Self.checkAliases(request.networkAliases)
        if bridge == nil && (requestedIP != nil || requestedIP6 != nil || !request.networkAliases.isEmpty || !request.extraNetworks.isEmpty) {
            throw BerthError.invalidArgument("--ip, --ip6, --network-alias and more networks need a bridge network, not --network \(request.network.rawValue)")
        }
        // The other networks, checked before anything is made.
        let moreNetworks = try request.extraNetworks.map { choice -> (BridgeNetwork, NetworkChoice, IPv4Address?) in
            try Self.checkAliases(choice.aliases)
            return (try bridgeStore.network(named: choice.name), choice, try Self.requestedAddress(choice.ipAddress))
        }
        let allNames = ([bridge?.name].compactMap { $0 } + moreNetworks.map(\.0.name))
        guard Set(allNames).count == allNames.count else { throw BerthError.invalidArgument("a network is named twice for one container") }
        guard allNames.count <= NetworkAttachment.maximumPerContainer else {
            throw BerthError.invalidArgument("a container can be on \(NetworkAttachment.maximumPerContainer) networks at most")
        }

        let entrypoint = request.entrypoint ?? image.config.entrypoint
        let cmd = request.command.isEmpty ? (request.entrypoint != nil ? [] : image.config.cmd) : request.command
        let command = entrypoint + cmd
        guard !command.isEmpty else {
            throw BerthError.invalidArgument("no command specified: the image has no Cmd or Entrypoint; give one after the image name")
        }
        let layerDirs = image.layers.map(images.layerPath)
        let userSpec = request.user ?? (image.config.user.isEmpty ? "0:0" : image.config.user)
        // Containers start from the image as is: its files as the overlay will show them.
        let user = try UserResolver.resolve(userSpec, layers: LayeredRoot(topmostFirst: layerDirs.reversed()))

        var runOptions = request.options
        // The image's STOPSIGNAL unless the user gave one (docker's merge); one Berth cannot parse is ignored.
        if runOptions.stopSignal == nil, let s = image.config.stopSignal, (try? SignalName.parse(s)) != nil { runOptions.stopSignal = s }
        var extras = try specExtras(runOptions, layerRoots: layerDirs.reversed())
        // The image's healthcheck under the user's (docker's merge), stored only when it probes.
        if let health = HealthConfig.merged(request.options.healthcheck, over: image.config.healthcheck),
           health.probeArguments != nil {
            try HealthConfig.check(health)
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            extras.annotations[SpecExtras.Annotation.healthcheck] = String(decoding: try enc.encode(health), as: UTF8.self)
        }

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
        let prepared = try prepareMounts(request)
        // docker: a host-network container without --hostname has the host's name; one on another
        // container's network, that container's (--hostname is refused with it).
        let inheritedHostname = request.hostname != nil ? nil
            : request.network == .host ? Self.hostHostname() : joined?.hostname

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
            newRecord.networkContainer = joined?.record.id
            var settings = ContainerSpecBuilder.Settings(
                args: command, env: env,
                workingDir: request.workingDir ?? (image.config.workingDir.isEmpty ? "/" : image.config.workingDir),
                user: user, hostname: request.hostname ?? inheritedHostname ?? String(name.prefix(63)), terminal: request.tty,
                limits: request.limits, extras: extras)
            // docker sets HOSTNAME unless the image or the user did.
            if !settings.env.contains(where: { $0.hasPrefix("HOSTNAME=") }) { settings.env.append("HOSTNAME=" + settings.hostname) }
            var madeVolumes: [String] = []
            settings.readOnlyRoot = request.readOnlyRoot
            settings.shmSize = request.shmSize
            do {
                // 0700: it holds the writable layer; rootfs/upper keep 0755, the container's "/".
                guard mkdir(staging.directory, 0o700) == 0 else { throw BerthError.errno("mkdir", staging.directory) }
                if let start = ProcStat.startTime(pid: getpid()) {
                    try FileIO.writeAtomically(staging.creator, string: "\(getpid()) \(start)\n")
                }
                CrashPoint.reach("create-made-directory")
                if let bridge {
                    let leased = try bridgeStore.allocateAddress(for: id, on: bridge, requested: requestedIP, requested6: requestedIP6)
                    newRecord.ipAddress = leased.v4.description
                    newRecord.networks = [NetworkAttachment(network: bridge.name, ipAddress: leased.v4.description, interface: "eth0",
                                                            aliases: request.networkAliases.isEmpty ? nil : request.networkAliases,
                                                            ipv6Address: leased.v6?.description)]
                    for (i, (net, choice, requested)) in moreNetworks.enumerated() {
                        let extra = try bridgeStore.allocateAddress(for: id, on: net, requested: requested)
                        newRecord.networks?.append(NetworkAttachment(network: net.name, ipAddress: extra.v4.description, interface: "eth\(i + 1)",
                                                                     aliases: choice.aliases.isEmpty ? nil : choice.aliases,
                                                                     ipv6Address: extra.v6?.description))
                    }
                }
                CrashPoint.reach("create-allocated-address")
                for dir in [staging.rootfs, staging.upper, staging.work] {
                    guard mkdir(dir, 0o755) == 0 else { throw BerthError.errno("mkdir", dir) }
                }
                if let joined {
                    try copyEtcFiles(of: joined.record, to: staging)
                } else {
                    try writeEtcFiles(newRecord, hostname: settings.hostname, options: request.options, staging)
                }
                settings.mounts = try attachVolumes(prepared, imageVolumes: image.config.volumes ?? [], layers: layerDirs) { names in
                    guard !names.isEmpty else { return }
                    try FileIO.writeAtomically(staging.directory + "/" + Self.volumesMadeFile, string: names.joined(separator: "\n") + "\n")
                    madeVolumes = names
                }
                CrashPoint.reach("create-attached-volumes")
                let version = (try? cgroups.manager(parent: newRecord.cgroupParent))?.version
                // The spec names the container's final paths, symlinks of the root resolved: the shim
                // opens every bind source without following symlinks (BindSource).
                let specPaths = ContainerPaths(root: BindSource.realPath(root) ?? root, id: id)
                let spec = ContainerSpecBuilder.build(record: newRecord, settings: settings, paths: specPaths,
                                                      layerDirectories: layerDirs, cgroupVersion: version)
                // Compact: every listing decodes it, and JSON decoding costs by the byte (6.1 KB
                // pretty-printed, 3.9 KB compact; `jq . config.json` shows it indented).
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                try FileIO.writeAtomically(staging.spec, bytes: Array(try enc.encode(spec)))
                try FileIO.writeAtomically(staging.status, string: "status=created\n")
                try FileIO.writeAtomically(staging.record, bytes: Array(try JSONEncoder.berth.encode(newRecord)))
                CrashPoint.reach("create-wrote-files")
                guard rename(staging.directory, p.directory) == 0 else { throw BerthError.errno("rename", staging.directory) }
                unlink(p.creator)
            } catch {
                for name in madeVolumes { try? volumeStore.remove(name) }
                try? FileIO.removeTree(staging.directory)
                names.release(name, of: id)
                if bridge != nil { bridgeStore.releaseAddresses(of: [id]) }
                throw error
            }
            recordEvent("create", newRecord)
            if bridge != nil { refreshNetworkNames() }
            return newRecord
        }
    }

    /// `--ip` parsed; nil when not given.
    static func requestedAddress(_ text: String?) throws -> IPv4Address? {
        guard let text else { return nil }
        guard let ip = IPv4Address(text) else { throw BerthError.invalidArgument("invalid --ip \(text.quoted): expected an IPv4 address") }
        return ip
    }

    static func requestedAddress6(_ text: String?) throws -> IPv6Address? {
        guard let text else { return nil }
        guard let ip = IPv6Address(text) else { throw BerthError.invalidArgument("invalid --ip6 \(text.quoted): expected an IPv6 address") }
        return ip
    }

    /// `--network-alias`: each becomes an /etc/hosts name, so each must be a hostname.
    static func checkAliases(_ aliases: [String]) throws {
        for a in aliases where !isValidHostname(a) {
            throw BerthError.invalidArgument("invalid --network-alias \(a.quoted): expected a hostname ([a-zA-Z0-9.-], at most 63 characters)")
        }
    }

    static func isValidHostname(_ h: String) -> Bool {
        guard !h.isEmpty, h.count <= 63 else { return false }
        return h.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") } && h.first != "-"
    }

    /// The host's name, if it is one a container may carry.
    static func hostHostname() -> String? {
        var buf = [UInt8](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return nil }
        let name = String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        return isValidHostname(name) ? name : nil
    }

    private func writeEtcFiles(_ r: ContainerRecord, hostname: String, options: RunOptions, _ p: ContainerPaths) throws {
        var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        if r.network == .host, let host = FileIO.readString("/etc/hosts") {
            hosts = host.hasSuffix("\n") || host.isEmpty ? host : host + "\n"
        } else {
            hosts += "127.0.1.1\t\(hostname)\n"
        }
        hosts += options.extraHosts.map { "\($0.address)\t\($0.name)\n" }.joined()
        try FileIO.writeAtomically(p.hosts, string: hosts)
        try FileIO.writeAtomically(p.hostname, string: hostname + "\n")
        let hostResolv = FileIO.readString("/etc/resolv.conf") ?? ""
        // On networks, the container's own DNS server answers (it knows the other members).
        let resolv = r.network == .bridge
            ? EmbeddedDNS.containerResolvConf(host: hostResolv, search: options.dnsSearch, options: options.dnsOptions)
            : Self.resolvConf(host: hostResolv, network: r.network, options: options)
        try FileIO.writeAtomically(p.resolvConf, string: resolv)
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
