import BerthOS
import BerthRuntime
import Foundation

/// `berth top CONTAINER [ps OPTIONS]`: the host's ps, cut to the container's processes.
enum ContainerTop {
    static func print(global: GlobalOptions, container: String, options: [String]) throws {
        let engine = try global.engine()
        let pids = try engine.processes(container)
        FileHandle.standardOutput.write(Data(try PSTable.run(options: options, pids: Set(pids)).utf8))
    }
}
