import BerthOS
#if canImport(Glibc)
import Glibc
#endif

/// What a log search looks for, parsed from the term the user typed: plain text (the default,
/// ASCII case ignored), or — written `re:PATTERN` — a POSIX extended regular expression, case
/// ignored, matched against each record's message (never its CRI header).
public enum LogPattern: Equatable, Sendable {
    case text(String)
    case regex(String)

    /// The prefix that makes a term a regular expression (`/re:time(out|d out)`).
    public static let regexPrefix = "re:"

    public init(term: String) {
        if term.hasPrefix(Self.regexPrefix) {
            self = .regex(String(term.dropFirst(Self.regexPrefix.count)))
        } else {
            self = .text(term)
        }
    }

    public var isEmpty: Bool {
        switch self {
        case .text(let t), .regex(let t): return t.isEmpty
        }
    }

    /// The bytes every match must hold (ASCII lower case): the whole text, or the longest literal
    /// the regex cannot match without; empty when there is none (then every record is tried).
    public var requiredLiteral: [UInt8] {
        switch self {
        case .text(let t): return Array(t.utf8).map(LogSearch.lower)
        case .regex(let p): return RegexLiteral.required(in: p)
        }
    }

    /// A matcher for it, compiled once. Throws `LogPatternError` for a regex that does not compile.
    public func matcher() throws -> LogMatcher { try LogMatcher(self) }
}

/// A compiled `LogPattern`: tests one message at a time. glibc's regexec takes a lock on the
/// compiled pattern, so one matcher may be shared between threads.
public final class LogMatcher: @unchecked Sendable {
    public let pattern: LogPattern
    private let needle: [UInt8]
    private var regex: regex_t?

    /// Back-references make matching exponential (`(a*)*\1` on a line of a's never returns), and
    /// a search must not be able to hang the dashboard's sampler: they are refused.
    static func backReference(in p: String) -> Bool {
        var escaped = false
        for ch in p.unicodeScalars {
            if escaped, ("1"..."9").contains(ch) { return true }
            escaped = !escaped && ch == "\\"
        }
        return false
    }

    init(_ pattern: LogPattern) throws {
        self.pattern = pattern
        needle = pattern.requiredLiteral
        guard case .regex(let p) = pattern else { return }
        guard !p.isEmpty else { throw LogPatternError.empty }
        guard !Self.backReference(in: p) else { throw LogPatternError.backReference(pattern: p) }
        var r = regex_t()
        let rc = regcomp(&r, p, REG_EXTENDED | REG_ICASE | REG_NOSUB)
        guard rc == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(rc, &r, &message, message.count)
            regfree(&r)
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw LogPatternError.invalidRegex(pattern: p, reason: reason)
        }
        regex = r
    }

    deinit {
        if regex != nil { regfree(&regex!) }
    }

    /// The longest run of bytes every match holds (ASCII lower case), for a fast pre-filter.
    public var literal: [UInt8] { needle }

    /// Whether the message `text` matches. For plain text, whether it holds the term, ASCII case
    /// ignored; for a regex, the literal is looked for first and regexec runs only where it is.
    public func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        if !needle.isEmpty && !Self.holdsFolded(text, needle) { return false }
        return matchesRegex(text)
    }

    public var isRegex: Bool { regex != nil }

    /// The regex alone (the caller has checked the literal); true for plain text.
    public func matchesRegex(_ text: UnsafeRawBufferPointer) -> Bool {
        guard regex != nil else { return true }
        guard let base = text.baseAddress, text.count > 0 else {
            var nul: CChar = 0
            return withUnsafePointer(to: &nul) { regexMatches(UnsafeRawPointer($0), 0) }
        }
        return regexMatches(base, text.count)
    }

    public func matches(_ text: String) -> Bool {
        var t = text
        return t.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }

    /// regexec over exactly `count` bytes (REG_STARTEND: no NUL needed, a NUL in a log is a byte).
    private func regexMatches(_ base: UnsafeRawPointer, _ count: Int) -> Bool {
        var range = regmatch_t(rm_so: 0, rm_eo: regoff_t(count))
        return regexec(&regex!, base.assumingMemoryBound(to: CChar.self), 1, &range, REG_STARTEND) == 0
    }

    /// Whether `text` holds `needle` (lower case), ASCII case ignored.
    static func holdsFolded(_ text: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard text.count >= needle.count else { return false }
        let first = needle[0], upper = LogSearch.isLetter(first) ? first & ~0x20 : first
        var i = 0
        let last = text.count - needle.count
        while i <= last {
            let b = text[i]
            if b == first || b == upper {
                var j = 1
                while j < needle.count && LogSearch.lower(text[i + j]) == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}

public enum LogPatternError: Error, Equatable, CustomStringConvertible {
    case empty
    case invalidRegex(pattern: String, reason: String)
    case backReference(pattern: String)

    /// The pattern as typed, in quotes, control characters escaped (its backslashes are left as
    /// they are, so the user sees the pattern they wrote).
    static func shown(_ p: String) -> String { "'" + Quoted.escapeControls(p) + "'" }

    public var description: String {
        switch self {
        case .empty:
            return "an empty regex: write the pattern after re:"
        case .invalidRegex(let p, let why):
            return "invalid regex \(Self.shown(p)): \(Quoted.escapeControls(why).lowercased())"
        case .backReference(let p):
            return "invalid regex \(Self.shown(p)): back-references (\\1…\\9) are not supported"
        }
    }
}
