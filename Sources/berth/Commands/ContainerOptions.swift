import ArgumentParser
import BerthOS
import BerthRuntime

/// `run` and `create`: the shared container flags plus what only a single container has
/// (a name, removal on exit, a terminal).
struct ContainerOptions: ParsableArguments {
    @Option(help: "Name of the container (unique).") var name: String?
    @OptionGroup var flags: ContainerFlags
    @Flag(help: "Remove the container when it exits.") var rm = false
    @Flag(name: .shortAndLong, help: "Keep stdin open (attach sends it to the container).") var interactive = false
    @Flag(name: .shortAndLong, help: "Give the container a terminal (from its own /dev/pts).") var tty = false

    func request(image: String, command: [String], cgroupParent: String?) throws -> ContainerRequest {
        var request = try flags.request(image: image, command: command, cgroupParent: cgroupParent)
        if rm && request.restartPolicy != .no {
            throw BerthError.invalidArgument("conflicting options: --restart and --rm (a container removed on exit cannot be restarted)")
        }
        request.name = name
        request.autoRemove = rm
        request.tty = tty
        request.interactive = interactive
        return request
    }
}
