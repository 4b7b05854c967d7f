import ArgumentParser
import BerthRuntime
import Foundation

struct NetworkList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List networks.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false
    @Flag(name: .shortAndLong, help: "Only names.") var quiet = false

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let nets = try engine.networks()
            if quiet { nets.forEach { print($0.name) }; return }
            let rows = nets.map { n -> [String] in
                [n.name, "bridge", n.bridge, n.subnetsText, n.gatewaysText, String(engine.networkMembers(n.name).count)]
            }
            if json {
                try printJSON(zip(nets, rows).map { n, r in
                    ["name": r[0], "driver": r[1], "interface": r[2], "subnet": n.subnet.description, "gateway": n.gateway.description,
                     "containers": r[5], "internal": n.internal == true ? "true" : "false", "ipv6": n.enableIPv6 ? "true" : "false",
                     "subnet6": n.subnet6?.description ?? "", "gateway6": n.gateway6?.description ?? ""]
                })
                return
            }
            let fixed = [["host", "host", "-", "-", "-", "-"], ["none", "null", "-", "-", "-", "-"]]
            print(Table.render(header: ["NAME", "DRIVER", "INTERFACE", "SUBNET", "GATEWAY", "CONTAINERS"], rows: rows + fixed),
                  terminator: "")
        }
    }
}
