import BerthOCI
import BerthOS

/// `inspect`: one container in docker's shape (`DockerInspect`), from its record, its config.json,
/// its supervisor's state and health record, and the networks it is on.
extension Engine {
    public func dockerInspect(_ ref: String) throws -> TemplateValue {
        let record = try resolve(ref)
        let info = info(record)
        var networks: [String: BridgeNetwork] = [:]
        for a in info.networks { networks[a.network] = try? network(named: a.network) }
        var input = DockerInspect.Input(
            info: info, record: record, spec: try? store.storedSpec(record.id), paths: store.paths(record.id),
            health: HealthState.read(store.paths(record.id).health), networks: networks,
            volumesPrefix: volumeStore.directory + "/")
        // Small and the supervisor's own: a line at most, read as text whatever it holds.
        if let notice = FileIO.readString(store.paths(record.id).dnsNotice)?.split(separator: "\n").first {
            input.notices = [String(notice.prefix(512))]
        }
        return DockerInspect.value(input)
    }
}
