import BerthOS

/// The `--format` templates of `inspect`, `ps` and `events`: the part of Go's text/template that
/// docker users write. Actions: `{{.Path.To.Key}}`, `{{.}}`, `{{json .X}}`, functions `json`,
/// `join LIST SEP`, `index X KEY…`, `upper`, `lower`, `title`, `len`, `split S SEP`, `println`,
/// pipes (`{{.Name | upper}}`), string and number literals, `{{range X}}…{{else}}…{{end}}`,
/// `{{if X}}…{{else if Y}}…{{else}}…{{end}}`, `{{with X}}…{{end}}`, comments `{{/* … */}}` and
/// trim markers `{{-`/`-}}`. `\n` and `\t` in the template text are a newline and a tab, as the
/// docker CLI reads them.
///
/// Templates come from users and scripts, so parsing and running are bounded: the template's
/// size, its nesting, and the output's size; every failure is a one-line `BerthError` naming the
/// offset in the template.
public struct Template: Sendable {
    public static let maxTemplateBytes = 64 << 10
    public static let maxDepth = 32
    public static let maxOutputBytes = 16 << 20

    indirect enum Node: Sendable {
        case text(String)
        case action(Pipeline)
        case range(Pipeline, [Node], [Node])
        case conditional(Pipeline, [Node], [Node], isWith: Bool)
    }
    struct Pipeline: Sendable { var commands: [[Arg]]; var offset: Int }
    indirect enum Arg: Sendable {
        case field([String]) // [] is `.`
        case string(String)
        case number(TemplateValue)
        case function(String)
        case pipeline(Pipeline)
    }

    let nodes: [Node]

    public init(_ source: String) throws(BerthError) {
        guard source.utf8.count <= Self.maxTemplateBytes else {
            throw .invalidArgument("template too long (\(source.utf8.count) bytes; at most \(Self.maxTemplateBytes))")
        }
        var parser = TemplateParser(Array(source.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\t", with: "\t").utf8))
        nodes = try parser.parseAll()
    }

    /// Runs the template on `value`.
    public func render(_ value: TemplateValue) throws(BerthError) -> String {
        var out = ""
        try TemplateRunner.run(nodes, dot: value, out: &out)
        return out
    }
}

/// The template's parser: text and actions into `Template.Node`s.
struct TemplateParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ what: String, at offset: Int? = nil) -> BerthError {
        .invalidArgument("template: \(what) at offset \(offset ?? pos)")
    }

    mutating func parseAll() throws(BerthError) -> [Template.Node] {
        let (nodes, end) = try parseList()
        if let end { throw fail("unexpected {{\(end)}}") }
        return nodes
    }

    /// Nodes up to an `{{end}}` or `{{else…}}` (returned as the word that ended the list).
    private mutating func parseList() throws(BerthError) -> ([Template.Node], String?) {
        var nodes: [Template.Node] = []
        while pos < bytes.count {
            guard let open = find("{{", from: pos) else {
                nodes.append(.text(String(decoding: bytes[pos...], as: UTF8.self)))
                pos = bytes.count
                break
            }
            var textEnd = open
            var start = open + 2
            if start < bytes.count, bytes[start] == UInt8(ascii: "-"), start + 1 < bytes.count, isSpace(bytes[start + 1]) {
                while textEnd > pos, isSpace(bytes[textEnd - 1]) { textEnd -= 1 }
                start += 1
            }
            if textEnd > pos { nodes.append(.text(String(decoding: bytes[pos..<textEnd], as: UTF8.self))) }
            guard let close = findClose(from: start) else { throw fail("unclosed action", at: open) }
            var bodyEnd = close, after = close + 2
            if bodyEnd > start, bytes[bodyEnd - 1] == UInt8(ascii: "-"), bodyEnd - 1 > start, isSpace(bytes[bodyEnd - 2]) {
                bodyEnd -= 1
                while after < bytes.count, isSpace(bytes[after]) { after += 1 }
            }
            let actionOffset = open
            var lexer = TemplateLexer(Array(bytes[start..<bodyEnd]), base: start)
            pos = after
            let tokens = try lexer.tokens()
            guard let first = tokens.first else { throw fail("empty action", at: actionOffset) }
            if case .comment = first { continue }
            if case .word(let w) = first {
                switch w {
                case "end":
                    guard tokens.count == 1 else { throw fail("unexpected words after end", at: actionOffset) }
                    return (nodes, "end")
                case "else":
                    if tokens.count > 1, case .word("if") = tokens[1] {
                        // `else if X` is `else` + `if X … end` sharing the outer end.
                        let cond = try pipeline(Array(tokens.dropFirst(2)), offset: actionOffset)
                        let (body, elseBody) = try parseBranches(at: actionOffset, allowElse: true)
                        nodes.append(.conditional(cond, body, elseBody, isWith: false))
                        return (nodes, "elseif")
                    }
                    guard tokens.count == 1 else { throw fail("unexpected words after else", at: actionOffset) }
                    return (nodes, "else")
                case "range", "if", "with":
                    let p = try pipeline(Array(tokens.dropFirst()), offset: actionOffset)
                    depth += 1
                    guard depth <= Template.maxDepth else { throw fail("nesting deeper than \(Template.maxDepth)", at: actionOffset) }
                    let (body, elseBody) = try parseBranches(at: actionOffset, allowElse: true)
                    depth -= 1
                    nodes.append(w == "range" ? .range(p, body, elseBody) : .conditional(p, body, elseBody, isWith: w == "with"))
                    continue
                case "define", "template", "block", "break", "continue":
                    throw fail("{{\(w)}} is not supported", at: actionOffset)
                default: break
                }
            }
            nodes.append(.action(try pipeline(tokens, offset: actionOffset)))
        }
        return (nodes, nil)
    }

    /// The body of range/if/with up to its end, and the else branch if there is one.
    private mutating func parseBranches(at offset: Int, allowElse: Bool) throws(BerthError) -> ([Template.Node], [Template.Node]) {
        let (body, end) = try parseList()
        switch end {
        case "end": return (body, [])
        case "else":
            let (elseBody, end2) = try parseList()
            guard end2 == "end" else { throw fail("missing {{end}}", at: offset) }
            return (body, elseBody)
        case "elseif":
            // The nested conditional consumed the shared {{end}}.
            return (Array(body.dropLast()), body.last.map { [$0] } ?? [])
        default: throw fail("missing {{end}}", at: offset)
        }
    }

    private func pipeline(_ tokens: [TemplateLexer.Token], offset: Int) throws(BerthError) -> Template.Pipeline {
        var commands: [[Template.Arg]] = [[]]
        var i = 0
        func arg(_ t: TemplateLexer.Token) throws(BerthError) -> Template.Arg {
            switch t {
            case .field(let path): return .field(path)
            case .string(let s): return .string(s)
            case .number(let n): return .number(n)
            case .word(let w):
                guard TemplateRunner.functions.contains(w) else { throw fail("function \(w.quoted) not defined", at: offset) }
                return .function(w)
            case .group(let inner): return .pipeline(try pipeline(inner, offset: offset))
            case .pipe, .comment: throw fail("unexpected token", at: offset)
            }
        }
        while i < tokens.count {
            if case .pipe = tokens[i] {
                guard !(commands.last!.isEmpty) else { throw fail("missing command before |", at: offset) }
                commands.append([])
            } else {
                commands[commands.count - 1].append(try arg(tokens[i]))
            }
            i += 1
        }
        guard !commands.contains(where: \.isEmpty) else { throw fail("missing value", at: offset) }
        return Template.Pipeline(commands: commands, offset: offset)
    }

    private func find(_ s: String, from: Int) -> Int? {
        let needle = Array(s.utf8)
        var i = from
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0] && Array(bytes[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// The `}}` that closes an action, skipping quoted strings.
    private func findClose(from: Int) -> Int? {
        var i = from
        var quote: UInt8? = nil
        while i + 1 < bytes.count {
            let b = bytes[i]
            if let q = quote {
                if b == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 2; continue }
                if b == q { quote = nil }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "`") {
                quote = b
            } else if b == UInt8(ascii: "}") && bytes[i + 1] == UInt8(ascii: "}") {
                return i
            }
            i += 1
        }
        return nil
    }

    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d }
}

/// The words of one action.
struct TemplateLexer {
    enum Token {
        case field([String]), string(String), number(TemplateValue), word(String), pipe, comment
        case group([Token])
    }
    private let bytes: [UInt8]
    private let base: Int
    private var pos = 0

    init(_ bytes: [UInt8], base: Int) { self.bytes = bytes; self.base = base }

    private func fail(_ what: String) -> BerthError { .invalidArgument("template: \(what) at offset \(base + pos)") }

    mutating func tokens() throws(BerthError) -> [Token] {
        let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces
        if text.hasPrefix("/*") {
            guard text.hasSuffix("*/") else { throw fail("unclosed comment") }
            return [.comment]
        }
        let (list, _) = try group(depthLeft: Template.maxDepth)
        return list
    }

    private mutating func group(depthLeft: Int) throws(BerthError) -> ([Token], Bool) {
        var out: [Token] = []
        while pos < bytes.count {
            let b = bytes[pos]
            switch b {
            case 0x20, 0x09, 0x0a, 0x0d: pos += 1
            case UInt8(ascii: "|"): out.append(.pipe); pos += 1
            case UInt8(ascii: "("):
                guard depthLeft > 0 else { throw fail("parentheses nested too deep") }
                pos += 1
                let (inner, closed) = try group(depthLeft: depthLeft - 1)
                guard closed else { throw fail("unclosed (") }
                out.append(.group(inner))
            case UInt8(ascii: ")"): pos += 1; return (out, true)
            case UInt8(ascii: "\""): out.append(.string(try quoted()))
            case UInt8(ascii: "`"):
                let start = pos + 1
                guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "`")) else { throw fail("unterminated raw string") }
                out.append(.string(String(decoding: bytes[start..<end], as: UTF8.self)))
                pos = end + 1
            case UInt8(ascii: "."):
                pos += 1
                var path: [String] = []
                while true {
                    let start = pos
                    while pos < bytes.count, isIdent(bytes[pos]) { pos += 1 }
                    if pos > start { path.append(String(decoding: bytes[start..<pos], as: UTF8.self)) }
                    guard pos < bytes.count, bytes[pos] == UInt8(ascii: "."), pos > start else { break }
                    pos += 1
                }
                out.append(.field(path))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = pos
                pos += 1
                while pos < bytes.count, bytes[pos] == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) { pos += 1 }
                let literal = String(decoding: bytes[start..<pos], as: UTF8.self)
                if let i = Int64(literal) { out.append(.number(.integer(i))) } else if let d = Double(literal) {
                    out.append(.number(.number(d)))
                } else { throw fail("bad number") }
            default:
                guard isIdent(b) else {
                    if b == UInt8(ascii: "$") { throw fail("variables ($) are not supported") }
                    throw fail("unexpected character \(String(decoding: [b], as: UTF8.self).quoted)")
                }
                let start = pos
                while pos < bytes.count, isIdent(bytes[pos]) { pos += 1 }
                out.append(.word(String(decoding: bytes[start..<pos], as: UTF8.self)))
            }
        }
        return (out, false)
    }

    private mutating func quoted() throws(BerthError) -> String {
        var out: [UInt8] = []
        pos += 1
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { pos += 1; return String(decoding: out, as: UTF8.self) }
            if b == UInt8(ascii: "\\"), pos + 1 < bytes.count {
                pos += 1
                switch bytes[pos] {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                default: out.append(bytes[pos])
                }
            } else {
                out.append(b)
            }
            pos += 1
        }
        throw fail("unterminated string")
    }

    private func isIdent(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_")
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
