import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show images as JSON: layers, config, users.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Image name[:tag] or id.") var images: [String]

    struct Output: Encodable {
        var image: ImageRecord
        var diffIDs: [String]
        var layerDirectories: [String]
        var containers: [String]

        func encode(to encoder: Encoder) throws {
            try image.encode(to: encoder)
            enum K: String, CodingKey { case diffIDs, layerDirectories, containers }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(diffIDs, forKey: .diffIDs)
            try c.encode(layerDirectories, forKey: .layerDirectories)
            try c.encode(containers, forKey: .containers)
        }
    }

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let out = try images.map { ref -> Output in
                let image = try engine.images.resolve(ref)
                return Output(image: image, diffIDs: image.layers.map { $0.count == 64 ? "sha256:" + $0 : $0 },
                              layerDirectories: image.layers.map(engine.images.layerPath),
                              containers: engine.imageUsers(image).map(\.name))
            }
            try printJSON(out)
        }
    }
}
