import BerthOS

/// docker's `--filter KEY=VALUE` grammar, shared by `ps` and `events`: values of one key are
/// alternatives, different keys must all match.
enum FilterSpecs {
    /// The values given per key. A missing `=`, a key not in `keys`, or a value `problem` finds
    /// fault with (its message) is an argument error, the first in the order given; `by` names
    /// who filters in the message ("ps filters", "events filter").
    static func parse(_ specs: [String], keys: [String], by: String,
                      problem: (_ key: String, _ value: String) -> String? = { _, _ in nil }) throws(BerthError) -> [String: [String]] {
        var values: [String: [String]] = [:]
        for spec in specs {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex else {
                throw .invalidArgument("bad format of filter \(spec.quoted): expected KEY=VALUE")
            }
            let key = String(spec[..<eq]), value = String(spec[spec.index(after: eq)...])
            guard keys.contains(key) else {
                throw .invalidArgument("invalid filter \(key.quoted): \(by) by \(keys.joined(separator: ", "))")
            }
            if let message = problem(key, value) { throw .invalidArgument(message) }
            values[key, default: []].append(value)
        }
        return values
    }

    /// `label=`: `KEY` matches when the label is set, `KEY=VALUE` when it has that value.
    static func label(_ wanted: String, in labels: [String: String]) -> Bool {
        guard let eq = wanted.firstIndex(of: "=") else { return labels[wanted] != nil }
        return labels[String(wanted[..<eq])] == String(wanted[wanted.index(after: eq)...])
    }
}
