import BerthOCI
import BerthOS
import Foundation

/// Reading a container's healthcheck: what it runs (config.json's annotation) and what its
/// supervisor recorded (`health`). The probes themselves are the supervisor's (`berth-shim/health.c`).
extension Engine {
    /// The supervisor's record of the container's probes; nil without a healthcheck or before its first start.
    public func health(_ ref: String) throws -> HealthState? {
        HealthState.read(store.paths(try resolve(ref).id).health)
    }

    /// The healthcheck the container runs with (merged over its image's at create); nil: none.
    public static func healthcheck(of spec: OCI.Spec?) -> HealthConfig? {
        guard let json = spec?.annotations?[SpecExtras.Annotation.healthcheck] else { return nil }
        return try? JSONDecoder().decode(HealthConfig.self, from: Data(json.utf8))
    }
}
