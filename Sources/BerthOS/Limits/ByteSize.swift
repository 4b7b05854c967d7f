/// docker's memory values (`-m 64m`, `--memory-swap 1g`) and their display.
public enum ByteSize {
    /// Parses "64m", "64M", "1g", "512k", "1024b", "1024", "1.5g", also "64MiB" and "64mb" as docker's
    /// go-units does. Units are binary (k = 1024). `allowUnlimited` admits the literal "-1" for flags such
    /// as `--memory-swap` where it means "no limit"; fractions of a byte are dropped.
    public static func parse(_ text: String, allowUnlimited: Bool = false) throws(BerthError) -> Int64 {
        if allowUnlimited && text == "-1" { return -1 }
        let invalid = BerthError.invalidArgument(
            "invalid memory value \(text.quoted): expected a number with an optional unit b, k, m or g")
        var rest = Substring(text.lowercased())
        if rest.hasSuffix("b") { rest.removeLast() }
        if rest.hasSuffix("i") { rest.removeLast() }
        var shift: Int64 = 0
        if let last = rest.last, let power = unitPowers[last] {
            shift = power
            rest.removeLast()
            if rest.last == " " { rest.removeLast() }
        }
        guard let number = DecimalText(rest) else { throw invalid }
        guard let bytes = number.scaled(byPowerOf1024: shift) else {
            throw .invalidArgument("invalid memory value \(text.quoted): too large")
        }
        return bytes
    }

    /// docker `stats` style: "512B", "12.3KiB", "64.0MiB", "1.5GiB".
    public static func format(_ bytes: Int64) -> String {
        let (value, unit) = scaled(bytes, units: ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"])
        if unit == "B" { return "\(bytes)B" }
        return tenths(value) + unit
    }

    /// For narrow columns, at most four characters for values under 1000 of a unit: "512B", "64M", "1.5G".
    public static func formatCompact(_ bytes: Int64) -> String {
        let (value, unit) = scaled(bytes, units: ["B", "K", "M", "G", "T", "P", "E"])
        if unit == "B" { return "\(bytes)B" }
        let text = value < 9.95 ? tenths(value) : "\(Int64(value.rounded()))"
        // "2.0G" wastes a column on a digit that says nothing.
        return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + unit
    }

    private static let unitPowers: [Character: Int64] = ["k": 1, "m": 2, "g": 3, "t": 4, "p": 5]

    /// Divides down until the value is below 1024 once rounded to a tenth, so 1023.97KiB shows as 1.0MiB.
    private static func scaled(_ bytes: Int64, units: [String]) -> (Double, String) {
        var value = Double(bytes)
        var index = 0
        while index < units.count - 1 && abs(value) >= 1023.95 {
            value /= 1024
            index += 1
        }
        return (value, units[index])
    }

    /// One decimal, without Foundation's locale-dependent formatting.
    private static func tenths(_ value: Double) -> String {
        let scaled = Int64((value * 10).rounded())
        let sign = scaled < 0 ? "-" : ""
        return "\(sign)\(abs(scaled) / 10).\(abs(scaled) % 10)"
    }
}

/// A non-negative decimal kept as digits, so "1024" converts exactly and "1.5g" is exact to the byte.
struct DecimalText {
    var whole: Int64
    var fractionDigits: Substring

    init?(_ text: Substring) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let wholeText = parts.first, !wholeText.isEmpty, wholeText.allSatisfy(\.isASCIIDigit),
              let whole = Int64(wholeText) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || (!fraction.isEmpty && fraction.allSatisfy(\.isASCIIDigit)) else { return nil }
        self.whole = whole
        self.fractionDigits = fraction
    }

    /// `nil` on overflow. The fraction is kept as an integer over a power of ten, so no precision is lost
    /// to Double: 18 digits and a unit of at most 2^50 fit a full-width multiply.
    func scaled(byPowerOf1024 power: Int64) -> Int64? {
        var unit: Int64 = 1
        for _ in 0..<power { unit *= 1024 }
        let (wholeBytes, overflow) = whole.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        var numerator: Int64 = 0
        var denominator: Int64 = 1
        for digit in fractionDigits.prefix(18) {
            numerator = numerator * 10 + Int64(digit.asciiValue! - 48)
            denominator *= 10
        }
        let (fractionBytes, _) = denominator.dividingFullWidth(numerator.multipliedFullWidth(by: unit))
        let (total, overflowSum) = wholeBytes.addingReportingOverflow(fractionBytes)
        return overflowSum ? nil : total
    }
}
