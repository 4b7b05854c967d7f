/// Bytes read from and written to block devices, summed over devices.
public struct BlockIO: Sendable, Equatable {
    public var readBytes: UInt64
    public var writeBytes: UInt64

    public init(readBytes: UInt64, writeBytes: UInt64) {
        self.readBytes = readBytes; self.writeBytes = writeBytes
    }

    /// v2 io.stat: one line per device, "259:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0".
    public static func parseIOStat(_ text: String) -> BlockIO {
        StatText.withBytes(text, parseIOStat(bytes:))
    }

    static func parseIOStat(bytes: UnsafeRawBufferPointer) -> BlockIO {
        var io = BlockIO(readBytes: 0, writeBytes: 0)
        var i = 0
        let n = bytes.count
        while i < n {
            // Each token is "key=value"; the device number has no '=' and is skipped.
            while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A { i += 1 }
            let start = i
            while i < n, bytes[i] != 0x3D, bytes[i] != 0x20, bytes[i] != 0x0A { i += 1 }
            guard i < n, bytes[i] == 0x3D else { continue }
            let key = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
            i += 1
            guard let value = StatText.parseUInt(bytes, &i) else { continue }
            if StatText.equals(key, "rbytes") {
                io.readBytes &+= value
            } else if StatText.equals(key, "wbytes") {
                io.writeBytes &+= value
            }
        }
        return io
    }

    /// v1 blkio.*io_service_bytes*: "8:0 Read 4096" per device and operation, then a "Total N" line
    /// (which is skipped: it adds Read and Write together).
    public static func parseBlkio(_ text: String) -> BlockIO {
        StatText.withBytes(text, parseBlkio(bytes:))
    }

    static func parseBlkio(bytes: UnsafeRawBufferPointer) -> BlockIO {
        var io = BlockIO(readBytes: 0, writeBytes: 0)
        var i = 0
        let n = bytes.count
        while i < n {
            var lineEnd = i
            while lineEnd < n, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var j = i
            while j < lineEnd, bytes[j] != 0x20 { j += 1 }
            j += 1
            let opStart = j
            while j < lineEnd, bytes[j] != 0x20 { j += 1 }
            if j < lineEnd {
                let op = UnsafeRawBufferPointer(rebasing: bytes[opStart..<j])
                j += 1
                if let value = StatText.parseUInt(bytes, &j) {
                    if StatText.equals(op, "Read") {
                        io.readBytes &+= value
                    } else if StatText.equals(op, "Write") {
                        io.writeBytes &+= value
                    }
                }
            }
            i = lineEnd + 1
        }
        return io
    }
}
