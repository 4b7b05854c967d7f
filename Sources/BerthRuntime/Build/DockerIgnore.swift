import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The context's `.dockerignore` (moby's `patternmatcher`): one pattern a line, `#` comments,
/// `!` exceptions, `**` for any number of directories, Go `filepath.Match` syntax otherwise
/// (`*`, `?`, `[…]`). The last pattern that matches a path decides; a pattern that matches a
/// directory excludes what is below it.
struct DockerIgnore {
    private struct Pattern { var segments: [String]; var exclude: Bool }
    private var patterns: [Pattern] = []
    /// Whether any pattern is an exception: an excluded directory must then still be walked.
    private(set) var hasExceptions = false

    init(_ text: String) {
        for raw in text.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var exclude = true
            if line.hasPrefix("!") { exclude = false; line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces); hasExceptions = true }
            let segments = line.split(separator: "/").map(String.init).filter { $0 != "." }
            if segments.isEmpty { continue }
            patterns.append(Pattern(segments: segments, exclude: exclude))
        }
    }

    /// Whether `path` (relative to the context, `/`-separated, no leading `/`) is excluded.
    func excludes(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        var excluded = false
        for p in patterns {
            // The path itself or any directory above it.
            var hit = false
            for n in stride(from: parts.count, through: 1, by: -1) where Self.match(p.segments[...], parts[..<n]) {
                hit = true
                break
            }
            if hit { excluded = p.exclude }
        }
        return excluded
    }

    private static func match(_ pattern: ArraySlice<String>, _ parts: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            for skip in 0...parts.count where match(rest, parts.dropFirst(skip)) { return true }
            return false
        }
        guard let part = parts.first, fnmatch(first, part, 0) == 0 else { return false }
        return match(pattern.dropFirst(), parts.dropFirst())
    }
}
