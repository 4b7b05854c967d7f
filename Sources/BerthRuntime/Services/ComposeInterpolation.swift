import BerthOS

/// Compose's variable substitution in values: `$$` is a literal `$`; `$NAME` and `${NAME}` take
/// the environment's value (empty when unset); `${NAME:-default}` / `${NAME-default}` fall back
/// when unset or empty / unset; `${NAME:?message}` / `${NAME?message}` make it an error;
/// `${NAME:+other}` / `${NAME+other}` substitute `other` when set. A `$` before anything else
/// stays as it is.
enum ComposeInterpolation {
    struct Failure: Error, Equatable {
        var message: String
    }

    /// `unset` receives each variable that was used without a value, for a warning.
    static func apply(_ text: String, environment: [String: String], unset: (String) -> Void = { _ in }) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else { out.append(c); i += 1; continue }
            let next = chars[i + 1]
            if next == "$" { out.append("$"); i += 2; continue }
            if next == "{" {
                // Find the matching brace; defaults may hold nested ${...}.
                var depth = 1, j = i + 2
                while j < chars.count && depth > 0 {
                    if chars[j] == "{" { depth += 1 } else if chars[j] == "}" { depth -= 1 }
                    if depth > 0 { j += 1 }
                }
                guard j < chars.count else { throw Failure(message: "invalid interpolation format in \(text.quoted): unclosed ${") }
                out += try expand(String(chars[(i + 2)..<j]), whole: text, environment: environment, unset: unset)
                i = j + 1
                continue
            }
            if isNameStart(next) {
                var j = i + 1
                while j < chars.count && isNameChar(chars[j]) { j += 1 }
                let name = String(chars[(i + 1)..<j])
                if let v = environment[name] { out += v } else { unset(name) }
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    private static func expand(_ body: String, whole: String, environment: [String: String],
                               unset: (String) -> Void) throws(Failure) -> String {
        let name = String(body.prefix { isNameChar($0) })
        guard let first = name.first, isNameStart(first) else {
            throw Failure(message: "invalid interpolation format in \(whole.quoted): expected a variable name after ${")
        }
        let rest = body.dropFirst(name.count)
        let value = environment[name]
        if rest.isEmpty {
            if value == nil { unset(name) }
            return value ?? ""
        }
        var op = String(rest.prefix(1))
        var argument = rest.dropFirst()
        if op == ":", let second = argument.first { op += String(second); argument = argument.dropFirst() }
        let arg = try apply(String(argument), environment: environment, unset: unset)
        let emptyCounts = op.hasPrefix(":")
        let isSet = value != nil && !(emptyCounts && value!.isEmpty)
        switch op {
        case ":-", "-": return isSet ? value! : arg
        case ":+", "+": return isSet ? arg : ""
        case ":?", "?":
            if isSet { return value! }
            throw Failure(message: arg.isEmpty ? "required variable \(name) is missing a value" : "required variable \(name) is missing a value: \(arg)")
        default:
            throw Failure(message: "invalid interpolation format in \(whole.quoted): unexpected \(op.quoted) after \(name)")
        }
    }

    private static func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
    private static func isNameChar(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }
}

/// Splits a compose `command:` or `entrypoint:` string into words as a POSIX shell would,
/// without running one: blanks separate words, single quotes keep everything, double quotes keep
/// all but `\"`, `\\`, `\$` and `` \` ``, and a backslash outside quotes keeps the next character.
enum ShellWords {
    struct Failure: Error, Equatable {
        var message: String
    }

    static func split(_ text: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(text).makeIterator()
        while let c = iterator.next() {
            switch c {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                var closed = false
                while let d = iterator.next() {
                    if d == "'" { closed = true; break }
                    current.append(d)
                }
                if !closed { throw Failure(message: "unterminated single quote in \(text.quoted)") }
            case "\"":
                inWord = true
                var closed = false
                while let d = iterator.next() {
                    if d == "\"" { closed = true; break }
                    if d == "\\" {
                        guard let e = iterator.next() else { break }
                        if !["\"", "\\", "$", "`", "\n"].contains(e) { current.append("\\") }
                        if e != "\n" { current.append(e) }
                        continue
                    }
                    current.append(d)
                }
                if !closed { throw Failure(message: "unterminated double quote in \(text.quoted)") }
            case "\\":
                inWord = true
                if let e = iterator.next(), e != "\n" { current.append(e) }
            default:
                inWord = true
                current.append(c)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
