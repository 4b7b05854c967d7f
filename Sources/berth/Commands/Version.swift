import ArgumentParser
import BerthRuntime
import Foundation

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Show Berth's version and platform.")
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("'json' or a Go template such as '{{.Version}}'.", valueName: "format"))
    var format: String?

    struct Output: Encodable {
        var Version: String
        var Os = "linux"
        var Arch: String
        var KernelVersion: String
    }

    /// docker names architectures as Go does.
    static func goArch(_ machine: String) -> String {
        ["x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"][machine] ?? machine
    }

    func run() throws {
        try withRuntimeErrors {
            var u = utsname()
            uname(&u)
            let kernel = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let o = Output(Version: Berth.configuration.version, Arch: Self.goArch(Engine.architecture()), KernelVersion: kernel)
            try Formatted.print(o, format: format) {
                """
                Berth:
                 Version:        \(o.Version)
                 OS/Arch:        \(o.Os)/\(o.Arch)
                 Kernel Version: \(o.KernelVersion)
                 Daemon:         none (each container has its own supervisor)

                """
            }
        }
    }
}
