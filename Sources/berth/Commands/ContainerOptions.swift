import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `run` and `create`: beside the shared container flags (`ContainerFlags`, `RunOptionFlags`), what only a single container has
/// (a name, removal on exit, a terminal).
struct ContainerOptions: ParsableArguments {
    @Option(help: "Name of the container (unique).") var name: String?
    @Flag(help: "Remove the container when it exits.") var rm = false
    @Flag(name: .shortAndLong, help: "Keep stdin open (attach sends it to the container).") var interactive = false
    @Flag(name: .shortAndLong, help: "Give the container a terminal (from its own /dev/pts).") var tty = false
    @Option(help: ArgumentHelp("Write the container's id to this file (which must not exist).", valueName: "file")) var cidfile: String?
    @Option(help: ArgumentHelp("Platform of the image; Berth runs linux/amd64 only.", valueName: "os/arch")) var platform: String?
    // `.unconditional`: a negative value is read as one and refused with a clear message.
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds `stop` waits before SIGKILL (default 10).", valueName: "seconds")) var stopTimeout: Int?

    func request(image: String, command: [String], cgroupParent: String?,
                 flags: ContainerFlags, more: RunOptionFlags) throws -> ContainerRequest {
        if let platform, !["linux/amd64", "linux/x86_64", "amd64", "x86_64", "linux"].contains(platform.lowercased()) {
            throw BerthError.unsupported("platform \(platform.quoted) is not supported: Berth runs linux/amd64 containers only")
        }
        if let cidfile, FileIO.exists(cidfile) {
            throw BerthError.invalidArgument("the container ID file \(cidfile.quoted) exists: make sure the other container isn't running or delete it")
        }
        var request = try flags.request(image: image, command: command, cgroupParent: cgroupParent, more: more)
        if rm && request.restartPolicy != .no {
            throw BerthError.invalidArgument("conflicting options: --restart and --rm (a container removed on exit cannot be restarted)")
        }
        if let stopTimeout { request.options.stopTimeout = stopTimeout }
        request.name = name
        request.autoRemove = rm
        request.tty = tty
        request.interactive = interactive
        return request
    }
}

extension ContainerOptions {
    /// `--cidfile`: the new container's id, in a file created here (never one that exists).
    func writeCIDFile(_ id: String) throws {
        guard let cidfile else { return }
        let fd = open(cidfile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BerthError.errno("create the container ID file", cidfile) }
        defer { close(fd) }
        let bytes = Array(id.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw BerthError.errno("write the container ID file", cidfile) }
    }
}
