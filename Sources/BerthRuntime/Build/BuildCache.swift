import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a build stage has made so far: its layers, config and history. Also what one cache
/// entry holds: the state after a step.
struct BuildState: Codable {
    var layers: [String]
    var layerSizes: [UInt64]
    var config: ImageConfig
    var history: [OCIHistory]
    var architecture: String
    var os: String

    /// The state's identity for cache keys: layers, config and the steps (not their times).
    var id: String {
        struct Key: Encodable { var layers: [String]; var config: ImageConfig; var steps: [String] }
        let key = Key(layers: layers, config: config, steps: history.map { ($0.empty_layer == true ? "0 " : "1 ") + ($0.created_by ?? "") })
        return Digest.of(Array((try? JSONEncoder.oci.encode(key)) ?? Data())).hex
    }
}

extension OCIHistory: Equatable {
    static func == (a: OCIHistory, b: OCIHistory) -> Bool {
        a.created == b.created && a.created_by == b.created_by && a.comment == b.comment && a.empty_layer == b.empty_layer
    }
}

/// The build cache (`<root>/build-cache/<key>.json`): the state after a step, keyed by the state
/// before it, the instruction after substitution, the build args in effect and the content hash
/// of the files it copies (BuildKit's key: parent + instruction + content). Each entry is written
/// atomically (a killed build leaves a whole entry or none) after its layer is in the store; an
/// entry whose layer was pruned since is a miss.
struct BuildCache {
    let store: ImageStore
    var directory: String { store.root + "/build-cache" }

    static func key(parent: BuildState, instruction: String, args: [String], content: String?) -> String {
        let text = ["berth-build-v1", parent.id, instruction, args.joined(separator: "\u{0}"), content ?? ""].joined(separator: "\n")
        return Digest.of(Array(text.utf8)).hex
    }

    func lookup(_ key: String) -> BuildState? {
        guard let bytes = FileIO.read(directory + "/" + key + ".json", followLink: false),
              let state = try? JSONDecoder().decode(BuildState.self, from: Data(bytes)),
              state.layers.allSatisfy(store.layerExists), state.layers.count == state.layerSizes.count else { return nil }
        return state
    }

    /// Removes entries whose layers are gone (pruned: they can never hit again) and the
    /// temporaries of writes that never finished (older than ten minutes: a running build's
    /// write takes milliseconds).
    func sweep() {
        for name in FileIO.entryNames(directory) {
            let path = directory + "/" + name
            if name.hasSuffix(".tmp") {
                var st = stat()
                if lstat(path, &st) == 0, time(nil) - st.st_mtim.tv_sec > 600 { unlink(path) }
            } else if name.hasSuffix(".json"), lookup(String(name.dropLast(5))) == nil {
                unlink(path)
            }
        }
    }

    /// The keys of the records present (valid or not).
    func keys() -> [String] {
        FileIO.entryNames(directory).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Removes a record; false when it was not there.
    func remove(_ key: String) -> Bool { unlink(directory + "/" + key + ".json") == 0 }

    func save(_ key: String, _ state: BuildState) throws {
        try FileIO.mkdirs(directory, mode: 0o700)
        try FileIO.writeAtomically(directory + "/" + key + ".json", bytes: Array(try JSONEncoder.oci.encode(state)), mode: 0o600)
    }
}

/// ARG and ENV values as the builder uses them.
enum BuildVariables {
    /// `["K=V", …]` → `[K: V]` (later entries win).
    static func environment(_ env: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for e in env {
            guard let eq = e.firstIndex(of: "=") else { continue }
            out[String(e[..<eq])] = String(e[e.index(after: eq)...])
        }
        return out
    }
}
