import BerthRuntime
import Foundation

/// The images (`5`), volumes (`6`) and networks (`7`) views: one table of what `berth images`,
/// `volume ls` and `network ls` list, the selection in the selection colour.
enum ResourcesPane {
    static func draw(_ m: DashboardModel, _ kind: ResourceKind, in r: Rect, on c: Canvas) {
        let (number, title) = heading(kind)
        let total = m.resources.count(kind)
        c.box(r, title: "\(number) \(title) \(total)", focused: true)
        let inner = r.inner
        guard inner.height > 1, inner.width > 20 else { return }
        if let error = m.resources.errors[kind] {
            c.text("could not list \(kind.rawValue)s: \(error)", row: inner.y + 1, column: inner.x + 2, width: inner.width - 3, role: .error)
        } else if total == 0 {
            let message = m.resources.loaded.contains(kind) ? emptyMessage(kind) : "reading \(kind.rawValue)s…"
            c.text(message, row: inner.y + 1, column: inner.x + 2, width: inner.width - 3, role: .muted)
        }
        let top = m.resources.errors[kind] == nil ? inner.y + 1 : inner.y + 2
        let selected = min(m.resourceSelection[kind] ?? 0, max(0, total - 1))
        Table.draw(columns(kind, width: inner.width), count: total, scroll: .selected(selected), top: top, in: r, on: c) {
            cell(m, kind, row: $0, column: $1)
        }
    }

    static func heading(_ kind: ResourceKind) -> (String, String) {
        switch kind {
        case .image: return ("5", "Images")
        case .volume: return ("6", "Volumes")
        case .network: return ("7", "Networks")
        }
    }

    static func emptyMessage(_ kind: ResourceKind) -> String {
        switch kind {
        case .image: return "No images: `berth pull`, `berth load` or `berth image busybox` bring one"
        case .volume: return "No volumes: `berth volume create NAME` or `run -v NAME:/path` make one"
        case .network: return "No networks"
        }
    }

    static func columns(_ kind: ResourceKind, width: Int) -> [Table.Column] {
        switch kind {
        case .image:
            return [Table.Column(heading: "REPOSITORY:TAG", fitContent: true), .init(heading: "IMAGE ID", width: 12), .init(heading: "SIZE", width: 9, alignRight: true),
                    .init(heading: "LAYERS", width: 6, alignRight: true), .init(heading: "CREATED", width: 10, alignRight: true),
                    .init(heading: "USED BY", width: 7, alignRight: true)]
        case .volume:
            return [Table.Column(heading: "NAME", fitContent: true), .init(heading: "DRIVER", width: 6), .init(heading: "KIND", width: 9),
                    .init(heading: "CREATED", width: 10, alignRight: true), .init(heading: "USED BY")]
        case .network:
            return [Table.Column(heading: "NAME", width: min(24, max(12, width / 6))), .init(heading: "SUBNET", width: 18),
                    .init(heading: "GATEWAY", width: 15), .init(heading: "INTERNAL", width: 8), .init(heading: "MEMBERS")]
        }
    }

    /// "3d4h ago", from the snapshots' clock (so golden screens do not depend on the wall clock).
    static func age(_ d: Date, now: Date) -> String { Format.duration(now.timeIntervalSince(d)) + " ago" }

    /// "3 web-1, web-2, db": how many, then who.
    static func names(_ list: [String]) -> String { list.isEmpty ? "-" : "\(list.count)  " + list.joined(separator: ", ") }

    /// The text of one cell, and its colour when not the plain text colour.
    static func cell(_ m: DashboardModel, _ kind: ResourceKind, row i: Int, column j: Int) -> (String, ThemeRole?) {
        switch kind {
        case .image:
            let v = m.resources.images[i]
            switch j {
            case 0: return (v.reference, nil)
            case 1: return (String(v.id.prefix(12)), .muted)
            case 2: return (Format.bytes(v.size), nil)
            case 3: return (String(v.layers), nil)
            case 4: return (age(v.created, now: m.now), .muted)
            default: return (String(v.usedBy), v.usedBy == 0 ? .muted : .running)
            }
        case .volume:
            let v = m.resources.volumes[i]
            switch j {
            case 0: return (v.name, nil)
            case 1: return (v.driver, .muted)
            case 2: return (v.anonymous ? "anonymous" : "named", .muted)
            case 3: return (age(v.created, now: m.now), .muted)
            default: return (names(v.usedBy), v.usedBy.isEmpty ? .muted : nil)
            }
        case .network:
            let v = m.resources.networks[i]
            switch j {
            case 0: return (v.name, nil)
            case 1: return (v.subnet, nil)
            case 2: return (v.gateway, nil)
            case 3: return (v.isInternal ? "yes" : "no", v.isInternal ? .warning : .muted)
            default: return (names(v.members), v.members.isEmpty ? .muted : nil)
            }
        }
    }
}
