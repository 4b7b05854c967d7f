import BerthOS

/// Container names: docker's rules for user-given ones, and readable generated ones.
public enum ContainerName {
    public static let maximumLength = 128

    /// docker's `[a-zA-Z0-9][a-zA-Z0-9_.-]+`: at least two characters, no leading punctuation, ASCII only,
    /// so a name is always a safe path component and a safe hostname prefix. A leading "/" (docker's
    /// internal form) is accepted and removed.
    public static func validate(_ name: String) throws(BerthError) -> String {
        let bare = name.hasPrefix("/") ? String(name.dropFirst()) : name
        return try ResourceName.validate(bare, kind: .container, minimumLength: 2, maximumLength: maximumLength)
    }

    /// "adjective_noun", avoiding names in `taken`; after enough collisions a number is appended, as
    /// docker does, so this always terminates.
    public static func generate<R: RandomNumberGenerator>(avoiding taken: Set<String> = [],
                                                          using generator: inout R) -> String {
        for attempt in 0..<1000 {
            var name = adjectives.randomElement(using: &generator)! + "_" + nouns.randomElement(using: &generator)!
            if attempt >= 10 { name += String(Int.random(in: 0..<10_000, using: &generator)) }
            if !taken.contains(name) { return name }
        }
        // Only reachable with tens of millions of taken names; the counter keeps it unique anyway.
        var counter = 0
        while taken.contains("berth_\(counter)") { counter += 1 }
        return "berth_\(counter)"
    }

    public static func generate(avoiding taken: Set<String> = []) -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(avoiding: taken, using: &generator)
    }

    private static func isAlphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }

    static let adjectives = [
        "amber", "bold", "brave", "breezy", "bright", "calm", "clever", "cosy", "crisp", "dapper",
        "eager", "fearless", "gentle", "glad", "golden", "grand", "happy", "hardy", "honest", "humble",
        "jolly", "keen", "kind", "lively", "lucky", "mellow", "merry", "mighty", "nimble", "noble",
        "patient", "plucky", "proud", "quiet", "rapid", "salty", "serene", "sharp", "shiny", "silent",
        "snug", "spry", "steady", "stout", "sunny", "swift", "tidy", "trusty", "vivid", "witty",
    ]

    /// A harbour theme, for a tool called Berth.
    static let nouns = [
        "anchor", "barge", "beacon", "bollard", "buoy", "cargo", "clipper", "compass", "coracle", "cutter",
        "dinghy", "dock", "ferry", "frigate", "galleon", "gull", "harbour", "hawser", "helm", "hull",
        "jetty", "junk", "keel", "ketch", "lantern", "lighthouse", "mast", "mooring", "oar", "pier",
        "pilot", "quay", "rudder", "sail", "schooner", "sextant", "skiff", "sloop", "spinnaker", "steamer",
        "tanker", "tide", "trawler", "tug", "wharf", "yacht", "yawl", "capstan", "dory", "lugger",
    ]
}
