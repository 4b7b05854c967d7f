import BerthOCI

/// The device rules a container's cgroup enforces, from its config.json: deny everything, then
/// `linux.resources.devices` in order, then the devices every container needs and the nodes of
/// `linux.devices` (as runc does, so containerd's and podman's bundles behave as under runc). A
/// later rule overrides an earlier one for what it names.
public enum DeviceRules {
    /// What every container may use: mknod of any node (a node is harmless until opened), and
    /// docker's default set: null, zero, full, random, urandom, tty, console, ptmx and the ptys.
    public static let defaults: [DeviceRule] = [
        DeviceRule(allow: true, kind: .char, access: .mknod),
        DeviceRule(allow: true, kind: .block, access: .mknod),
    ] + ([(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2)] as [(UInt32, UInt32)]).map {
        DeviceRule(allow: true, kind: .char, major: $0.0, minor: $0.1)
    } + [DeviceRule(allow: true, kind: .char, major: 136)]

    public static let denyAll = DeviceRule(allow: false, kind: .all)
    public static let allowAll = DeviceRule(allow: true, kind: .all)

    /// The rules to enforce, `denyAll` first. Throws naming the first bad entry
    /// (`linux.resources.devices[N].access`, …).
    public static func effective(_ entries: [OCI.DeviceCgroup]?, nodes: [OCI.Device]) throws(BerthError) -> [DeviceRule] {
        let given = try check(entries)
        var rules = [denyAll] + given + defaults
        // A node the rules already name keeps their access (`--device …:r` stays read-only).
        for node in nodes {
            guard let kind = DeviceRule.Kind(rawValue: node.type == "u" ? "c" : node.type), kind != .all,
                  let major = UInt32(exactly: node.major), let minor = UInt32(exactly: node.minor) else { continue }
            if given.contains(where: { $0.kind == kind && $0.major == major && $0.minor == minor }) { continue }
            rules.append(DeviceRule(allow: true, kind: kind, major: major, minor: minor))
        }
        return rules
    }

    /// Each entry of `linux.resources.devices` checked, naming the first bad one.
    public static func check(_ entries: [OCI.DeviceCgroup]?) throws(BerthError) -> [DeviceRule] {
        var rules: [DeviceRule] = []
        for (i, entry) in (entries ?? []).enumerated() {
            rules.append(try DeviceRule(entry, field: "linux.resources.devices[\(i)]"))
        }
        return rules
    }
}
