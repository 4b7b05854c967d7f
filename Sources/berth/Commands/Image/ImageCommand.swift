import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage images.",
        subcommands: [ImageImport.self, ImageList.self, ImageInspect.self, ImageRemove.self, ImagePrune.self,
                      ImageExport.self, ImageBusybox.self, ImageTag.self, ImageHistoryCommand.self, ImageSave.self, ImageLoad.self, Build.self])
}
