/// docker's `--cpus`: a number of CPUs turned into a CFS quota over a fixed period.
public enum CPUs {
    /// The CFS period Berth writes, in microseconds: docker's, and the kernel's default, so v1 and
    /// v2 hosts behave alike. The one definition; everything else reads it from here or from config.json.
    public static let period: UInt64 = 100_000
    /// The kernel rejects a quota below 1 ms (EINVAL), which is 0.01 CPU at this period.
    public static let minimum = 0.01
    /// The kernel's cap on the quota/period ratio leaves room for far more, but no host Berth targets has more.
    public static let maximum = 1024.0

    public struct Quota: Equatable, Sendable {
        /// Microseconds of CPU time per `period`.
        public var quota: Int64
        public var period: UInt64

        public init(quota: Int64, period: UInt64) {
            self.quota = quota
            self.period = period
        }

        /// The inverse, for display and for `ResourceLimits.cpus`.
        public var cpus: Double { Double(quota) / Double(period) }
    }

    /// The number in "0.5", "1.25", "2", without the range check (that is `LimitRules`' job).
    /// Rejects NaN, infinities, exponents and signs.
    public static func number(_ text: String) throws(BerthError) -> Double {
        // Double("nan") and Double("1e3") succeed; the flag takes plain decimals only.
        guard !text.isEmpty, text.allSatisfy({ $0.isASCIIDigit || $0 == "." }),
              let value = Double(text), value.isFinite else {
            throw .invalidArgument("invalid --cpus value \(text.quoted): expected a number such as 0.5 or 2")
        }
        return value
    }

    /// Parses and checks "0.5", "1.25", "2" into a quota over `period`.
    public static func parse(_ text: String) throws(BerthError) -> Quota {
        try quota(for: try number(text))
    }

    /// Validates a value that arrived as a number (compose's `cpus: 0.5`) by `LimitRules`' rule.
    public static func quota(for cpus: Double) throws(BerthError) -> Quota {
        do { try LimitRules.checkCPUs(cpus) } catch { throw error.berthError }
        return Quota(quota: quotaMicros(for: cpus), period: period)
    }

    /// The quota over `period` for a number of CPUs already checked.
    static func quotaMicros(for cpus: Double) -> Int64 { Int64((cpus * Double(period)).rounded()) }
}
