/// Scans the text of kernel stat files straight from bytes: the stats sampler re-reads these files
/// for every container on every tick, and building Strings there would cost more than the reads.
enum StatText {
    /// Runs `body` on the UTF-8 bytes of `text` (the String-facing parsers use this; the sampler has bytes already).
    static func withBytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var copy = text
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// The first unsigned decimal number in `bytes`, skipping leading blanks; nil for "max", "-1" or no digits.
    static func firstUInt(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A { i += 1 }
        return parseUInt(bytes, &i)
    }

    /// Parses the digits at `index`, leaving `index` after them; nil when there are none.
    /// Saturates instead of overflowing: v1 reports "unlimited" as 2^63 rounded to a page.
    @inline(__always)
    static func parseUInt(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while index < bytes.count {
            let d = bytes[index] &- 0x30
            if d > 9 { break }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            value = (o1 || o2) ? UInt64.max : s
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    /// Calls `body` with the key and the first number of every "key value" line (memory.stat, cpu.stat,
    /// memory.events, memory.oom_control). Lines whose value is not a number are skipped.
    static func forEachKeyValue(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, UInt64) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            let keyStart = i
            while i < n, bytes[i] != 0x20, bytes[i] != 0x0A { i += 1 }
            let key = UnsafeRawBufferPointer(rebasing: bytes[keyStart..<i])
            while i < n, bytes[i] == 0x20 { i += 1 }
            if let value = parseUInt(bytes, &i) { body(key, value) }
            while i < n, bytes[i] != 0x0A { i += 1 }
            i += 1
        }
    }

    /// Whether `bytes` spell exactly `literal` (ASCII).
    @inline(__always)
    static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let lit = literal.utf8Start
        for i in 0..<bytes.count where bytes[i] != lit[i] { return false }
        return true
    }

    /// Splits text into lines without the trailing empty one; for the cold-path parsers.
    static func lines(_ text: String) -> [Substring] {
        split(text[...], at: 0x0A)
    }

    /// The non-empty pieces of `text` between `separator` bytes (ASCII). Kernel text is split on its
    /// bytes, not on Characters: grapheme breaking cost about ten times as much (every CLI call
    /// parses /proc/self/mountinfo), and a kernel file's separators are bytes, not clusters.
    static func split(_ text: Substring, at separator: UInt8) -> [Substring] {
        var pieces: [Substring] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var i = start
        while i != bytes.endIndex {
            if bytes[i] == separator {
                if i != start { pieces.append(text[start..<i]) }
                start = bytes.index(after: i)
            }
            i = bytes.index(after: i)
        }
        if start != bytes.endIndex { pieces.append(text[start..<bytes.endIndex]) }
        return pieces
    }
}
