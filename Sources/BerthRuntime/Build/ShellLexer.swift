import BerthOS

/// The Dockerfile's word rules (moby's `shell.Lex`): quotes, the escape character, and variable
/// substitution — `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alternative}`,
/// `${VAR+alternative}`, `${VAR:?message}` — for the instructions that substitute (ADD, COPY,
/// ENV, EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR) and `commit --change`.
/// RUN, CMD and ENTRYPOINT are not substituted here: the container's shell does that.
struct ShellLexer {
    var escape: Character = "\\"
    /// The variables in effect (ARG values, then ENV over them).
    var variables: [String: String]

    /// `text` as one word: quotes removed, variables substituted, whitespace kept.
    func word(_ text: String) throws -> String {
        try process(text, split: false).joined()
    }

    /// `text` split at unquoted whitespace, each word processed as `word`.
    func words(_ text: String) throws -> [String] {
        try process(text, split: true)
    }

    /// A heredoc body with its variables substituted (BuildKit's COPY `<<EOF`): only `$…` is
    /// special, and the escape character before `$`; quotes and everything else stay as written.
    func expandVariables(_ text: String) throws -> String {
        let chars = Array(text)
        var i = 0
        var out = ""
        while i < chars.count {
            let c = chars[i]
            if c == escape, i + 1 < chars.count, chars[i + 1] == "$" {
                out.append("$"); i += 2
            } else if c == "$" {
                out += try expand(chars, &i)
            } else {
                out.append(c); i += 1
            }
        }
        return out
    }

    private func process(_ text: String, split: Bool) throws -> [String] {
        let chars = Array(text)
        var i = 0
        var out: [String] = []
        var current = ""
        var inWord = false
        while i < chars.count {
            let c = chars[i]
            if split && (c == " " || c == "\t" || c == "\n") {
                if inWord { out.append(current); current = ""; inWord = false }
                i += 1
                continue
            }
            inWord = true
            switch c {
            case escape:
                if i + 1 < chars.count { current.append(chars[i + 1]); i += 2 } else { current.append(c); i += 1 }
            case "'":
                guard let end = chars[(i + 1)...].firstIndex(of: "'") else { throw unterminated("'", text) }
                current += String(chars[(i + 1)..<end])
                i = end + 1
            case "\"":
                i += 1
                var closed = false
                while i < chars.count {
                    let d = chars[i]
                    if d == "\"" { closed = true; i += 1; break }
                    if d == escape, i + 1 < chars.count {
                        let n = chars[i + 1]
                        if n == "\"" || n == "$" || n == escape { current.append(n) } else { current.append(d); current.append(n) }
                        i += 2
                    } else if d == "$" {
                        current += try expand(chars, &i)
                    } else {
                        current.append(d); i += 1
                    }
                }
                guard closed else { throw unterminated("\"", text) }
            case "$":
                current += try expand(chars, &i)
            default:
                current.append(c); i += 1
            }
        }
        if inWord || !split { out.append(current) }
        return out
    }

    /// Expands the `$…` at `chars[i]`, leaving `i` after it.
    private func expand(_ chars: [Character], _ i: inout Int) throws -> String {
        i += 1
        guard i < chars.count else { return "$" }
        if chars[i] == "{" {
            i += 1
            var name = ""
            while i < chars.count, Self.isNameChar(chars[i]) { name.append(chars[i]); i += 1 }
            guard !name.isEmpty, i < chars.count else { throw BerthError.invalidArgument("bad substitution in \(String(chars).quoted)") }
            if chars[i] == "}" { i += 1; return variables[name] ?? "" }
            var op = String(chars[i]); i += 1
            if op == ":" {
                guard i < chars.count else { throw BerthError.invalidArgument("bad substitution in \(String(chars).quoted)") }
                op.append(chars[i]); i += 1
            }
            // The operand runs to the matching `}` (nested `${…}` inside it are its own).
            var depth = 0
            var operand = ""
            var closed = false
            while i < chars.count {
                let c = chars[i]
                if c == escape, i + 1 < chars.count { operand.append(c); operand.append(chars[i + 1]); i += 2; continue }
                if c == "{" && operand.last == "$" { depth += 1 }
                if c == "}" { if depth == 0 { closed = true; i += 1; break }; depth -= 1 }
                operand.append(c); i += 1
            }
            guard closed else { throw BerthError.invalidArgument("missing '}' in \(String(chars).quoted)") }
            let value = variables[name]
            switch op {
            case ":-": return (value ?? "").isEmpty ? try word(operand) : value!
            case "-": if let value { return value } else { return try word(operand) }
            case ":+": return (value ?? "").isEmpty ? "" : try word(operand)
            case "+": return value == nil ? "" : try word(operand)
            case ":?", "?":
                if value == nil || (op == ":?" && value!.isEmpty) {
                    let message = try word(operand)
                    throw BerthError.invalidArgument("\(name): \(message.isEmpty ? "is not set" : message)")
                }
                return value!
            default:
                throw BerthError.invalidArgument("unsupported modifier \(op.quoted) in \(String(chars).quoted)")
            }
        }
        var name = ""
        while i < chars.count, Self.isNameChar(chars[i]) { name.append(chars[i]); i += 1 }
        return name.isEmpty ? "$" : variables[name] ?? ""
    }

    private static func isNameChar(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }

    private func unterminated(_ quote: String, _ text: String) -> BerthError {
        .invalidArgument("unterminated \(quote) quote in \(text.quoted)")
    }
}
