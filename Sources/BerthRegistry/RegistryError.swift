import BerthOS
import Foundation

/// A failed registry operation, as one line. `usage` is the user's mistake (exit 125, as docker's
/// CLI); `registry` is what the registry or the network refused (exit 1, as `docker pull`).
public enum RegistryError: Error, CustomStringConvertible {
    case usage(String)
    case registry(String)

    public var description: String {
        switch self {
        case .usage(let m), .registry(let m): return Quoted.escapeControls(m)
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .usage: return 125
        case .registry: return 1
        }
    }

    /// The `{"errors": [{"code", "message"}]}` body the distribution API sends with a failure, as
    /// `CODE: message` (docker prints the same); the HTTP status when the body is not that.
    static func describe(status: Int, body: [UInt8]) -> String {
        struct Body: Decodable {
            struct Item: Decodable { var code: String?; var message: String? }
            var errors: [Item]?
        }
        if let parsed = try? JSONDecoder().decode(Body.self, from: Data(body)), let items = parsed.errors, !items.isEmpty {
            // A hostile registry's text: shortened and later escaped, so it stays one line.
            return items.prefix(3).map { item in
                let code = String((item.code ?? "UNKNOWN").prefix(64))
                let message = String((item.message ?? "").prefix(200))
                return message.isEmpty ? code : "\(code): \(message)"
            }.joined(separator: "; ")
        }
        switch status {
        case 401: return "unauthorized: authentication required"
        case 403: return "denied: requested access to the resource is denied"
        case 404: return "not found (HTTP 404)"
        default: return "HTTP \(status)"
        }
    }
}
