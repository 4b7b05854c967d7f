/// One line of /proc/<pid>/mountinfo (see proc(5)).
public struct MountInfoEntry: Sendable, Equatable {
    public var mountID: Int
    public var parentID: Int
    /// The directory of the mounted filesystem that appears at `mountPoint`: for a cgroup mount,
    /// the cgroup that is the hierarchy's root in this mount namespace (not always "/").
    public var root: String
    public var mountPoint: String
    public var fsType: String
    public var source: String
    /// Per-superblock options; for cgroup v1 these name the hierarchy's controllers ("rw,cpu,cpuacct").
    public var superOptions: [String]

    public init(mountID: Int, parentID: Int, root: String, mountPoint: String, fsType: String, source: String,
                superOptions: [String]) {
        self.mountID = mountID; self.parentID = parentID; self.root = root; self.mountPoint = mountPoint
        self.fsType = fsType; self.source = source; self.superOptions = superOptions
    }
}

public enum MountInfo {
    /// Parses mountinfo text; malformed lines are skipped rather than failing the whole table.
    public static func parse(_ text: String) -> [MountInfoEntry] {
        StatText.lines(text).compactMap(parseLine)
    }

    static func parseLine(_ line: Substring) -> MountInfoEntry? {
        let fields = StatText.split(line, at: 0x20)
        // The optional fields end with a lone "-"; fs type, source and super options follow it.
        guard let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 2 < fields.count,
              let id = Int(fields[0]), let parent = Int(fields[1]) else { return nil }
        let superOptions = dash + 3 < fields.count ? StatText.split(fields[dash + 3], at: 0x2C).map(String.init) : []
        return MountInfoEntry(mountID: id, parentID: parent,
                              root: unescape(fields[3]), mountPoint: unescape(fields[4]),
                              fsType: String(fields[dash + 1]), source: unescape(fields[dash + 2]),
                              superOptions: superOptions)
    }

    /// The kernel writes space, tab, newline and backslash in paths as 3-digit octal escapes ("\040").
    static func unescape(_ field: Substring) -> String {
        guard field.utf8.contains(0x5C) else { return String(field) }
        var out: [UInt8] = []
        let bytes = Array(field.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C, i + 3 < bytes.count,
               let value = octal(bytes[(i + 1)..<(i + 4)]) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value = 0
        for d in digits {
            guard d >= 0x30, d <= 0x37 else { return nil }
            value = value * 8 + Int(d - 0x30)
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
