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
        return DockerInspect.value(DockerInspect.Input(
            info: info, record: record, spec: try? store.storedSpec(record.id), paths: store.paths(record.id),
            health: HealthState.read(store.paths(record.id).health), networks: networks,
            volumesPrefix: volumeStore.directory + "/"))
    }
}
