import BerthOS
import Foundation

/// The dashboard's inspect view: one container's inspect document as text, from the engine
/// function that builds what `berth inspect --format json` prints, so the view and the CLI agree.
extension Engine {
    public func inspectDocument(_ ref: String) throws -> String {
        let record = try resolve(ref)
        let i = try inspect(record.id)
        let value = DockerInspect.value(i, spec: try? spec(i.id), logPath: try logPath(i.id), imageID: record.imageID,
                                        health: try health(i.id))
        return InspectText.indented(value.jsonText)
    }
}

/// Compact JSON indented for reading, keys sorted (as `jsonText` has them).
public enum InspectText {
    public static func indented(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
