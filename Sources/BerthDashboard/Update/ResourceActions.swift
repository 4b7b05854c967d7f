import BerthOS
import BerthRuntime

/// The images, volumes and networks views: switching to them and removing what they list.
extension DashboardModel {
    /// Switches the view; the sampler reads the new view's resources now and at its cadence, and
    /// stops reading them when another view is shown.
    mutating func show(_ next: DashboardView) -> [Effect] {
        let before = view
        view = next
        var effects: [Effect] = before.resourceKind == nil && next.resourceKind == nil ? [] : [.watchResources(next.resourceKind)]
        if next == .processes {
            effects.append(.watchProcesses(id: processes.id))
        } else if before == .processes {
            effects.append(.watchProcesses(id: nil))
        }
        return effects
    }

    /// The selected row of the view on screen: its kind, index and name.
    var selectedResource: (kind: ResourceKind, index: Int, name: String)? {
        guard let kind = view.resourceKind else { return nil }
        let i = resourceSelection[kind] ?? 0
        return resources.name(kind, at: i).map { (kind, i, $0) }
    }

    /// `d`: asks before removing the selected image name, volume or network. One a container
    /// uses is refused at once, naming how many use it (the engine would refuse it too).
    mutating func confirmRemoveResource() -> [Effect] {
        guard let (kind, i, name) = selectedResource else {
            status = StatusMessage("no \(view.resourceKind?.rawValue ?? "row") selected", .error)
            return []
        }
        let users = resources.users(kind, at: i)
        if users > 0 {
            let what = kind == .network ? "has \(users) container\(users == 1 ? "" : "s") on it" : "is used by \(users) container\(users == 1 ? "" : "s")"
            status = StatusMessage("\(kind.rawValue) \(Quoted.escapeControls(name)) \(what): remove \(users == 1 ? "it" : "them") first", .error)
            return []
        }
        let tail = kind == .volume ? " Its data goes with it." : ""
        mode = .confirm(PendingConfirmation(question: "Remove \(kind.rawValue) \(Quoted.escapeControls(name))?\(tail)",
                                            actions: [.removeResource(kind: kind, name: name)]))
        return []
    }

    /// `P`: asks before removing every image or volume no container uses.
    mutating func confirmPruneResources() -> [Effect] {
        guard let kind = view.resourceKind else { return [] }
        let question: String
        switch kind {
        case .image: question = "Remove every image no container uses, and unused layers?"
        case .volume: question = "Remove every volume no container mounts, with its data?"
        case .network: question = "Remove every network no container is on?"
        }
        mode = .confirm(PendingConfirmation(question: question, actions: [.pruneResources(kind)]))
        return []
    }
}
