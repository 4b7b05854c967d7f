import BerthOCI
import BerthOS

/// What a listing shows from a container's `config.json` (the one stored copy of what it runs with):
/// the command, hostname, terminal and limits. Decoded without the rest of the spec.
struct SpecSummary: Decodable, Sendable, Equatable {
    struct Process: Decodable, Sendable, Equatable {
        var args: [String]?
        var terminal: Bool?
    }
    struct Linux: Decodable, Sendable, Equatable {
        var resources: OCI.Resources?
    }
    var process: Process?
    var hostname: String?
    var linux: Linux?
    var annotations: [String: String]?

    var limits: ResourceLimits { ResourceLimits(linux?.resources) }
}
