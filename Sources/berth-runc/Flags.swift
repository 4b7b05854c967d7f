import BerthOS

/// runc's flag grammar (Go's `flag` package through urfave/cli): `--name value`, `--name=value`,
/// and the same with one dash; booleans take no value (or `=true`/`=false`); flags may come before
/// or after the positional arguments, and `--` ends them. Each verb declares its flags, so an
/// unknown one is refused by name rather than ignored.
struct Flags {
    var values: [String: [String]] = [:]
    var bools: Set<String> = []
    var positional: [String] = []

    /// `valued`: flags that take a value; `boolean`: those that do not. `stopAtFirstPositional`:
    /// everything after the first positional is positional (`exec ID CMD -x`).
    init(_ args: ArraySlice<String>, verb: String, valued: Set<String>, boolean: Set<String>,
         stopAtFirstPositional: Bool = false) throws(BerthError) {
        var i = args.startIndex
        while i < args.endIndex {
            let a = args[i]
            i += 1
            if a == "--" { positional += args[i...]; break }
            guard a.hasPrefix("-"), a.count > 1, !(stopAtFirstPositional && !positional.isEmpty) else {
                positional.append(a)
                continue
            }
            var name = String(a.drop(while: { $0 == "-" }))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valued.contains(name) {
                if let inline { values[name, default: []].append(inline); continue }
                guard i < args.endIndex else { throw .invalidArgument("\(verb): flag --\(name) needs a value") }
                values[name, default: []].append(args[i])
                i += 1
            } else if boolean.contains(name) {
                switch inline {
                case nil, "true", "1": bools.insert(name)
                case "false", "0": bools.remove(name)
                default: throw .invalidArgument("\(verb): flag --\(name) takes true or false, not \(inline!.quoted)")
                }
            } else {
                throw .invalidArgument("\(verb): unknown flag \(Quoted.quote("-" + name))")
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { bools.contains(name) }

    /// The one container id the verb takes.
    func id(_ verb: String) throws(BerthError) -> String {
        guard let id = positional.first else { throw .invalidArgument("\(verb): a container id is required") }
        return id
    }
}
