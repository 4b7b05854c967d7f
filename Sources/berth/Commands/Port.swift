import ArgumentParser
import BerthOS
import BerthRuntime

struct Port: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "port", abstract: "List a container's published ports, or the host address of one.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container name or id.") var container: String
    @Argument(help: ArgumentHelp("A container port (tcp unless /udp).", valueName: "PRIVATE_PORT[/PROTO]")) var port: String?

    func run() throws {
        try withRuntimeErrors {
            var wanted: (port: UInt16, proto: PortMapping.Proto)?
            if let port {
                let parts = port.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                guard let n = UInt16(parts[0]), n > 0 else { throw BerthError.invalidArgument("invalid port \(port.quoted)") }
                let name = parts.count > 1 ? String(parts[1]) : "tcp"
                guard let proto = PortMapping.Proto(rawValue: name) else { throw BerthError.invalidArgument("invalid protocol \(name.quoted): tcp or udp") }
                wanted = (n, proto)
            }
            let engine = try global.engine()
            let info = try engine.inspect(container)
            let ports = info.ports.sorted { ($0.containerPort, $0.proto, $0.hostPort) < ($1.containerPort, $1.proto, $1.hostPort) }
            if let wanted {
                let matches = ports.filter { $0.containerPort == wanted.port && $0.proto == wanted.proto }
                guard !matches.isEmpty else {
                    throw BerthError.invalidState("no public port '\(wanted.port)/\(wanted.proto.rawValue)' published for \(info.name)")
                }
                for m in matches { print("\(m.hostIP):\(m.hostPort)") }
            } else {
                for m in ports { print("\(m.containerSide) -> \(m.hostIP):\(m.hostPort)") }
            }
        }
    }
}
