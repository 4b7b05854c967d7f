/// Byte counters of /proc/<pid>/net/dev, summed over every interface but loopback
/// (traffic a container sends to itself is not network use).
public struct NetDevTotals: Sendable, Equatable {
    public var rxBytes: UInt64
    public var txBytes: UInt64

    public init(rxBytes: UInt64, txBytes: UInt64) {
        self.rxBytes = rxBytes; self.txBytes = txBytes
    }

    public static func parse(_ text: String) -> NetDevTotals {
        StatText.withBytes(text, parse(bytes:))
    }

    /// Lines look like "  eth0: 17222058     396    0 ... 23825 ..." after two header lines:
    /// receive bytes is the 1st number after the colon, transmit bytes the 9th.
    static func parse(bytes: UnsafeRawBufferPointer) -> NetDevTotals {
        var totals = NetDevTotals(rxBytes: 0, txBytes: 0)
        var i = 0
        let n = bytes.count
        while i < n {
            var lineEnd = i
            while lineEnd < n, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var colon = i
            while colon < lineEnd, bytes[colon] != 0x3A { colon += 1 }
            if colon < lineEnd {
                var nameStart = i
                while nameStart < colon, bytes[nameStart] == 0x20 { nameStart += 1 }
                let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<colon])
                if !StatText.equals(name, "lo") {
                    var j = colon + 1
                    var column = 0
                    while j < lineEnd, column < 9 {
                        while j < lineEnd, bytes[j] == 0x20 { j += 1 }
                        guard let value = StatText.parseUInt(bytes, &j) else { break }
                        if column == 0 { totals.rxBytes &+= value }
                        if column == 8 { totals.txBytes &+= value }
                        column += 1
                    }
                }
            }
            i = lineEnd + 1
        }
        return totals
    }
}
