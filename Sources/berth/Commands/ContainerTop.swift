import BerthOS
import BerthRuntime
import Foundation

/// `berth top CONTAINER [ps OPTIONS]`: the host's ps, cut to the container's processes.
enum ContainerTop {
    static func print(global: GlobalOptions, container: String, options: [String]) throws {
        let engine = try global.engine()
        let pids = try engine.processes(container)
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/usr/bin/ps")
        if !FileManager.default.isExecutableFile(atPath: ps.executableURL!.path) { ps.executableURL = URL(fileURLWithPath: "/bin/ps") }
        ps.arguments = options.isEmpty ? ["-ef"] : options
        let out = Pipe(), err = Pipe()
        ps.standardOutput = out
        ps.standardError = err
        do { try ps.run() } catch {
            throw BerthError.unsupported("top needs the host's ps (procps): \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        ps.waitUntilExit()
        guard ps.terminationStatus == 0 else {
            let first = String(decoding: errors, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "failed"
            throw BerthError.invalidArgument("ps \(ps.arguments!.joined(separator: " ")): \(first)")
        }
        FileHandle.standardOutput.write(Data(try PSTable.filter(String(decoding: data, as: UTF8.self), pids: Set(pids)).utf8))
    }
}
