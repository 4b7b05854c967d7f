/// Bytes as lowercase hexadecimal: content digests, random ids. Built from a table, not with
/// `String(format:)`, which costs Foundation's formatter per byte (a 32-byte id took 1.4 million
/// instructions, 3 % of a `berth run`).
public enum Hex {
    public static func lowercase<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits: StaticString = "0123456789abcdef"
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        digits.withUTF8Buffer { table in
            for b in bytes {
                out.append(table[Int(b >> 4)])
                out.append(table[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
