import BerthOS
import Foundation

/// The instructions that change an image's config and nothing else, applied the one way both
/// `berth build` and `berth commit --change` apply them (docker's dispatchers for CMD,
/// ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL, HEALTHCHECK).
enum ImageConfigChange {
    /// What `commit --change` accepts (docker's list, less ONBUILD).
    static let commitKeywords: Set<String> = ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "USER", "VOLUME", "WORKDIR",
                                              "STOPSIGNAL", "HEALTHCHECK"]
    /// HEALTHCHECK's options.
    static let healthcheckFlags: Set<String> = ["interval", "timeout", "start-period", "start-interval", "retries"]
    /// docker's default `SHELL`.
    static let defaultShell = ["/bin/sh", "-c"]

    /// `commit --change` texts parsed as Dockerfile lines; refused: anything else.
    static func parseCommitChanges(_ changes: [String]) throws -> [DockerfileInstruction] {
        try changes.enumerated().map { i, text in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.contains("\n") else { throw BerthError.invalidArgument("--change \(text.quoted): one instruction per --change") }
            do {
                return try Dockerfile.instruction(trimmed, line: i + 1, name: "--change", allowed: commitKeywords)
            } catch BerthError.invalidArgument {
                throw BerthError.invalidArgument("--change \(text.quoted): only \(commitKeywords.sorted().joined(separator: ", ")) are supported")
            }
        }
    }

    /// Applies `ins` to `config`. `lexer` substitutes variables; `shell` is the SHELL in effect
    /// (for the shell forms of CMD, ENTRYPOINT and HEALTHCHECK).
    static func apply(_ ins: DockerfileInstruction, to config: inout ImageConfig, lexer: ShellLexer,
                      shell: [String] = defaultShell) throws {
        switch ins.keyword {
        case "CMD":
            config.cmd = ins.exec ?? (ins.text.isEmpty ? [] : shell + [ins.text])
        case "ENTRYPOINT":
            config.entrypoint = ins.exec ?? (ins.text.isEmpty ? [] : shell + [ins.text])
            // docker: an ENTRYPOINT resets the CMD the base image had.
            config.cmd = []
        case "ENV":
            for (key, value) in try pairs(ins, lexer: lexer) {
                config.env.removeAll { $0.hasPrefix(key + "=") }
                config.env.append(key + "=" + value)
            }
        case "LABEL":
            for (key, value) in try pairs(ins, lexer: lexer) { config.labels[key] = value }
        case "EXPOSE":
            for port in try lexer.words(ins.text) {
                let normal = try exposedPort(port)
                if !config.exposedPorts.contains(normal) { config.exposedPorts.append(normal) }
            }
            config.exposedPorts.sort()
        case "USER":
            let user = try lexer.word(ins.text)
            guard !user.isEmpty, !user.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } ?? false }) else {
                throw BerthError.invalidArgument("USER \(ins.text.quoted): expected USER[:GROUP]")
            }
            config.user = user
        case "VOLUME":
            let paths = try ins.exec.map { try $0.map(lexer.word) } ?? lexer.words(ins.text)
            var volumes = config.volumes ?? []
            for p in paths {
                guard p.hasPrefix("/") else { throw BerthError.invalidArgument("VOLUME \(p.quoted): expected an absolute path") }
                if !volumes.contains(p) { volumes.append(p) }
            }
            config.volumes = volumes.sorted()
        case "WORKDIR":
            let dir = try lexer.word(ins.text)
            config.workingDir = normalize(dir.hasPrefix("/") ? dir : (config.workingDir.isEmpty ? "/" : config.workingDir) + "/" + dir)
        case "STOPSIGNAL":
            let signal = try lexer.word(ins.text)
            _ = try SignalName.parse(signal)
            config.stopSignal = signal
        case "HEALTHCHECK":
            config.healthcheck = try healthcheck(ins, shell: shell)
        default:
            throw BerthError.invalidArgument("\(ins.keyword) does not change the image config")
        }
    }

    /// `KEY=VALUE …` (quotes and substitution per word), or the old `KEY VALUE` form.
    static func pairs(_ ins: DockerfileInstruction, lexer: ShellLexer) throws -> [(String, String)] {
        let text = ins.text
        let firstWord = text.prefix { $0 != " " && $0 != "\t" }
        if !firstWord.contains("=") {
            let value = text.dropFirst(firstWord.count).trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw BerthError.invalidArgument("\(ins.keyword) \(text.quoted): expected KEY=VALUE") }
            return [(try lexer.word(String(firstWord)), try lexer.word(value))]
        }
        return try lexer.words(text).map { word in
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw BerthError.invalidArgument("\(ins.keyword) \(word.quoted): expected KEY=VALUE")
            }
            return (String(word[..<eq]), String(word[word.index(after: eq)...]))
        }
    }

    /// `80`, `80/tcp`, `53/udp` → `80/tcp`…; a range `8000-8001/tcp` is kept as written.
    static func exposedPort(_ text: String) throws -> String {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
        let numbers = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, ["tcp", "udp", "sctp"].contains(proto), (1...2).contains(numbers.count),
              numbers.allSatisfy({ UInt16($0).map { $0 > 0 } ?? false }) else {
            throw BerthError.invalidArgument("EXPOSE \(text.quoted): expected PORT[/PROTOCOL]")
        }
        return parts[0] + "/" + proto
    }

    /// `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=…] CMD command`.
    static func healthcheck(_ ins: DockerfileInstruction, shell: [String]) throws -> HealthConfig {
        let text = ins.text.trimmingCharacters(in: .whitespaces)
        if text.uppercased() == "NONE" { return .disabled }
        let head = text.prefix { $0 != " " && $0 != "\t" && $0 != "[" }
        guard head.uppercased() == "CMD" else { throw BerthError.invalidArgument("HEALTHCHECK: expected CMD or NONE, not \(String(head).quoted)") }
        let command = text.dropFirst(head.count).trimmingCharacters(in: .whitespaces)
        guard !command.isEmpty else { throw BerthError.invalidArgument("HEALTHCHECK CMD: missing command") }
        var h = HealthConfig()
        if command.hasPrefix("["), let array = try? JSONSerialization.jsonObject(with: Data(command.utf8)) as? [String] {
            h.test = ["CMD"] + array
        } else {
            h.test = ["CMD-SHELL", command]
        }
        func duration(_ key: String) throws -> Int64 {
            guard let v = ins.flags[key] else { return 0 }
            return Int64(try DurationParser.parseDuration(v) * 1e9)
        }
        for key in ins.flags.keys where !healthcheckFlags.contains(key) {
            throw BerthError.invalidArgument("HEALTHCHECK: unknown flag --\(key)")
        }
        h.interval = try duration("interval")
        h.timeout = try duration("timeout")
        h.startPeriod = try duration("start-period")
        h.startInterval = try duration("start-interval")
        if let r = ins.flags["retries"] {
            guard let n = Int(r), n >= 0 else { throw BerthError.invalidArgument("HEALTHCHECK --retries \(r.quoted): expected a number") }
            h.retries = n
        }
        try HealthConfig.check(h)
        return h
    }

    /// `/a/./b/../c/` → `/a/c`.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }
}
