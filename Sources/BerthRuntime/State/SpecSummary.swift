import BerthOCI
import BerthOS
import Foundation

/// What a listing shows from a container's `config.json` (the one stored copy of what it runs with):
/// the command, hostname, terminal, limits and annotations.
///
/// Read with a `JSONSkim`, not `JSONDecoder`: `ps` reads one config.json per container, and a full
/// decode of each cost more than the rest of listing it (issue 10's figures, docs/benchmarks.md).
/// Only `linux.resources`, when present, goes through `JSONDecoder` — a few bytes, decoded by the
/// same `OCI.Resources` type start uses, so limits are never read two ways.
struct SpecSummary: Sendable, Equatable {
    struct Process: Sendable, Equatable {
        var args: [String]?
        var terminal: Bool?
    }
    struct Linux: Sendable, Equatable {
        var resources: OCI.Resources?
    }
    var process: Process?
    var hostname: String?
    var linux: Linux?
    var annotations: [String: String]?

    var limits: ResourceLimits { ResourceLimits(linux?.resources) }
    /// Whether the supervisor runs probes (and so keeps a health record) for it.
    var hasHealthcheck: Bool { annotations?[SpecExtras.Annotation.healthcheck] != nil }

    init(process: Process? = nil, hostname: String? = nil, linux: Linux? = nil, annotations: [String: String]? = nil) {
        self.process = process
        self.hostname = hostname
        self.linux = linux
        self.annotations = annotations
    }

    /// The summary of a config.json's bytes; throws when they are not a JSON object or a field it
    /// reads has the wrong type. Unknown and other members are stepped over.
    init(json bytes: [UInt8]) throws {
        self.init()
        var skim = JSONSkim(bytes)
        try skim.forEachMember { skim, key in
            if skim.null() { return }
            switch key {
            case "process": process = try Self.process(&skim)
            case "hostname": hostname = try skim.string()
            case "annotations":
                var map: [String: String] = [:]
                try skim.forEachMember { skim, name in map[name] = skim.null() ? nil : try skim.string() }
                annotations = map
            case "linux":
                var linux = Linux()
                try skim.forEachMember { skim, key in
                    guard key == "resources" else { return try skim.skipValue() }
                    if skim.null() { return }
                    linux.resources = try JSONDecoder().decode(OCI.Resources.self, from: Data(try skim.rawValue()))
                }
                self.linux = linux
            default: try skim.skipValue()
            }
        }
        try skim.end()
    }

    private static func process(_ skim: inout JSONSkim) throws -> Process {
        var p = Process()
        try skim.forEachMember { skim, key in
            if skim.null() { return }
            switch key {
            case "args":
                var args: [String] = []
                try skim.forEachElement { args.append(try $0.string()) }
                p.args = args
            case "terminal": p.terminal = try skim.bool()
            default: try skim.skipValue()
            }
        }
        return p
    }
}
