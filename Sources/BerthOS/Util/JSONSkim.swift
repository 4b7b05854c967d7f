/// Reads a few values out of a JSON document and steps over the rest without building it.
///
/// Foundation's `JSONDecoder` parses every value of a document before decoding the ones asked
/// for, so listing containers paid for each one's whole `config.json` (≈ 250 k instructions for
/// 4 KB) to show three fields. A skim walks the bytes once: objects and arrays it is asked about
/// are entered, every other value is skipped by scanning for its end.
///
/// It is for reading Berth's own files fast, not for judging a document: skipped values are only
/// checked for balanced brackets and terminated strings, so a document it reads may still be one
/// `JSONDecoder` refuses. Whoever must act on a whole document (start, inspect) decodes it fully.
/// Malformed input throws; nothing traps, and nesting deeper than `maxDepth` is refused.
public struct JSONSkim {
    public struct Malformed: Error, Equatable {
        /// Byte offset where reading failed.
        public let offset: Int
    }

    /// Deeper than any spec Berth writes, shallow enough that no input recurses far.
    public static let maxDepth = 64

    private let bytes: [UInt8]
    private var at = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Values

    /// Calls `body` for each member of the object at the cursor, with the cursor on the member's
    /// value; `body` must read or skip that value.
    public mutating func forEachMember(_ body: (inout JSONSkim, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek() == UInt8(ascii: "}") { at += 1; return }
        while true {
            skipSpace()
            let key = try string()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            try body(&self, key)
            skipSpace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: throw Malformed(offset: at - 1)
            }
        }
    }

    /// Calls `body` for each element of the array at the cursor; `body` must read or skip it.
    public mutating func forEachElement(_ body: (inout JSONSkim) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        skipSpace()
        if peek() == UInt8(ascii: "]") { at += 1; return }
        while true {
            skipSpace()
            try body(&self)
            skipSpace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return
            default: throw Malformed(offset: at - 1)
            }
        }
    }

    /// True when the value at the cursor is `null` (consumed); false leaves the cursor on the value.
    public mutating func null() -> Bool {
        guard bytes.count - at >= 4, bytes[at] == UInt8(ascii: "n"), bytes[at + 1] == UInt8(ascii: "u"),
              bytes[at + 2] == UInt8(ascii: "l"), bytes[at + 3] == UInt8(ascii: "l") else { return false }
        at += 4
        return true
    }

    public mutating func bool() throws -> Bool {
        if literal("true") { return true }
        if literal("false") { return false }
        throw Malformed(offset: at)
    }

    /// The integer at the cursor (no fraction or exponent; out of range throws).
    public mutating func int64() throws -> Int64 {
        let start = at
        let negative = peek() == UInt8(ascii: "-")
        if negative { at += 1 }
        var value: Int64 = 0
        var digits = 0
        while let b = peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
            let d = Int64(b - UInt8(ascii: "0"))
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (v, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            guard !o1, !o2 else { throw Malformed(offset: start) }
            value = v
            digits += 1
            at += 1
        }
        guard digits > 0 else { throw Malformed(offset: start) }
        if let b = peek(), b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { throw Malformed(offset: at) }
        return value
    }

    /// The string at the cursor, its escapes decoded (`\uXXXX` surrogate pairs included; a lone
    /// surrogate becomes U+FFFD, as invalid UTF-8 does).
    public mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = at
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: "\"") {
                at += 1
                return String(decoding: bytes[start..<at - 1], as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if b < 0x20 { throw Malformed(offset: at) }
            at += 1
        }
        throw Malformed(offset: at)
    }

    /// The bytes of the value at the cursor, which is stepped over (for handing one small part of
    /// a document to a full decoder).
    public mutating func rawValue() throws -> ArraySlice<UInt8> {
        let start = at
        try skipValue()
        return bytes[start..<at]
    }

    /// Throws unless only white space is left (a document that is one value).
    public mutating func end() throws {
        skipSpace()
        guard at == bytes.count else { throw Malformed(offset: at) }
    }

    /// Steps over the value at the cursor, whatever it is.
    public mutating func skipValue() throws {
        var depth = 0
        repeat {
            skipSpace()
            guard at < bytes.count else { throw Malformed(offset: at) }
            switch bytes[at] {
            case UInt8(ascii: "\""):
                try skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                guard depth <= Self.maxDepth else { throw Malformed(offset: at) }
                at += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else { throw Malformed(offset: at) }
                depth -= 1
                at += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                // Separators only appear inside a container being skipped.
                guard depth > 0 else { throw Malformed(offset: at) }
                at += 1
            default:
                try skipScalar()
            }
        } while depth > 0
    }

    // MARK: - Bytes

    private func peek() -> UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func next() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }

    private mutating func expect(_ b: UInt8) throws {
        guard at < bytes.count, bytes[at] == b else { throw Malformed(offset: at) }
        at += 1
    }

    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0A, 0x0D: at += 1
            default: return
            }
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard bytes.count - at >= n else { return false }
        let w = word.utf8Start
        for k in 0..<n where bytes[at + k] != w[k] { return false }
        at += n
        return true
    }

    /// Numbers, true, false, null: a run of the characters they are made of.
    private mutating func skipScalar() throws {
        let start = at
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "E"):
                at += 1
            default:
                guard at > start else { throw Malformed(offset: at) }
                return
            }
        }
        guard at > start else { throw Malformed(offset: at) }
    }

    private mutating func skipString() throws {
        at += 1
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "\""): at += 1; return
            case UInt8(ascii: "\\"): at += 2
            default: at += 1
            }
        }
        throw Malformed(offset: at)
    }

    private mutating func escapedString(from start: Int) throws -> String {
        var out = Array(bytes[start..<at])
        while at < bytes.count {
            let b = bytes[at]
            at += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = next() else { throw Malformed(offset: at) }
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): appendUTF8(of: try codePoint(), to: &out)
                default: throw Malformed(offset: at - 1)
                }
            default:
                if b < 0x20 { throw Malformed(offset: at - 1) }
                out.append(b)
            }
        }
        throw Malformed(offset: at)
    }

    /// The code point of a `\uXXXX` escape whose `\u` was read, joining a surrogate pair.
    private mutating func codePoint() throws -> UInt32 {
        let high = try hex4()
        guard (0xD800...0xDBFF).contains(high) else { return (0xDC00...0xDFFF).contains(high) ? 0xFFFD : high }
        guard bytes.count - at >= 6, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { return 0xFFFD }
        let save = at
        at += 2
        let low = try hex4()
        guard (0xDC00...0xDFFF).contains(low) else { at = save; return 0xFFFD }
        return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - at >= 4 else { throw Malformed(offset: at) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[at]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw Malformed(offset: at)
            }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    private func appendUTF8(of cp: UInt32, to out: inout [UInt8]) {
        let scalar = Unicode.Scalar(cp) ?? "\u{FFFD}"
        out.append(contentsOf: UTF8.encode(scalar)!)
    }
}
