import BerthOS
import BerthRuntime
import Foundation

/// `--format` for verbs that print one document (`info`, `version`): nothing → the verb's own
/// text, `json` → the document as JSON on one line, anything else → a Go-style template on it.
enum Formatted {
    static func print<T: Encodable>(_ value: T, format: String?, text: () -> String) throws {
        guard let format else { Swift.print(text(), terminator: ""); return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Timestamp(date).rfc3339)
        }
        let template = format == "json" ? nil : try Template(format)
        let data = try TemplateValue(encoding: value, encoder: encoder)
        Swift.print(try template?.render(data) ?? data.jsonText)
    }
}
