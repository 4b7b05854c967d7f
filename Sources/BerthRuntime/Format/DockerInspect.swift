import BerthOCI
import BerthOS
import Foundation

/// A container as docker's `inspect` shows it, for `inspect --format`: docker's keys (`Id`,
/// `Name` with its leading "/", `State{…}`, `Config{…}`, `HostConfig{…}`, `NetworkSettings{…}`,
/// `Mounts`), so templates written for docker work; what only Berth knows is under `Berth`.
/// Berth keeps the command as one list (entrypoint and command joined, as config.json runs it):
/// `Config.Cmd` holds all of it, `Config.Entrypoint` is null.
public enum DockerInspect {
    public static func value(_ i: ContainerInfo, spec: OCI.Spec?, logPath: String, imageID: String?,
                             health: HealthState? = nil) -> TemplateValue {
        let s = i.state
        func time(_ d: Date?) -> TemplateValue { .string(d.map { Timestamp($0).rfc3339 } ?? "0001-01-01T00:00:00Z") }
        func strings(_ a: [String]?) -> TemplateValue { a.map { .array($0.map(TemplateValue.string)) } ?? .null }
        let status: String
        switch s.status {
        case .running: status = s.paused ? "paused" : "running"
        case .restarting: status = "restarting"
        case .created: status = "created"
        case .exited: status = "exited"
        case .dead, .broken: status = "dead"
        }
        var stateKeys: [String: TemplateValue] = [
            "Status": .string(status), "Running": .bool(s.status == .running || s.status == .restarting),
            "Paused": .bool(s.paused), "Restarting": .bool(s.status == .restarting),
            "OOMKilled": .bool(s.oomKilled), "Dead": .bool(s.status == .dead || s.status == .broken),
            "Pid": .integer(Int64(s.pid ?? 0)), "ExitCode": .integer(Int64(s.exitCode ?? 0)),
            "Error": .string(s.error ?? ""), "StartedAt": time(s.startedAt), "FinishedAt": time(s.finishedAt),
        ]
        // As docker: only a container with a healthcheck has `State.Health`.
        if let health {
            stateKeys["Health"] = .object([
                "Status": .string(health.status), "FailingStreak": .integer(Int64(health.failingStreak)),
                "Log": .array(health.log.map { p in
                    .object(["Start": time(p.start), "End": time(p.end), "ExitCode": .integer(Int64(p.exitCode)),
                             "Output": .string(p.output)])
                }),
            ])
        }
        let state = TemplateValue.object(stateKeys)
        var ports: [String: TemplateValue] = [:]
        for p in i.ports {
            let binding = TemplateValue.object(["HostIp": .string(p.hostIP.description), "HostPort": .string(String(p.hostPort))])
            if case .array(let list) = ports["\(p.containerPort)/tcp"] ?? .array([]) {
                ports["\(p.containerPort)/tcp"] = .array(list + [binding])
            }
        }
        let args = spec?.process?.args ?? i.command
        let healthcheck: TemplateValue = Engine.healthcheck(of: spec).map { h in
            .object(["Test": strings(h.test), "Interval": .integer(h.interval), "Timeout": .integer(h.timeout),
                     "StartPeriod": .integer(h.startPeriod), "StartInterval": .integer(h.startInterval),
                     "Retries": .integer(Int64(h.retries))])
        } ?? .null
        let config: TemplateValue = .object([
            "Healthcheck": healthcheck,
            "Hostname": .string(spec?.hostname ?? i.hostname), "Image": .string(i.image),
            "Cmd": strings(args), "Entrypoint": .null, "Env": strings(spec?.process?.env),
            "WorkingDir": .string(spec?.process?.cwd ?? ""),
            "User": .string(spec.flatMap { $0.process.map { "\($0.user.uid):\($0.user.gid)" } } ?? ""),
            "Labels": .object(i.labels.mapValues(TemplateValue.string)),
            "Tty": .bool(spec?.process?.terminal == true),
        ])
        let l = i.limits
        let (policy, retries): (String, Int64) = {
            switch i.restartPolicy {
            case .no: return ("no", 0)
            case .always: return ("always", 0)
            case .unlessStopped: return ("unless-stopped", 0)
            case .onFailure(let n): return ("on-failure", Int64(n ?? 0))
            }
        }()
        let hostConfig: TemplateValue = .object([
            "Memory": .integer(l.memory ?? 0), "MemorySwap": .integer(l.memorySwap ?? 0),
            "NanoCpus": .integer(l.cpus.map { Int64(($0 * 1e9).rounded()) } ?? 0),
            "CpuShares": .integer(Int64(l.cpuShares ?? 0)), "CpusetCpus": .string(l.cpusetCpus ?? ""),
            "PidsLimit": l.pidsLimit.map { .integer(Int64($0)) } ?? .null,
            "RestartPolicy": .object(["Name": .string(policy), "MaximumRetryCount": .integer(retries)]),
            "NetworkMode": .string(i.networks.first?.network ?? i.network.rawValue), "AutoRemove": .bool(i.autoRemove),
            "PortBindings": .object(ports),
        ])
        var networks: [String: TemplateValue] = [:]
        for a in i.networks {
            networks[a.network] = .object(["IPAddress": .string(a.ipAddress), "NetworkID": .string(a.network),
                                           "Aliases": .array((a.aliases ?? []).map { .string($0) })])
        }
        let network: TemplateValue = .object([
            "IPAddress": .string(i.ipAddress ?? ""), "Ports": .object(ports), "Networks": .object(networks),
        ])
        // Bind mounts the user can see (Berth's own /etc files are bind mounts too: left out, as docker does).
        let mounts: [TemplateValue] = (spec?.mounts ?? []).filter {
            $0.type == "bind" && !["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"].contains($0.destination)
        }.map { m in
            .object(["Type": .string("bind"), "Source": .string(m.source ?? ""), "Destination": .string(m.destination),
                     "RW": .bool(!(m.options ?? []).contains("ro")), "Mode": .string(""), "Propagation": .string("")])
        }
        return .object([
            "Id": .string(i.id), "Name": .string("/" + i.name), "Created": time(i.created),
            "Path": .string(args.first ?? ""), "Args": strings(Array(args.dropFirst())),
            "State": state, "Image": .string(imageID ?? ""), "RestartCount": .integer(Int64(s.restartCount)),
            "LogPath": .string(logPath), "Config": config, "HostConfig": hostConfig,
            "NetworkSettings": network, "Mounts": .array(mounts),
            "Berth": .object(["Service": i.service.map(TemplateValue.string) ?? .null,
                              "StrayProcesses": s.strayProcesses.map { .integer(Int64($0)) } ?? .null,
                              "ShimPid": s.shimPid.map { .integer(Int64($0)) } ?? .null]),
        ])
    }
}
