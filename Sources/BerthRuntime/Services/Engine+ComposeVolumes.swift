import BerthOS
import Foundation

/// A compose project's volumes: made by `up` (labelled with the project), kept by `down`,
/// removed by `down -v` with the anonymous volumes of the project's containers.
extension Engine {
    /// Creates the project's declared volumes that are missing; an external one must exist.
    func ensureVolumes(of project: ComposeProject) throws {
        for v in project.volumes {
            if v.external {
                guard volumeStore.info(v.name) != nil else {
                    throw BerthError.invalidArgument("volumes.\(v.key): the external volume \(v.name.quoted) does not exist (berth volume create \(v.name))")
                }
                continue
            }
            var labels = v.labels
            labels[ServiceLabel.project] = project.name
            try createVolume(v.name, labels: labels)
        }
    }

    /// The anonymous volumes the project's containers made, to remove once they are gone.
    func anonymousVolumes(ofProject project: String) -> [String] {
        ((try? list(all: true)) ?? []).filter { $0.labels[ServiceLabel.project] == project }
            .flatMap { volumesMade(inDirectory: store.paths($0.id).directory) }
    }

    /// `down -v`: the project's volumes (labelled by `up`) and `anonymous`, when no container uses them.
    func removeVolumes(ofProject project: String, anonymous: [String]) {
        removeUnusedVolumes(anonymous, anonymousOnly: true)
        let own = volumeStore.list().filter { $0.labels[ServiceLabel.project] == project }.map(\.name)
        removeUnusedVolumes(own, anonymousOnly: false)
    }
}
