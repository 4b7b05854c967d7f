import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// docker's `run` flags for privileges, rlimits, devices, sysctls, name resolution, the stop signal
/// and files of variables: declared beside `ContainerFlags` (run, create, service create/update). Only the
/// syntax is read here; `RunOptionRules` (called by `Engine.create`) is the validator.
/// `--stop-timeout` is `ContainerOptions`' (a service has its own, for all its replicas).
struct RunOptionFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Read environment variables from a file (KEY=VALUE lines; KEY alone takes this shell's value).", valueName: "file")) var envFile: [String] = []
    @Option(help: ArgumentHelp("Read labels from a file of KEY=VALUE lines.", valueName: "file")) var labelFile: [String] = []
    @Option(help: ArgumentHelp("Add a Linux capability (ALL for every one).", valueName: "cap")) var capAdd: [String] = []
    @Option(help: ArgumentHelp("Drop a Linux capability (ALL for every one).", valueName: "cap")) var capDrop: [String] = []
    @Flag(help: "Give the container every capability, the host's devices, writable /sys and no seccomp filter (see docs/security.md).") var privileged = false
    @Option(help: ArgumentHelp("no-new-privileges[:true|false] or seccomp=unconfined.", valueName: "option")) var securityOpt: [String] = []
    @Option(help: ArgumentHelp("A resource limit, e.g. nofile=1024:2048.", valueName: "name=soft[:hard]")) var ulimit: [String] = []
    @Option(help: ArgumentHelp("Add a host device to the container.", valueName: "host[:container][:rwm]")) var device: [String] = []
    @Option(help: ArgumentHelp("Allow the container a class of devices, e.g. 'c 1:3 rwm' or 'b 8:* r' (see docs/security.md).", valueName: "rule")) var deviceCgroupRule: [String] = []
    @Option(help: ArgumentHelp("Set a namespaced kernel parameter, e.g. net.ipv4.ip_forward=1.", valueName: "key=value")) var sysctl: [String] = []
    @Option(help: ArgumentHelp("Add a supplementary group (name from the image's /etc/group, or a number).", valueName: "group")) var groupAdd: [String] = []
    @Option(help: ArgumentHelp("Add a line to /etc/hosts.", valueName: "name:ip")) var addHost: [String] = []
    @Option(help: ArgumentHelp("Name server for the container's resolv.conf.", valueName: "ip")) var dns: [String] = []
    @Option(help: ArgumentHelp("Search domain for the container's resolv.conf.", valueName: "domain")) var dnsSearch: [String] = []
    @Option(help: ArgumentHelp("resolv.conf option, e.g. ndots:2.", valueName: "option")) var dnsOption: [String] = []
    @Option(help: ArgumentHelp("Signal that stops the container (default SIGTERM).", valueName: "signal")) var stopSignal: String?
    @Option(help: ArgumentHelp("The container's NIS domain name.", valueName: "name")) var domainname: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Tune the container's OOM preference (-1000 to 1000; higher is killed first).", valueName: "n")) var oomScoreAdj: Int?
    @Flag(name: .customLong("init"), help: "Run a minimal init as PID 1 that forwards signals and reaps orphans.") var initProcess = false
    @Option(help: ArgumentHelp("Command the supervisor runs to check health (through /bin/sh -c).", valueName: "command")) var healthCmd: String?
    @Option(help: ArgumentHelp("Time between health probes (default 30s).", valueName: "duration")) var healthInterval: String?
    @Option(help: ArgumentHelp("Time a health probe may take before it is killed and counted as failed (default 30s).", valueName: "duration")) var healthTimeout: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Failed probes in a row that make the container unhealthy (default 3).", valueName: "n")) var healthRetries: Int?
    @Option(help: ArgumentHelp("Time after start when failed probes do not count (default 0s).", valueName: "duration")) var healthStartPeriod: String?
    @Option(help: ArgumentHelp("Time between health probes during the start period (default 5s).", valueName: "duration")) var healthStartInterval: String?
    @Flag(help: "Disable any healthcheck, the image's included.") var noHealthcheck = false

    /// Sets what was given; a list flag given replaces the whole list (as `service update` expects).
    func apply(to o: inout RunOptions) throws {
        if !capAdd.isEmpty { o.capAdd = capAdd }
        if !capDrop.isEmpty { o.capDrop = capDrop }
        if privileged { o.privileged = true }
        for s in securityOpt { try RunOptionRules.applySecurityOption(s, to: &o) }
        if !ulimit.isEmpty { o.ulimits = try ulimit.map { try RunOptionRules.parseUlimit($0) } }
        if !device.isEmpty { o.devices = try device.map { try RunOptionRules.parseDevice($0) } }
        if !deviceCgroupRule.isEmpty {
            for rule in deviceCgroupRule { _ = try DeviceRule.parse(rule) }
            o.deviceCgroupRules = deviceCgroupRule
        }
        if !sysctl.isEmpty {
            o.sysctls = [:]
            for s in sysctl { let (k, v) = try RunOptionRules.parseSysctl(s); o.sysctls[k] = v }
        }
        if !groupAdd.isEmpty { o.groupAdd = groupAdd }
        if !addHost.isEmpty { o.extraHosts = try addHost.map { try RunOptionRules.parseExtraHost($0) } }
        if !dns.isEmpty { o.dns = dns }
        if !dnsSearch.isEmpty { o.dnsSearch = dnsSearch }
        if !dnsOption.isEmpty { o.dnsOptions = dnsOption }
        if let stopSignal { o.stopSignal = stopSignal }
        if initProcess { o.initProcess = true }
        if let oomScoreAdj { o.oomScoreAdj = oomScoreAdj }
        if let domainname { o.domainname = domainname }
        try applyHealth(to: &o)
    }

    /// The `--health-*` flags over what `o` had (a service's template keeps the rest of its healthcheck).
    private func applyHealth(to o: inout RunOptions) throws {
        let given = healthCmd != nil || healthInterval != nil || healthTimeout != nil || healthRetries != nil
            || healthStartPeriod != nil || healthStartInterval != nil
        if noHealthcheck {
            // docker's rule: disabling and configuring at once is a contradiction.
            if given { throw BerthError.invalidArgument("--no-healthcheck conflicts with --health-* options") }
            o.healthcheck = .disabled
            return
        }
        guard given else { return }
        var h = o.healthcheck ?? HealthConfig()
        if h.test == HealthConfig.disabled.test { h.test = [] }
        if let healthCmd { h.test = ["CMD-SHELL", healthCmd] }
        if let v = healthInterval { h.interval = try HealthConfig.duration(v, flag: "--health-interval") }
        if let v = healthTimeout { h.timeout = try HealthConfig.duration(v, flag: "--health-timeout") }
        if let v = healthStartPeriod { h.startPeriod = try HealthConfig.duration(v, flag: "--health-start-period") }
        if let v = healthStartInterval { h.startInterval = try HealthConfig.duration(v, flag: "--health-start-interval") }
        if let healthRetries { h.retries = healthRetries }
        o.healthcheck = h
    }

    /// `--env-file` entries, then `-e` (which wins, as in docker), with bare names resolved
    /// against this process's environment and left out when unset.
    func environment(_ env: [String]) throws -> [String] {
        var entries: [String] = []
        for file in envFile { entries += try EnvFile.lines(EnvFile.read(file, what: "--env-file"), what: "--env-file \(file)") }
        entries += env
        let caller = ProcessInfo.processInfo.environment
        return try entries.compactMap { try EnvFile.resolve($0, lookup: { caller[$0] }) }
    }

    /// `--label-file` lines (KEY=VALUE; a bare KEY is an empty label, as with `-l`).
    func labelFileLines() throws -> [String] {
        try labelFile.flatMap { try EnvFile.lines(EnvFile.read($0, what: "--label-file"), what: "--label-file \($0)") }
    }
}
