import Foundation

/// The data a `--format` template reads: JSON's values (what docker's templates see of its
/// JSON-shaped structs), built from any Encodable through its JSON, so the keys a template names
/// are the keys `--format json` prints.
public indirect enum TemplateValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    /// Whole numbers beyond a Double's 53 bits exactly (nanosecond times).
    case integer(Int64)
    case string(String)
    case array([TemplateValue])
    case object([String: TemplateValue])

    /// The value of an Encodable, through `encoder` (its key and date strategies apply).
    public init<T: Encodable>(encoding value: T, encoder: JSONEncoder = JSONEncoder()) throws {
        let data = try encoder.encode(value)
        self.init(json: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// The value of what JSONSerialization read.
    public init(json: Any) {
        switch json {
        case let s as String: self = .string(s)
        case let n as NSNumber:
            // JSONSerialization hands booleans as NSNumber too; their encoding ("c") tells them apart.
            if String(cString: n.objCType) == "c" {
                self = .bool(n.boolValue)
            } else if let i = n as? Int64 {
                self = .integer(i)
            } else {
                self = .number(n.doubleValue)
            }
        case let a as [Any]: self = .array(a.map(TemplateValue.init(json:)))
        case let d as [String: Any]: self = .object(d.mapValues(TemplateValue.init(json:)))
        default: self = .null
        }
    }

    /// Go's truth for `if` and `with`: false, 0, "", empty lists and maps, and nil are false.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n != 0
        case .integer(let n): return n != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// How Go's templates print a value: strings bare, lists as `[a b]`, maps as `map[k:v]`.
    var text: String {
        switch self {
        case .null: return "<no value>"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return Self.numberText(n)
        case .integer(let n): return String(n)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(\.text).joined(separator: " ") + "]"
        case .object(let o): return "map[" + o.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.text)" }.joined(separator: " ") + "]"
        }
    }

    /// Compact JSON with sorted keys (`{{json .Config}}`, `--format json`).
    public var jsonText: String { json }

    /// Indented JSON with sorted keys, as docker's `inspect` prints its documents (four spaces a
    /// level, `[]` and `{}` for empty ones).
    public func prettyJSON(level: Int = 0) -> String {
        let pad = String(repeating: "    ", count: level + 1)
        let close = String(repeating: "    ", count: level)
        switch self {
        case .array(let a) where !a.isEmpty:
            return "[\n" + a.map { pad + $0.prettyJSON(level: level + 1) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let o) where !o.isEmpty:
            return "{\n" + o.sorted { $0.key < $1.key }.map { pad + JSONText.quote($0.key) + ": " + $0.value.prettyJSON(level: level + 1) }
                .joined(separator: ",\n") + "\n" + close + "}"
        default: return json
        }
    }

    var json: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.isFinite ? Self.numberText(n) : "null"
        case .integer(let n): return String(n)
        case .string(let s): return JSONText.quote(s)
        case .array(let a): return "[" + a.map(\.json).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.sorted { $0.key < $1.key }.map { JSONText.quote($0.key) + ":" + $0.value.json }.joined(separator: ",") + "}"
        }
    }

    static func numberText(_ n: Double) -> String {
        if n == n.rounded(), abs(n) < 1e18 { return String(Int64(n)) }
        return String(n)
    }

    var typeName: String {
        switch self {
        case .null: return "nil"
        case .bool: return "bool"
        case .number, .integer: return "number"
        case .string: return "string"
        case .array: return "list"
        case .object: return "map"
        }
    }
}
