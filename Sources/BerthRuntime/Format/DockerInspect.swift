import BerthOCI
import BerthOS
import Foundation

/// A container as docker's `inspect` shows it (the Engine API's `ContainerInspectResponse`), for
/// `inspect` and `inspect --format`: docker's keys and nesting (`Id`, `Name` with its leading "/",
/// `State{…}`, `Config{…}`, `HostConfig{…}`, `NetworkSettings{Networks{…}}`, `Mounts`), so scripts
/// and templates written for docker work; what only Berth knows is under the one key `Berth`.
///
/// Berth keeps the command as one list (entrypoint and command joined, as config.json runs it):
/// `Config.Cmd` holds all of it, `Config.Entrypoint` is null. The rest is derived from what the
/// container runs with (config.json) and its record; nothing here is stored twice.
public enum DockerInspect {
    /// What one container's document is built from, gathered by `Engine.dockerInspect`.
    public struct Input: Sendable {
        public var info: ContainerInfo
        public var record: ContainerRecord?
        public var spec: OCI.Spec?
        /// The container's files; nil for an engine without a store (the dashboard's fake one).
        public var paths: ContainerPaths?
        public var health: HealthState?
        /// Each attached network, by name (for its gateway and prefix length); absent when gone.
        public var networks: [String: BridgeNetwork]
        /// Where named volumes live (`…/volumes/`): a bind from below it is a `volume` mount.
        public var volumesPrefix: String
        /// What the supervisor said about how the container runs (`Berth.Notices`): today the
        /// DNS server's fallback to 127.0.0.11:53.
        public var notices: [String] = []

        public init(info: ContainerInfo, record: ContainerRecord?, spec: OCI.Spec?, paths: ContainerPaths?,
                    health: HealthState?, networks: [String: BridgeNetwork], volumesPrefix: String) {
            self.info = info; self.record = record; self.spec = spec; self.paths = paths
            self.health = health; self.networks = networks; self.volumesPrefix = volumesPrefix
        }
    }

    /// docker's zero time, printed for a time that has not happened yet.
    static let zeroTime = "0001-01-01T00:00:00Z"
    /// The files Berth bind-mounts into every networked container: docker leaves them out of `Mounts`.
    static let ownFiles: Set<String> = ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"]

    public static func value(_ input: Input) -> TemplateValue {
        let i = input.info
        let spec = input.spec
        let args = spec?.process?.args ?? i.command
        let ports = portMap(i.ports)
        let path = { (file: KeyPath<ContainerPaths, String>) in input.paths?[keyPath: file] ?? "" }
        let exists = { (file: KeyPath<ContainerPaths, String>) -> TemplateValue in
            let p = path(file)
            return .string(!p.isEmpty && FileManager.default.fileExists(atPath: p) ? p : "")
        }
        var top: [String: TemplateValue] = [
            "Id": .string(i.id), "Name": .string("/" + i.name), "Created": time(i.created),
            "Path": .string(args.first ?? ""), "Args": strings(Array(args.dropFirst())),
            "State": state(i.state, health: input.health),
            "Image": .string(imageID(input.record?.imageID)), "RestartCount": .integer(Int64(i.state.restartCount)),
            "ResolvConfPath": exists(\.resolvConf), "HostnamePath": exists(\.hostname),
            "HostsPath": exists(\.hosts), "LogPath": .string(path(\.log)),
            "Driver": .string("overlay"), "Platform": .string("linux"), "MountLabel": .string(""),
            "ProcessLabel": .string(""), "AppArmorProfile": .string(""), "ExecIDs": .null,
            "GraphDriver": .object(["Name": .string("overlay"), "Data": .object([
                "LowerDir": .string((input.record?.layers ?? []).reversed().joined(separator: ":")),
                "UpperDir": .string(path(\.upper)), "WorkDir": .string(path(\.work)),
                "MergedDir": .string(path(\.rootfs))])]),
        ]
        top["HostConfig"] = hostConfig(input, ports: ports)
        top["Config"] = config(input, args: args)
        top["NetworkSettings"] = networkSettings(input, ports: ports)
        top["Mounts"] = .array(mounts(spec, volumesPrefix: input.volumesPrefix))
        top["Berth"] = berth(input)
        return .object(top)
    }

    // MARK: - Parts

    static func state(_ s: ContainerState, health: HealthState?) -> TemplateValue {
        let status: String
        switch s.status {
        case .running: status = s.paused ? "paused" : "running"
        case .restarting: status = "restarting"
        case .created: status = "created"
        case .exited: status = "exited"
        case .dead, .broken: status = "dead"
        }
        var keys: [String: TemplateValue] = [
            "Status": .string(status), "Running": .bool(s.isRunning),
            "Paused": .bool(s.paused), "Restarting": .bool(s.status == .restarting),
            "OOMKilled": .bool(s.oomKilled), "Dead": .bool(s.status == .dead || s.status == .broken),
            "Pid": .integer(Int64(s.pid ?? 0)), "ExitCode": .integer(Int64(s.exitCode ?? 0)),
            "Error": .string(s.error ?? ""), "StartedAt": time(s.startedAt), "FinishedAt": time(s.finishedAt),
        ]
        // As docker: only a container with a healthcheck has `State.Health`.
        if let health {
            keys["Health"] = .object([
                "Status": .string(health.status), "FailingStreak": .integer(Int64(health.failingStreak)),
                "Log": .array(health.log.map { p in
                    .object(["Start": time(p.start), "End": time(p.end), "ExitCode": .integer(Int64(p.exitCode)),
                             "Output": .string(p.output)])
                }),
            ])
        }
        return .object(keys)
    }

    static func config(_ input: Input, args: [String]) -> TemplateValue {
        let i = input.info
        let spec = input.spec
        let annotations = spec?.annotations ?? [:]
        let healthcheck: TemplateValue = Engine.healthcheck(of: spec).map { h in
            .object(["Test": strings(h.test), "Interval": .integer(h.interval), "Timeout": .integer(h.timeout),
                     "StartPeriod": .integer(h.startPeriod), "StartInterval": .integer(h.startInterval),
                     "Retries": .integer(Int64(h.retries))])
        } ?? .null
        var exposed: [String: TemplateValue] = [:]
        for p in i.ports { exposed[p.containerSide] = .object([:]) }
        let stopSignal = annotations[SpecExtras.Annotation.stopSignal].flatMap(Int32.init)
            .map { SignalName.name(of: $0) ?? String($0) } ?? "SIGTERM"
        let interactive = input.record?.interactive == true
        var keys: [String: TemplateValue] = [
            "Hostname": .string(spec?.hostname ?? i.hostname), "Domainname": .string(spec?.domainname ?? ""),
            "User": .string(spec.flatMap { $0.process.map { "\($0.user.uid):\($0.user.gid)" } } ?? ""),
            "AttachStdin": .bool(interactive), "AttachStdout": .bool(false), "AttachStderr": .bool(false),
            "ExposedPorts": exposed.isEmpty ? .null : .object(exposed),
            "Tty": .bool(spec?.process?.terminal == true), "OpenStdin": .bool(interactive), "StdinOnce": .bool(false),
            "Env": strings(spec?.process?.env), "Cmd": strings(args), "Healthcheck": healthcheck,
            "Image": .string(i.image), "Volumes": .null, "WorkingDir": .string(spec?.process?.cwd ?? ""),
            "Entrypoint": .null, "OnBuild": .null, "Labels": .object(i.labels.mapValues(TemplateValue.string)),
            "StopSignal": .string(stopSignal),
        ]
        if let t = annotations[SpecExtras.Annotation.stopTimeout].flatMap(Int64.init) { keys["StopTimeout"] = .integer(t) }
        return .object(keys)
    }

    static func hostConfig(_ input: Input, ports: [String: TemplateValue]) -> TemplateValue {
        let i = input.info
        let spec = input.spec
        let l = i.limits
        let annotations = spec?.annotations ?? [:]
        let (policy, retries): (String, Int64) = {
            switch i.restartPolicy {
            case .no: return ("no", 0)
            case .always: return ("always", 0)
            case .unlessStopped: return ("unless-stopped", 0)
            case .onFailure(let n): return ("on-failure", Int64(n ?? 0))
            }
        }()
        // `--privileged` is what empties the masked and read-only path lists (`SpecExtras`).
        let linux = spec?.linux
        let privileged = spec != nil && (linux?.maskedPaths ?? []).isEmpty && (linux?.readonlyPaths ?? []).isEmpty
        let caps = spec?.process?.capabilities?.bounding
        let defaults = DefaultSpec.capabilityNames
        let capAdd = privileged ? nil : caps.map { c in c.filter { !defaults.contains($0) } }
        let capDrop = privileged ? nil : caps.map { c in defaults.filter { !c.contains($0) } }
        var securityOpt: [String] = []
        if spec?.process?.noNewPrivileges == true { securityOpt.append("no-new-privileges") }
        if annotations[SpecExtras.Annotation.seccomp] == "unconfined" { securityOpt.append("seccomp=unconfined") }
        let defaultDestinations = Set(DefaultSpec.mounts.map(\.destination))
        var tmpfs: [String: TemplateValue] = [:]
        for m in spec?.mounts ?? [] where m.type == "tmpfs" && !defaultDestinations.contains(m.destination) {
            tmpfs[m.destination] = .string((m.options ?? []).joined(separator: ","))
        }
        let binds: [TemplateValue] = (spec?.mounts ?? []).filter { $0.type == "bind" && !ownFiles.contains($0.destination) }.map { m in
            let source = m.source ?? ""
            let shown = source.hasPrefix(input.volumesPrefix) ? volumeName(source, prefix: input.volumesPrefix) : source
            return .string(shown + ":" + m.destination + ((m.options ?? []).contains("ro") ? ":ro" : ""))
        }
        let defaultDevices = Set(DefaultSpec.devices.map(\.path))
        let devices: [TemplateValue] = (linux?.devices ?? []).filter { !defaultDevices.contains($0.path) }.map {
            .object(["PathOnHost": .string($0.path), "PathInContainer": .string($0.path), "CgroupPermissions": .string("rwm")])
        }
        let ulimits: [TemplateValue] = (spec?.process?.rlimits ?? []).map { r in
            .object(["Name": .string(r.type.hasPrefix("RLIMIT_") ? String(r.type.dropFirst(7)).lowercased() : r.type),
                     "Soft": .integer(Int64(clamping: r.soft)), "Hard": .integer(Int64(clamping: r.hard))])
        }
        // `--add-host` is kept as "IP NAME" lines; docker shows "NAME:IP".
        let extraHosts: [TemplateValue] = (annotations[SpecExtras.Annotation.extraHosts] ?? "").split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            return f.count == 2 ? .string("\(f[1]):\(f[0])") : nil
        }
        return .object([
            "Binds": binds.isEmpty ? .null : .array(binds), "NetworkMode": .string(i.networkModeText),
            "PortBindings": .object(ports), "AutoRemove": .bool(i.autoRemove),
            "RestartPolicy": .object(["Name": .string(policy), "MaximumRetryCount": .integer(retries)]),
            "Memory": .integer(l.memory ?? 0), "MemorySwap": .integer(l.memorySwap ?? 0),
            "NanoCpus": .integer(l.cpus.map { Int64(($0 * 1e9).rounded()) } ?? 0),
            "CpuShares": .integer(Int64(l.cpuShares ?? 0)), "CpusetCpus": .string(l.cpusetCpus ?? ""),
            "CpuPeriod": .integer(l.cpuPeriod ?? 0), "CpuQuota": .integer(l.cpuQuota ?? 0),
            "CpusetMems": .string(l.cpusetMems ?? ""), "MemoryReservation": .integer(l.memoryReservation ?? 0),
            "BlkioWeight": .integer(Int64(l.blkioWeight ?? 0)),
            "BlkioDeviceReadBps": deviceRates(l.blkioDeviceReadBps), "BlkioDeviceWriteBps": deviceRates(l.blkioDeviceWriteBps),
            "BlkioDeviceReadIOps": deviceRates(l.blkioDeviceReadIOps), "BlkioDeviceWriteIOps": deviceRates(l.blkioDeviceWriteIOps),
            "PidsLimit": l.pidsLimit.map { .integer(Int64($0)) } ?? .null,
            "OomScoreAdj": .integer(Int64(spec?.process?.oomScoreAdj ?? 0)),
            "Privileged": .bool(privileged), "ReadonlyRootfs": .bool(spec?.root?.readonly == true),
            "CapAdd": capAdd.map { $0.isEmpty ? .null : strings($0) } ?? .null,
            "CapDrop": capDrop.map { $0.isEmpty ? .null : strings($0) } ?? .null,
            "SecurityOpt": securityOpt.isEmpty ? .null : strings(securityOpt),
            "Tmpfs": tmpfs.isEmpty ? .null : .object(tmpfs),
            "Init": annotations[SpecExtras.Annotation.initProcess] == "true" ? .bool(true) : .null,
            "Sysctls": (linux?.sysctl).map { $0.isEmpty ? .null : .object($0.mapValues(TemplateValue.string)) } ?? .null,
            "Devices": devices.isEmpty ? .array([]) : .array(devices),
            "Ulimits": ulimits.isEmpty ? .null : .array(ulimits),
            "ExtraHosts": extraHosts.isEmpty ? .null : .array(extraHosts),
            "CgroupParent": .string(input.record?.cgroupParent ?? ""),
            "LogConfig": .object(["Type": .string("k8s-file"), "Config": .object([:])]),
        ])
    }

    static func networkSettings(_ input: Input, ports: [String: TemplateValue]) -> TemplateValue {
        let i = input.info
        var networks: [String: TemplateValue] = [:]
        for a in i.networks {
            let net = input.networks[a.network]
            networks[a.network] = endpoint(ip: a.ipAddress, gateway: net?.gateway.description ?? "",
                                           prefix: net.map { Int64($0.subnet.prefix) } ?? 0,
                                           ipv6: IPv6Endpoint(a, net), aliases: a.aliases ?? [], networkID: a.network)
        }
        // docker lists `host` and `none` as networks too, with no address.
        if i.network == .host || i.network == .none {
            networks[i.network.rawValue] = endpoint(ip: "", gateway: "", prefix: 0, ipv6: IPv6Endpoint(),
                                                    aliases: [], networkID: i.network.rawValue)
        }
        let first = i.networks.first
        let firstNet = first.flatMap { input.networks[$0.network] }
        let firstIPv6 = first.map { IPv6Endpoint($0, firstNet) } ?? IPv6Endpoint()
        return .object([
            "Bridge": .string(""), "SandboxID": .string(""), "SandboxKey": .string(""),
            "Ports": .object(ports), "IPAddress": .string(i.ipAddress ?? ""),
            "Gateway": .string(firstNet?.gateway.description ?? ""),
            "IPPrefixLen": .integer(firstNet.map { Int64($0.subnet.prefix) } ?? 0),
            "GlobalIPv6Address": .string(firstIPv6.address), "GlobalIPv6PrefixLen": .integer(firstIPv6.prefix),
            "IPv6Gateway": .string(firstIPv6.gateway),
            "MacAddress": .string(""), "Networks": .object(networks),
        ])
    }

    /// docker's IPv6 fields of an endpoint: empty strings and 0 off an IPv6 network.
    struct IPv6Endpoint {
        var address = "", gateway = ""
        var prefix: Int64 = 0

        init() {}

        init(_ a: NetworkAttachment, _ net: BridgeNetwork?) {
            guard let address = a.ipv6Address, let net, let subnet6 = net.subnet6 else { return }
            self.address = address
            gateway = net.gateway6?.description ?? ""
            prefix = Int64(subnet6.prefix)
        }
    }

    static func endpoint(ip: String, gateway: String, prefix: Int64, ipv6: IPv6Endpoint, aliases: [String], networkID: String) -> TemplateValue {
        .object([
            "IPAMConfig": .null, "Links": .null, "Aliases": aliases.isEmpty ? .null : strings(aliases),
            "NetworkID": .string(networkID), "EndpointID": .string(""), "Gateway": .string(gateway),
            "IPAddress": .string(ip), "IPPrefixLen": .integer(prefix), "IPv6Gateway": .string(ipv6.gateway),
            "GlobalIPv6Address": .string(ipv6.address), "GlobalIPv6PrefixLen": .integer(ipv6.prefix), "MacAddress": .string(""),
            "DriverOpts": .null,
        ])
    }

    /// Bind mounts and volumes the user asked for (Berth's own /etc files are bind mounts too:
    /// left out, as docker does); tmpfs mounts are in `HostConfig.Tmpfs`.
    static func mounts(_ spec: OCI.Spec?, volumesPrefix: String) -> [TemplateValue] {
        (spec?.mounts ?? []).filter { $0.type == "bind" && !ownFiles.contains($0.destination) }.map { m in
            let options = m.options ?? []
            let source = m.source ?? ""
            let propagation = options.first { ["rprivate", "private", "rshared", "shared", "rslave", "slave"].contains($0) } ?? "rprivate"
            var keys: [String: TemplateValue] = [
                "Type": .string("bind"), "Source": .string(source), "Destination": .string(m.destination),
                "RW": .bool(!options.contains("ro")), "Mode": .string(""), "Propagation": .string(propagation),
            ]
            if source.hasPrefix(volumesPrefix) {
                keys["Type"] = .string("volume")
                keys["Name"] = .string(volumeName(source, prefix: volumesPrefix))
                keys["Driver"] = .string("local")
                keys["Mode"] = .string("z")
                keys["Propagation"] = .string("")
            }
            return .object(keys)
        }
    }

    static func berth(_ input: Input) -> TemplateValue {
        let i = input.info
        let s = i.state
        var interfaces: [String: TemplateValue] = [:]
        for a in i.networks { interfaces[a.network] = .string(a.interface) }
        return .object([
            "Service": i.service.map(TemplateValue.string) ?? .null,
            "ShimPid": s.shimPid.map { .integer(Int64($0)) } ?? .null,
            "Signal": s.signal.map { .integer(Int64($0)) } ?? .null,
            "StrayProcesses": s.strayProcesses.map { .integer(Int64($0)) } ?? .null,
            "Interfaces": .object(interfaces),
            "ConfigPath": .string(input.paths?.spec ?? ""),
            "Directory": .string(input.paths?.directory ?? ""),
            "Notices": .array(input.notices.map { .string(Quoted.escapeControls($0)) }),
        ])
    }

    // MARK: - Helpers

    static func time(_ d: Date?) -> TemplateValue { .string(d.map { Timestamp($0).rfc3339 } ?? zeroTime) }

    /// docker's `[{"Path": …, "Rate": …}]`; config.json keeps the device's numbers, so the path is
    /// the kernel's `/dev/block/MAJ:MIN` link to it.
    static func deviceRates(_ rates: [BlockDeviceRate]?) -> TemplateValue {
        .array((rates ?? []).map { .object(["Path": .string($0.path), "Rate": .integer($0.rate)]) })
    }

    static func strings(_ a: [String]?) -> TemplateValue { a.map { .array($0.map(TemplateValue.string)) } ?? .null }

    /// docker's image ids carry their algorithm.
    static func imageID(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "" }
        return id.contains(":") ? id : "sha256:" + id
    }

    /// The volume's name from its data directory (`…/volumes/NAME/_data`).
    static func volumeName(_ source: String, prefix: String) -> String {
        String(source.dropFirst(prefix.count).prefix { $0 != "/" })
    }

    /// `NetworkSettings.Ports` and `HostConfig.PortBindings`: "80/tcp", "53/udp" → the host bindings.
    static func portMap(_ ports: [PortMapping]) -> [String: TemplateValue] {
        var out: [String: [TemplateValue]] = [:]
        for p in ports {
            out[p.containerSide, default: []].append(
                .object(["HostIp": .string(p.hostIP.description), "HostPort": .string(String(p.hostPort))]))
        }
        return out.mapValues(TemplateValue.array)
    }
}
