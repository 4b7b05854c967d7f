import BerthOS

/// One here-document of a RUN, COPY or ADD (Dockerfile syntax 1.4): `<<NAME` on the
/// instruction's line, its body on the lines after it, up to a line that is exactly `NAME`.
/// `<<-NAME` strips the leading tabs of the body's lines (and of the terminator's);
/// a quoted name (`<<"NAME"`, `<<'NAME'`) turns variable expansion in the body off.
public struct Heredoc: Sendable, Equatable {
    /// The delimiter: a COPY's file name, the terminator line.
    public var name: String
    /// The body, each line ended by `\n` (leading tabs already stripped for `<<-`).
    public var body: String
    /// False for a quoted delimiter: the body is used as written.
    public var expand: Bool

    public init(name: String, body: String, expand: Bool) {
        self.name = name; self.body = body; self.expand = expand
    }

    /// The instructions whose arguments may hold heredocs (BuildKit's set).
    static let keywords: Set<String> = ["RUN", "COPY", "ADD"]

    /// A heredoc marker as it appears among the words of an instruction.
    struct Marker: Equatable {
        /// The word as written (`<<-"EOF"`), so the shell form can be rebuilt around it.
        var word: String
        var name: String
        var stripTabs: Bool
        var expand: Bool
    }

    /// The heredoc markers among `text`'s words, left to right. A word is a marker when it
    /// starts with `<<` (not `<<<`, a here-string) outside quotes; the name must be a safe file
    /// name (it becomes one for COPY): letters, digits, `_`, `.` and `-`, not `.` or `..`.
    static func markers(in text: String) throws -> [Marker] {
        var out: [Marker] = []
        for word in rawWords(text) where word.hasPrefix("<<") && !word.hasPrefix("<<<") {
            var rest = Substring(word.dropFirst(2))
            let stripTabs = rest.first == "-"
            if stripTabs { rest = rest.dropFirst() }
            var expand = true
            if let q = rest.first, q == "\"" || q == "'" {
                guard rest.count >= 2, rest.last == q else { throw BerthError.invalidArgument("heredoc \(word.quoted): unbalanced quotes around its name") }
                rest = rest.dropFirst().dropLast()
                expand = false
            }
            let name = String(rest)
            guard !name.isEmpty else { continue } // a bare `<<`: left to the shell
            guard name != ".", name != "..", name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
                throw BerthError.invalidArgument("heredoc name \(name.quoted): use letters, digits, '_', '.' and '-'")
            }
            out.append(Marker(word: word, name: name, stripTabs: stripTabs, expand: expand))
        }
        return out
    }

    /// Reads the bodies of `markers`, in order, from `lines` starting at `index` (moved past the
    /// last terminator). A body without its terminator is an error naming the instruction's
    /// line (`startLine`) and the missing delimiter.
    static func bodies(_ markers: [Marker], lines: [String], index: inout Int, startLine: Int, name: String) throws -> [Heredoc] {
        var out: [Heredoc] = []
        for marker in markers {
            var body = ""
            var closed = false
            while index < lines.count {
                var line = Substring(lines[index])
                index += 1
                if marker.stripTabs { line = line.drop { $0 == "\t" } }
                if line == marker.name { closed = true; break }
                body += line + "\n"
            }
            guard closed else {
                throw Dockerfile.error(name, startLine, "unterminated heredoc <<\(marker.name): no line \(marker.name.quoted) ends it")
            }
            out.append(Heredoc(name: marker.name, body: body, expand: marker.expand))
        }
        return out
    }

    /// `text` split at whitespace outside quotes, quotes and escapes kept as written.
    private static func rawWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped { current.append(c); escaped = false; continue }
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
                continue
            }
            switch c {
            case " ", "\t":
                if !current.isEmpty { words.append(current); current = "" }
            case "\\":
                current.append(c); escaped = true
            case "\"", "'":
                // A quote that opens a word (`"<<EOF"`) makes it text, never a marker; inside a
                // marker word (`<<"EOF"`) it is part of the marker.
                current.append(c); quote = c
            default:
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}

/// What a RUN step executes, BuildKit's way (`dispatchRun`).
enum RunCommand: Equatable {
    /// The container's command.
    case argv([String])
    /// `RUN <<NAME` alone, whose body starts with `#!`: the body is a script, executed as a file.
    case script(name: String, body: String)

    /// The exec form as written; the shell form through `shell`. With heredocs: `RUN <<EOF`
    /// alone runs the body as the shell's command (or as a script, for `#!`); anything else
    /// (`RUN <<EOF bash`, `RUN bash <<EOF`, `RUN cat <<A <<B`) gives the shell the line and the
    /// bodies with their terminators, so the shell reads them as its own here-documents and
    /// its rules apply: an unquoted delimiter expands `$VAR` (the ARGs and ENV are in the
    /// environment), a quoted one does not.
    static func of(_ ins: DockerfileInstruction, shell: [String]) -> RunCommand {
        if let exec = ins.exec { return .argv(exec) }
        guard let first = ins.heredocs.first else { return .argv(shell + [ins.text]) }
        let alone = ins.heredocs.count == 1
            && (try? Heredoc.markers(in: ins.text))?.first?.word == ins.text.trimmingCharacters(in: .whitespaces)
        if alone {
            return first.body.hasPrefix("#!") ? .script(name: first.name, body: first.body) : .argv(shell + [first.body])
        }
        return .argv(shell + [ins.heredocs.reduce(ins.text) { $0 + "\n" + $1.body + $1.name }])
    }
}
