import BerthOS

/// docker's `--restart`.
public enum RestartPolicy: Codable, Sendable, Equatable, CustomStringConvertible {
    case no
    case always
    case onFailure(maxRetries: Int?)
    case unlessStopped

    public var description: String {
        switch self {
        case .no: return "no"
        case .always: return "always"
        case .unlessStopped: return "unless-stopped"
        case .onFailure(let n): return n.map { "on-failure:\($0)" } ?? "on-failure"
        }
    }

    /// Parses docker's syntax: `no`, `always`, `unless-stopped`, `on-failure[:N]`.
    public init(parsing text: String) throws {
        switch text {
        case "no", "": self = .no
        case "always": self = .always
        case "unless-stopped": self = .unlessStopped
        case "on-failure": self = .onFailure(maxRetries: nil)
        default:
            if text.hasPrefix("on-failure:"), let n = Int(text.dropFirst("on-failure:".count)), n >= 0 {
                self = .onFailure(maxRetries: n)
            } else {
                throw BerthError.invalidArgument("invalid restart policy \(text.quoted): expected no, always, unless-stopped or on-failure[:N]")
            }
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
