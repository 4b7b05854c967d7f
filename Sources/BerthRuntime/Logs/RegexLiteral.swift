/// The longest literal a POSIX extended regex cannot match without, so a log search can skip, at
/// memmem speed, every record that lacks it and run the regex only on the rest (`timeout after
/// [0-9]+s` runs regexec only on records holding "timeout after ").
///
/// Conservative by design: a pattern with alternation anywhere gives none, a group or bracket
/// expression ends a run, a quantified character leaves it, and so do non-ASCII characters (the
/// regex ignores their case, the pre-filter folds only ASCII). Returning less than the truth only
/// costs speed; returning more would lose matches.
enum RegexLiteral {
    static func required(in pattern: String) -> [UInt8] {
        let p = Array(pattern.unicodeScalars)
        if hasAlternation(p) { return [] }
        var best: [UInt8] = [], run: [UInt8] = []
        func end() {
            if run.count > best.count { best = run }
            run = []
        }
        var i = 0
        while i < p.count {
            let c = p[i]
            switch c {
            case "\\":
                guard i + 1 < p.count else { end(); i += 1; continue }
                let next = p[i + 1]
                // \w, \s, \b, \<, \` … are classes or anchors; an escaped punctuation mark is itself.
                if next.properties.isAlphabetic || next.properties.numericType != nil || next == "<" || next == ">"
                    || next == "`" || next == "'" || !next.isASCII {
                    end()
                } else {
                    run.append(UInt8(next.value))
                }
                i += 2
            case "[":
                end()
                i = bracketEnd(p, from: i) + 1
            case "(":
                end()
                i = groupEnd(p, from: i) + 1
            case "*", "?":
                if !run.isEmpty { run.removeLast() }
                end()
                i += 1
            case "{":
                if !run.isEmpty { run.removeLast() }
                end()
                while i < p.count && p[i] != "}" { i += 1 }
                i += 1
            case "+":
                // The atom is there at least once, but what follows may be another copy of it.
                end()
                i += 1
            case ".", "^", "$", ")":
                end()
                i += 1
            default:
                if c.isASCII && c.value >= 0x20 && c.value != 0x7f {
                    run.append(LogSearch.lower(UInt8(c.value)))
                } else {
                    end()
                }
                i += 1
            }
        }
        end()
        return best
    }

    /// A `|` outside bracket expressions (escaped ones are literal).
    static func hasAlternation(_ p: [Unicode.Scalar]) -> Bool {
        var i = 0
        while i < p.count {
            switch p[i] {
            case "\\": i += 2
            case "[": i = bracketEnd(p, from: i) + 1
            case "|": return true
            default: i += 1
            }
        }
        return false
    }

    /// The index of the `]` closing the bracket expression opened at `from` (a `]` first in it,
    /// after an optional `^`, is a member; `[:alpha:]`, `[.x.]`, `[=x=]` are skipped whole).
    static func bracketEnd(_ p: [Unicode.Scalar], from: Int) -> Int {
        var i = from + 1
        if i < p.count && p[i] == "^" { i += 1 }
        if i < p.count && p[i] == "]" { i += 1 }
        while i < p.count {
            if p[i] == "[", i + 1 < p.count, [":", ".", "="].contains(p[i + 1]) {
                let close = p[i + 1]
                i += 2
                while i + 1 < p.count && !(p[i] == close && p[i + 1] == "]") { i += 1 }
                i += 2
                continue
            }
            if p[i] == "]" { return i }
            i += 1
        }
        return p.count
    }

    /// The index of the `)` closing the group opened at `from`.
    static func groupEnd(_ p: [Unicode.Scalar], from: Int) -> Int {
        var depth = 0, i = from
        while i < p.count {
            switch p[i] {
            case "\\": i += 2; continue
            case "[": i = bracketEnd(p, from: i)
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
            i += 1
        }
        return p.count
    }
}
