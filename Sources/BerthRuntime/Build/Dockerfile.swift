import BerthOS
import Foundation

/// One instruction of a Dockerfile (or a `commit --change`): the keyword, its `--flag=value`
/// options, and its arguments, either the exec (JSON array) form or the raw text of the shell
/// form. Substitution happens later, when the builder knows the variables in effect.
public struct DockerfileInstruction: Sendable, Equatable {
    /// Upper case: `RUN`, `COPY`, …
    public var keyword: String
    public var flags: [String: String]
    /// The text after the keyword and flags (the shell form; for the exec form, the JSON text).
    public var text: String
    /// The exec form's arguments, when `text` is a JSON array of strings.
    public var exec: [String]?
    /// The 1-based line the instruction starts on.
    public var line: Int
    /// RUN's `--mount` values in order: the one flag that may be given more than once.
    public var mounts: [String] = []
    /// The bodies of the `<<NAME` markers in `text`, in order (RUN, COPY and ADD).
    public var heredocs: [Heredoc] = []

    /// The flags as written: `--mount=…` (each) first, then the others sorted.
    var flagText: String {
        (mounts.map { "--mount=\($0) " } + flags.keys.sorted().map { "--\($0)=\(flags[$0]!) " }).joined()
    }

    /// The instruction as docker's history shows it.
    var display: String { keyword + " " + flagText + text }
}

/// A parsed Dockerfile: its escape character and its instructions (moby's `parser.Parse`:
/// parser directives, comments, line continuations; instructions stay unevaluated).
public struct Dockerfile: Sendable {
    public var escape: Character
    public var instructions: [DockerfileInstruction]

    /// Instructions that take `--name=value` flags before their arguments.
    static let flagged: Set<String> = ["FROM", "COPY", "ADD", "RUN", "HEALTHCHECK"]
    /// Instructions whose arguments may be a JSON array (the exec form).
    static let execForm: Set<String> = ["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"]
    static let known: Set<String> = ["FROM", "RUN", "CMD", "ENTRYPOINT", "ENV", "ARG", "WORKDIR", "USER", "EXPOSE", "LABEL",
                                     "COPY", "ADD", "VOLUME", "HEALTHCHECK", "STOPSIGNAL", "SHELL", "MAINTAINER", "ONBUILD"]

    /// Parses `text`; `name` labels errors (`Dockerfile:3: …`).
    public static func parse(_ text: String, name: String = "Dockerfile") throws -> Dockerfile {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { l -> String in
            l.hasSuffix("\r") ? String(l.dropLast()) : String(l)
        }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        var escape: Character = "\\"
        var index = 0
        // Parser directives: `# key=value` lines at the very top, before anything else.
        var seen: Set<String> = []
        while index < lines.count {
            let l = lines[index].trimmingCharacters(in: .whitespaces)
            guard l.hasPrefix("#") else { break }
            let body = l.dropFirst().trimmingCharacters(in: .whitespaces)
            guard let eq = body.firstIndex(of: "="), !body[..<eq].contains(" ") else { break }
            let key = body[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = body[body.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !seen.contains(key) else { throw error(name, index + 1, "only one \(key) parser directive can be used") }
            seen.insert(key)
            if key == "escape" {
                guard value == "\\" || value == "`" else { throw error(name, index + 1, "invalid escape token \(value.quoted): it must be \\ or `") }
                escape = Character(value)
            }
            index += 1
        }
        var instructions: [DockerfileInstruction] = []
        while index < lines.count {
            let start = index
            var logical = ""
            // Joins continued lines; comment lines and empty lines inside a continuation are dropped.
            while index < lines.count {
                let raw = lines[index]
                index += 1
                let trimmed = raw.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("#") { continue }
                if trimmed.isEmpty { if logical.isEmpty { break } else { continue } }
                let body = raw.drop { $0 == " " || $0 == "\t" }
                let right = body.reversed().drop { $0 == " " || $0 == "\t" }
                if right.first == escape {
                    logical += String(right.dropFirst().reversed())
                    if index >= lines.count { break }
                    continue
                }
                logical += String(body)
                break
            }
            let stripped = logical.trimmingCharacters(in: .whitespaces)
            if stripped.isEmpty { continue }
            var parsed = try instruction(stripped, line: start + 1, name: name)
            if Heredoc.keywords.contains(parsed.keyword), parsed.exec == nil {
                let markers: [Heredoc.Marker]
                do { markers = try Heredoc.markers(in: parsed.text) } catch let e as BerthError {
                    throw error(name, start + 1, e.description)
                }
                parsed.heredocs = try Heredoc.bodies(markers, lines: lines, index: &index, startLine: start + 1, name: name)
            }
            instructions.append(parsed)
        }
        return Dockerfile(escape: escape, instructions: instructions)
    }

    /// One logical line: `KEYWORD [--flag=value …] arguments`.
    static func instruction(_ line: String, line number: Int, name: String, allowed: Set<String> = known) throws -> DockerfileInstruction {
        let keywordEnd = line.firstIndex { $0 == " " || $0 == "\t" } ?? line.endIndex
        let keyword = line[..<keywordEnd].uppercased()
        guard allowed.contains(keyword) else {
            throw error(name, number, "unknown instruction \(String(line[..<keywordEnd]).quoted)")
        }
        var rest = line[keywordEnd...].drop { $0 == " " || $0 == "\t" }
        var flags: [String: String] = [:]
        var mounts: [String] = []
        if flagged.contains(keyword) {
            while rest.hasPrefix("--") {
                let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
                let flag = rest[rest.index(rest.startIndex, offsetBy: 2)..<end]
                let eq = flag.firstIndex(of: "=")
                let key = String(flag[..<(eq ?? flag.endIndex)])
                guard !key.isEmpty else { throw error(name, number, "\(keyword): empty flag") }
                if keyword == "RUN" && key == "mount" {
                    mounts.append(eq.map { String(flag[flag.index(after: $0)...]) } ?? "")
                } else {
                    flags[key] = eq.map { String(flag[flag.index(after: $0)...]) } ?? "true"
                }
                rest = rest[end...].drop { $0 == " " || $0 == "\t" }
            }
        }
        let text = String(rest)
        var exec: [String]?
        if execForm.contains(keyword), text.hasPrefix("["),
           let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any], array.allSatisfy({ $0 is String }) {
            exec = array.map { $0 as! String }
        }
        if text.isEmpty && !["CMD", "ENTRYPOINT"].contains(keyword) {
            throw error(name, number, "\(keyword) requires at least one argument")
        }
        return DockerfileInstruction(keyword: keyword, flags: flags, text: text, exec: exec, line: number, mounts: mounts)
    }

    static func error(_ name: String, _ line: Int, _ message: String) -> BerthError {
        .invalidArgument("\(name):\(line): \(message)")
    }
}
