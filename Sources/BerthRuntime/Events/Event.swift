import BerthOS
import Foundation

/// One line of the event journal (`ROOT/events/journal`, see docs/events.md): what happened to
/// which object, when. `attributes` are strings, as docker's; for containers they hold `image`,
/// `name`, the container's labels and the action's own (`exitCode`, `signal`).
public struct Event: Codable, Sendable, Equatable {
    /// Nanoseconds since the Unix epoch (wall clock of the writer).
    public var time: Int64
    /// `container` (the only type Berth records so far; `image`, `network`, `volume` are reserved).
    public var type: String
    /// `create`, `start`, `die`, `oom`, `kill`, `stop`, `restart`, `destroy`, `pause`, `unpause`, `rename`.
    public var action: String
    public var id: String
    public var name: String
    public var attributes: [String: String]

    public init(time: Int64, type: String = "container", action: String, id: String, name: String, attributes: [String: String]) {
        self.time = time; self.type = type; self.action = action; self.id = id; self.name = name
        self.attributes = attributes
    }

    /// Parses one journal line; nil for a line that is not an event (a torn or foreign line is
    /// skipped by readers, never fatal). A skim, not `JSONDecoder`: the dashboard replays the
    /// whole journal (up to ~60 000 lines over two generations) when it opens.
    public static func parse(_ line: some Collection<UInt8>) -> Event? {
        var skim = JSONSkim(Array(line))
        var time: Int64?, type: String?, action: String?, id: String?, name: String?, attributes: [String: String]?
        do {
            try skim.forEachMember { s, key in
                switch key {
                case "time": time = try s.int64()
                case "type": type = try s.string()
                case "action": action = try s.string()
                case "id": id = try s.string()
                case "name": name = try s.string()
                case "attributes":
                    var map: [String: String] = [:]
                    try s.forEachMember { s, k in map[k] = try s.string() }
                    attributes = map
                default: try s.skipValue()
                }
            }
            try skim.end()
        } catch { return nil }
        guard let time, let type, let action, let id, let name, let attributes else { return nil }
        return Event(time: time, type: type, action: action, id: id, name: name, attributes: attributes)
    }
}

/// The one writer of journal lines, shared in spirit with the shim (`events.c` appends the same
/// shape after the actor fragment this produces): keys in a fixed order, JSON strings escaped.
enum EventLine {
    /// The longest line a writer appends (the shim's buffer in events.c is this size): one
    /// write(2) each, so concurrent appends never interleave.
    static let maxBytes = 8192
    /// The actor part may take at most this much, so the shim's additions always fit.
    static let maxActorBytes = 4096

    /// `"name":"web","attributes":{"image":"busybox","name":"web"` — the part of a container's
    /// lines that does not change between its events. Labels are left out when they would make
    /// it longer than `maxActorBytes` (and then the image reference is cut), so every line fits.
    static func actor(name: String, attributes: [String: String], labels: [String: String]) -> String {
        func render(_ attrs: [String: String]) -> String {
            var s = "\"name\":" + JSONText.quote(name) + ",\"attributes\":{"
            s += attrs.sorted { $0.key < $1.key }.map { JSONText.quote($0.key) + ":" + JSONText.quote($0.value) }.joined(separator: ",")
            return s
        }
        var attributes = attributes
        attributes["name"] = name // never empty: what the shim appends follows a comma
        let all = labels.merging(attributes) { _, own in own }
        let full = render(all)
        if full.utf8.count <= maxActorBytes { return full }
        var own = attributes
        var text = render(own)
        while text.utf8.count > maxActorBytes, let image = own["image"], !image.isEmpty {
            own["image"] = String(image.prefix(max(0, image.count - (text.utf8.count - maxActorBytes) - 1)))
            text = render(own)
        }
        return text
    }

    /// A whole line: `{"time":…,"type":…,"action":…,"id":…,<actor>,<extra>}}` and a newline.
    static func line(time: Int64, type: String, action: String, id: String, actor: String, extra: [String: String]) -> String {
        var s = "{\"time\":\(time),\"type\":" + JSONText.quote(type) + ",\"action\":" + JSONText.quote(action) + ",\"id\":" + JSONText.quote(id) + ","
        s += actor
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { s += "," + JSONText.quote(k) + ":" + JSONText.quote(v) }
        return s + "}}\n"
    }
}

extension Event {
    /// The event as docker's `events --format json` prints it (`Type`, `Action`, `Actor`,
    /// `time`, `timeNano`, and the older `status`/`id`/`from`): what `--format` templates read.
    public var dockerValue: TemplateValue {
        var attrs: [String: TemplateValue] = [:]
        for (k, v) in attributes { attrs[k] = .string(v) }
        var o: [String: TemplateValue] = [
            "Type": .string(type), "Action": .string(action),
            "Actor": .object(["ID": .string(id), "Attributes": .object(attrs)]),
            "scope": .string("local"),
            "time": .integer(time / 1_000_000_000), "timeNano": .integer(time),
        ]
        if type == "container" {
            o["status"] = .string(action)
            o["id"] = .string(id)
            o["from"] = .string(attributes["image"] ?? "")
        }
        return .object(o)
    }

    /// docker's default line: `TIME TYPE ACTION ID (key=value, …)`.
    public var text: String {
        let attrs = attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return Timestamp(unixNanoseconds: time).rfc3339 + " \(type) \(action) \(id)" + (attrs.isEmpty ? "" : " (\(attrs))")
    }
}
