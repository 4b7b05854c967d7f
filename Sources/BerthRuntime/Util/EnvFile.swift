import BerthOS
import Foundation

/// docker's `--env-file` and `-e` rules: `KEY=VALUE` taken literally (no quotes, no expansion),
/// `KEY` alone takes the caller's value and is left out when the caller has none; blank lines
/// and lines starting with `#` are skipped. The same rules read `--label-file` (without lookup).
public enum EnvFile {
    /// `-e`/`--env` and env-file entries resolved against `lookup` (the caller's environment).
    public static func resolve(_ entry: String, lookup: (String) -> String?) throws(BerthError) -> String? {
        if let eq = entry.firstIndex(of: "=") {
            guard eq != entry.startIndex else {
                throw .invalidArgument("invalid environment variable \(entry.quoted): the name is empty")
            }
            return entry
        }
        guard !entry.isEmpty, !entry.contains(where: { $0.isWhitespace }) else {
            throw .invalidArgument("invalid environment variable \(entry.quoted): a name contains no whitespace")
        }
        return lookup(entry).map { entry + "=" + $0 }
    }

    /// The entries of a file's text, in order: `KEY=VALUE` or a bare `KEY` (resolved by `resolve`).
    /// `what` names the file in messages (`--env-file FILE`).
    public static func lines(_ text: String, what: String) throws(BerthError) -> [String] {
        var out: [String] = []
        // "\r\n" is one Character in Swift: a file written on Windows splits on it too.
        let rows = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (number, raw) in rows.enumerated() {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.unicodeScalars.contains(where: { $0.value == 0 }) {
                throw .invalidArgument("\(what), line \(number + 1): contains a NUL byte")
            }
            let name = trimmed.prefix { $0 != "=" }
            // docker: a name with whitespace is an error, not silently a different name.
            if name.contains(where: { $0.isWhitespace }) {
                throw .invalidArgument("\(what), line \(number + 1): variable \(String(name).quoted) contains whitespace")
            }
            if name.isEmpty { throw .invalidArgument("\(what), line \(number + 1): no variable name before '='") }
            out.append(String(trimmed))
        }
        return out
    }

    /// Reads a file the caller named, as UTF-8 text, with a message naming it.
    public static func read(_ path: String, what: String) throws(BerthError) -> String {
        guard let bytes = FileIO.read(path) else { throw .errno("open \(what)", path) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidArgument("\(what) \(Quoted.escapeControls(path)) is not UTF-8 text")
        }
        return text
    }
}
