import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show images as JSON: layers, config, users.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("A Go template over docker's image inspect keys ({{.Id}}, {{.Architecture}}, {{json .Config}}), or 'json'.", valueName: "format"))
    var format: String?
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
            // The template is parsed before any image is read: a bad one is one line and 125.
            let template = try format.flatMap { $0 == "json" ? nil : try Template($0) }
            let engine = try global.engine()
            if let format {
                let all = try engine.images.list()
                for ref in images {
                    let image = try engine.images.resolve(ref)
                    let value = DockerImageInspect.value(image, names: all.filter { $0.id == image.id })
                    print(format == "json" ? value.jsonText : try template!.render(value))
                }
                return
            }
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
