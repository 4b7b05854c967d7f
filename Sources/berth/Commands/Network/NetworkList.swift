import ArgumentParser
import BerthRuntime
import Foundation

struct NetworkList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List networks.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let net = try engine.bridgeNetwork()
            let members = try engine.list(all: true).filter { $0.network == .bridge }.count
            if json {
                try printJSON([["name": net.name, "driver": "bridge", "interface": net.bridge, "subnet": net.subnet.description,
                                "gateway": net.gateway.description, "containers": String(members)]])
                return
            }
            let rows = [[net.name, "bridge", net.bridge, net.subnet.description, net.gateway.description, String(members)],
                        ["host", "host", "-", "-", "-", "-"], ["none", "null", "-", "-", "-", "-"]]
            print(Table.render(header: ["NAME", "DRIVER", "INTERFACE", "SUBNET", "GATEWAY", "CONTAINERS"], rows: rows), terminator: "")
        }
    }
}
