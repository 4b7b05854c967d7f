import BerthOCI
import BerthOS
import BerthRuntime
import Foundation

/// spec (a default config.json) and features (what this runtime supports, as the runtime-spec's
/// features document defines it).
enum Documents {
    static func spec(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "spec", valued: ["bundle", "b"], boolean: ["rootless"])
        if f.has("rootless") { throw BerthError.unsupported("spec --rootless: rootless containers are not supported by berth-runc yet") }
        let dir = f.value("bundle") ?? f.value("b") ?? "."
        let path = dir + "/config.json"
        if FileIO.exists(path) {
            throw BerthError.invalidArgument("\(path.quoted) exists: remove it first or use another --bundle")
        }
        try FileIO.writeAtomically(path, string: try Queries.json(RuncDefaultSpec.spec()) + "\n")
        return 0
    }

    static func features(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        _ = try Flags(args, verb: "features", valued: [], boolean: [])
        print(try Queries.json(RuncFeatures.current()))
        return 0
    }
}
