import Foundation

/// Writes ustar archives byte by byte, so tests can make archives no well-behaved tool would:
/// `..` in names, absolute paths, links that point out, whiteouts that escape, truncated data.
struct ImageHandTar {
    private(set) var bytes: [UInt8] = []

    enum Kind: UInt8 {
        case file = 0x30, hardlink = 0x31, symlink = 0x32, char = 0x33, directory = 0x35
    }

    mutating func add(_ name: String, _ kind: Kind = .file, content: String = "", link: String = "", mode: Int = 0o644,
                      uid: Int = 0, gid: Int = 0) {
        let data = Array(content.utf8)
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: [UInt8], _ at: Int, _ width: Int) { for (i, b) in s.prefix(width).enumerated() { h[at + i] = b } }
        func octal(_ v: Int, _ at: Int, _ width: Int) {
            let digits = String(v, radix: 8)
            put(Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8), at, width - 1)
        }
        put(Array(name.utf8), 0, 100)
        octal(mode, 100, 8)
        octal(uid, 108, 8)
        octal(gid, 116, 8)
        octal(kind == .file ? data.count : 0, 124, 12)
        octal(1_700_000_000, 136, 12)
        h[156] = kind.rawValue
        put(Array(link.utf8), 157, 100)
        put(Array("ustar\u{0}00".utf8), 257, 8)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(Array(String(format: "%06o", sum).utf8) + [0, 0x20], 148, 8)
        bytes += h
        if kind == .file {
            bytes += data
            bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
    }

    /// The archive with its two zero end blocks.
    var archive: [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

    func write(to path: String, truncatedTo length: Int? = nil) throws {
        let all = archive
        try Data(all.prefix(length ?? all.count)).write(to: URL(fileURLWithPath: path))
    }
}
