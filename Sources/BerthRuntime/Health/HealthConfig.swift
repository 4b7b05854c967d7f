import BerthOS
import Foundation

/// A container's healthcheck in docker's terms and docker's JSON (`Healthcheck` of an image config,
/// `Config.Healthcheck` of `inspect`): the probe and its schedule, durations in nanoseconds.
/// Part of `RunOptions` (`--health-*`, compose `healthcheck:`); `Engine.create` merges it over the
/// image's (`merged(over:)`), stores the result in config.json (`SpecExtras.Annotation.healthcheck`)
/// and `PlanBuilder` hands it to the supervisor, which runs the probes (`berth-shim/health.c`).
public struct HealthConfig: Codable, Sendable, Equatable {
    /// `[]`: inherit the image's; `["NONE"]`: disabled; `["CMD", arg…]`; `["CMD-SHELL", command]`.
    public var test: [String]
    /// 0 = inherit the image's value, else docker's default.
    public var interval: Int64
    public var timeout: Int64
    public var startPeriod: Int64
    public var startInterval: Int64
    public var retries: Int

    /// docker's defaults for a zero value.
    public static let defaultInterval: Int64 = 30_000_000_000
    public static let defaultTimeout: Int64 = 30_000_000_000
    public static let defaultStartInterval: Int64 = 5_000_000_000
    public static let defaultRetries = 3
    /// The shortest duration docker accepts (1 ms); 0 means "the default".
    public static let minimumDuration: Int64 = 1_000_000
    /// The longest one Berth accepts (a year): the supervisor's timers stay far from overflow.
    public static let maximumDuration: Int64 = 365 * 24 * 3600 * 1_000_000_000
    /// At most this many probe arguments and bytes of them: a probe is one short command.
    public static let maximumTestBytes = 64 * 1024

    public init(test: [String] = [], interval: Int64 = 0, timeout: Int64 = 0, startPeriod: Int64 = 0,
                startInterval: Int64 = 0, retries: Int = 0) {
        self.test = test; self.interval = interval; self.timeout = timeout; self.startPeriod = startPeriod
        self.startInterval = startInterval; self.retries = retries
    }

    /// `--no-healthcheck`, compose's `disable: true` and `test: ["NONE"]`.
    public static let disabled = HealthConfig(test: ["NONE"])

    private enum CodingKeys: String, CodingKey {
        case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod"
        case startInterval = "StartInterval", retries = "Retries"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        test = try c.decodeIfPresent([String].self, forKey: .test) ?? []
        interval = try c.decodeIfPresent(Int64.self, forKey: .interval) ?? 0
        timeout = try c.decodeIfPresent(Int64.self, forKey: .timeout) ?? 0
        startPeriod = try c.decodeIfPresent(Int64.self, forKey: .startPeriod) ?? 0
        startInterval = try c.decodeIfPresent(Int64.self, forKey: .startInterval) ?? 0
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? 0
    }

    /// docker's merge of a container's healthcheck over its image's: no test of its own takes the
    /// image's, and each zero value takes the image's.
    public static func merged(_ own: HealthConfig?, over image: HealthConfig?) -> HealthConfig? {
        guard var c = own else { return image }
        guard let image else { return c }
        if c.test.isEmpty { c.test = image.test }
        if c.interval == 0 { c.interval = image.interval }
        if c.timeout == 0 { c.timeout = image.timeout }
        if c.startPeriod == 0 { c.startPeriod = image.startPeriod }
        if c.startInterval == 0 { c.startInterval = image.startInterval }
        if c.retries == 0 { c.retries = image.retries }
        return c
    }

    /// The probe's argv, or nil when there is none to run (no test, or `NONE`): `CMD-SHELL` runs
    /// under `/bin/sh -c`, as docker's Linux default shell.
    public var probeArguments: [String]? {
        guard let kind = test.first else { return nil }
        switch kind {
        case "CMD": return test.count > 1 ? Array(test.dropFirst()) : nil
        case "CMD-SHELL": return test.count > 1 ? ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")] : nil
        default: return nil
        }
    }

    /// The schedule with docker's defaults in place of zeros.
    public var effectiveInterval: Int64 { interval == 0 ? Self.defaultInterval : interval }
    public var effectiveTimeout: Int64 { timeout == 0 ? Self.defaultTimeout : timeout }
    public var effectiveStartInterval: Int64 { startInterval == 0 ? Self.defaultStartInterval : startInterval }
    public var effectiveRetries: Int { retries == 0 ? Self.defaultRetries : retries }

    /// The one validator (docker's rules and messages): `RunOptionRules.check` calls it for every
    /// front end, and config.json is checked again when a plan is made from it.
    public static func check(_ c: HealthConfig) throws(BerthError) {
        if let kind = c.test.first, !["NONE", "CMD", "CMD-SHELL"].contains(kind) {
            throw .invalidArgument("invalid healthcheck test \(kind.quoted): expected NONE, CMD or CMD-SHELL first")
        }
        if c.test.first == "CMD" || c.test.first == "CMD-SHELL", c.test.count < 2 || c.test[1].isEmpty {
            throw .invalidArgument("the healthcheck test \(c.test[0]) has no command")
        }
        if c.test.reduce(0, { $0 + $1.utf8.count }) > maximumTestBytes {
            throw .invalidArgument("the healthcheck command is longer than \(maximumTestBytes) bytes")
        }
        if c.test.contains(where: { $0.utf8.contains(0) }) {
            throw .invalidArgument("the healthcheck command contains a NUL byte")
        }
        for (name, value) in [("Interval", c.interval), ("Timeout", c.timeout), ("StartPeriod", c.startPeriod),
                              ("StartInterval", c.startInterval)] {
            if value != 0 && value < minimumDuration {
                throw .invalidArgument("\(name) in Healthcheck cannot be less than 1ms")
            }
            if value > maximumDuration { throw .invalidArgument("\(name) in Healthcheck cannot be more than a year") }
        }
        if c.retries < 0 { throw .invalidArgument("Retries in Healthcheck cannot be negative") }
        if c.retries > 1_000_000 { throw .invalidArgument("Retries in Healthcheck cannot be more than 1000000") }
    }

    /// A `--health-*` duration ("30s", "1m30s") in nanoseconds; "0" is the default.
    public static func duration(_ text: String, flag: String) throws(BerthError) -> Int64 {
        let seconds: TimeInterval
        do { seconds = try DurationParser.parseDuration(text) } catch {
            throw .invalidArgument("invalid \(flag) \(text.quoted): expected a duration such as 30s, 1m or 500ms")
        }
        guard seconds >= 0, seconds * 1e9 < Double(Int64.max / 2) else {
            throw .invalidArgument("invalid \(flag) \(text.quoted): expected a duration such as 30s, 1m or 500ms")
        }
        return Int64(seconds * 1e9)
    }
}
