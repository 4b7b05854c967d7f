import BerthOS

/// Runs a parsed `Template` on a value; the output is bounded (`Template.maxOutputBytes`), and
/// so is the work: every node visited counts against a budget, so `{{range}}` over a large list
/// nested a few times cannot run for minutes.
enum TemplateRunner {
    static let functions: Set<String> = ["json", "join", "index", "upper", "lower", "title", "len", "split", "println", "print"]
    static let maxSteps = 1_000_000

    struct State {
        var steps = 0
        var out: String
    }

    static func run(_ nodes: [Template.Node], dot: TemplateValue, out: inout String) throws(BerthError) {
        var state = State(out: "")
        try run(nodes, dot: dot, &state)
        out = state.out
    }

    private static func run(_ nodes: [Template.Node], dot: TemplateValue, _ s: inout State) throws(BerthError) {
        for node in nodes {
            s.steps += 1
            guard s.steps <= maxSteps else { throw .invalidArgument("template: too much work (more than \(maxSteps) steps)") }
            switch node {
            case .text(let t): try emit(t, &s)
            case .action(let p): try emit(try eval(p, dot: dot).text, &s)
            case .conditional(let p, let body, let elseBody, let isWith):
                let v = try eval(p, dot: dot)
                if v.isTruthy { try run(body, dot: isWith ? v : dot, &s) } else { try run(elseBody, dot: dot, &s) }
            case .range(let p, let body, let elseBody):
                let v = try eval(p, dot: dot)
                let items: [TemplateValue]
                switch v {
                case .array(let a): items = a
                case .object(let o): items = o.sorted { $0.key < $1.key }.map(\.value)
                case .null: items = []
                case .integer(let n) where n >= 0 && n < 1_000_000: items = (0..<Int(n)).map { .integer(Int64($0)) }
                default: throw .invalidArgument("template: range can't iterate over \(v.typeName) at offset \(p.offset)")
                }
                s.steps += items.count
                guard s.steps <= maxSteps else { throw .invalidArgument("template: too much work (more than \(maxSteps) steps)") }
                if items.isEmpty { try run(elseBody, dot: dot, &s) }
                for item in items { try run(body, dot: item, &s) }
            }
        }
    }

    private static func emit(_ text: String, _ s: inout State) throws(BerthError) {
        guard s.out.utf8.count + text.utf8.count <= Template.maxOutputBytes else {
            throw .invalidArgument("template: output larger than \(Template.maxOutputBytes) bytes")
        }
        s.out += text
    }

    private static func eval(_ p: Template.Pipeline, dot: TemplateValue) throws(BerthError) -> TemplateValue {
        var piped: TemplateValue? = nil
        for command in p.commands {
            piped = try evalCommand(command, dot: dot, piped: piped, offset: p.offset)
        }
        return piped ?? .null
    }

    private static func evalCommand(_ args: [Template.Arg], dot: TemplateValue, piped: TemplateValue?, offset: Int) throws(BerthError) -> TemplateValue {
        func value(_ a: Template.Arg) throws(BerthError) -> TemplateValue {
            switch a {
            case .field(let path): return try lookup(path, in: dot, offset: offset)
            case .string(let s): return .string(s)
            case .number(let n): return n
            case .pipeline(let p): return try eval(p, dot: dot)
            case .function(let f): return try call(f, [], offset: offset)
            }
        }
        guard let first = args.first else { return piped ?? .null }
        if case .function(let name) = first {
            var values: [TemplateValue] = []
            for a in args.dropFirst() { values.append(try value(a)) }
            if let piped { values.append(piped) }
            return try call(name, values, offset: offset)
        }
        guard args.count == 1, piped == nil else {
            throw .invalidArgument("template: can't give arguments to a non-function at offset \(offset)")
        }
        return try value(first)
    }

    private static func lookup(_ path: [String], in value: TemplateValue, offset: Int) throws(BerthError) -> TemplateValue {
        var v = value
        for key in path {
            switch v {
            case .object(let o):
                // As Go's templates read a map: a missing key is "<no value>", and so is what lies below it.
                guard let next = o[key] else { return .null }
                v = next
            case .null:
                return .null
            default:
                throw .invalidArgument("template: can't evaluate field \(key) in type \(v.typeName) at offset \(offset)")
            }
        }
        return v
    }

    private static func call(_ name: String, _ a: [TemplateValue], offset: Int) throws(BerthError) -> TemplateValue {
        func want(_ n: Int) throws(BerthError) {
            guard a.count == n else {
                throw .invalidArgument("template: wrong number of arguments for \(name): want \(n), got \(a.count) at offset \(offset)")
            }
        }
        switch name {
        case "json": try want(1); return .string(a[0].json)
        case "upper": try want(1); return .string(a[0].text.uppercased())
        case "lower": try want(1); return .string(a[0].text.lowercased())
        case "title": try want(1); return .string(a[0].text.split(separator: " ", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " "))
        case "len":
            try want(1)
            switch a[0] {
            case .array(let x): return .integer(Int64(x.count))
            case .object(let x): return .integer(Int64(x.count))
            case .string(let x): return .integer(Int64(x.utf8.count))
            default: throw .invalidArgument("template: len of \(a[0].typeName) at offset \(offset)")
            }
        case "join":
            try want(2)
            guard case .array(let items) = a[0] else { throw .invalidArgument("template: join needs a list at offset \(offset)") }
            return .string(items.map(\.text).joined(separator: a[1].text))
        case "split":
            try want(2)
            let sep = a[1].text
            guard !sep.isEmpty else { return .array(a[0].text.map { .string(String($0)) }) }
            return .array(a[0].text.components(separatedBy: sep).map { .string($0) })
        case "index":
            guard !a.isEmpty else { try want(2); return .null }
            var v = a[0]
            for key in a.dropFirst() {
                switch (v, key) {
                case (.object(let o), _): v = o[key.text] ?? .null
                case (.array(let items), .integer(let n)):
                    guard n >= 0, n < items.count else {
                        throw .invalidArgument("template: index out of range: \(n) at offset \(offset)")
                    }
                    v = items[Int(n)]
                default: throw .invalidArgument("template: can't index \(v.typeName) with \(key.typeName) at offset \(offset)")
                }
            }
            return v
        case "print": return .string(a.map(\.text).joined())
        case "println": return .string(a.map(\.text).joined(separator: " ") + "\n")
        default: throw .invalidArgument("template: function \(name.quoted) not defined at offset \(offset)")
        }
    }
}
