import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The root's bridge network on disk and on the host: its definition (`networks/bridge.json`),
/// the address leases (`networks/bridge.leases`, under `bridge.lock`) and the bridge interface.
struct BridgeNetworkStore: Sendable {
    let root: String
    var directory: String { root + "/networks" }
    var lock: String { directory + "/bridge.lock" }
    var leasesPath: String { directory + "/bridge.leases" }
    private var definitionPath: String { directory + "/bridge.json" }

    /// The network, defined on first use.
    func network() throws -> BridgeNetwork {
        if let n = readDefinition() { return n }
        try FileIO.mkdirs(directory, mode: 0o700)
        return try FileLock.with(lock) {
            if let n = readDefinition() { return n }
            let n = try BridgeNetwork.defaults(root: root, subnetOverride: ProcessInfo.processInfo.environment["BERTH_BRIDGE_SUBNET"])
            try FileIO.writeAtomically(definitionPath, bytes: Array(try JSONEncoder().encode(n)))
            return n
        }
    }

    private func readDefinition() -> BridgeNetwork? {
        FileIO.read(definitionPath).flatMap { try? JSONDecoder().decode(BridgeNetwork.self, from: Data($0)) }
    }

    // MARK: - Leases

    func allocateAddress(for id: String) throws -> IPv4Address {
        let net = try network()
        return try FileLock.with(lock) {
            var leases = readLeases()
            let ip = try leases.allocate(for: id, in: net.subnet)
            try FileIO.writeAtomically(leasesPath, string: leases.text)
            return ip
        }
    }

    /// Addresses of the subnet not leased yet (the gateway and broadcast never are).
    func freeAddresses() throws -> Int {
        let net = try network()
        let usable = Int(net.subnet.broadcast.value) - Int(net.gateway.value) - 1
        let leased = Set(readLeases().entries.map(\.0).filter { net.subnet.contains($0) && $0 != net.gateway && $0 != net.subnet.broadcast })
        return max(0, usable - leased.count)
    }

    /// Best effort: the lease file is rewritten only after a container's files are gone, and a
    /// leftover lease is dropped by the next reconcile.
    func releaseAddresses(of ids: [String]) {
        try? FileLock.with(lock) {
            var leases = readLeases()
            for id in ids { leases.release(id) }
            try FileIO.writeAtomically(leasesPath, string: leases.text)
        }
    }

    /// Ids holding a lease that are not in `ids`.
    func staleLeases(keeping ids: Set<String>) -> [String] {
        guard let text = FileIO.readString(leasesPath) else { return [] }
        return Array(Set(Leases.parse(text).entries.map(\.1).filter { !ids.contains($0) })).sorted()
    }

    private func readLeases() -> Leases { Leases.parse(FileIO.readString(leasesPath) ?? "") }

    // MARK: - The interface

    /// Creates the bridge, its gateway address and brings it up, unless it exists already.
    /// Only Berth's own interface changes; no route, firewall or forwarding setting is touched
    /// (the kernel adds the subnet's connected route for the bridge's address by itself).
    func ensureBridge(_ net: BridgeNetwork) throws {
        if Netlink.exists(net.bridge) { return }
        var nl = try Netlink()
        defer { nl.close() }
        try nl.createBridge(net.bridge)
        do {
            try nl.addAddress(net.bridge, address: net.gateway, prefix: net.subnet.prefix)
            try nl.setUp(net.bridge)
        } catch {
            try? nl.deleteLink(net.bridge)
            throw error
        }
    }

    func interfaceExists() -> Bool {
        (try? network()).map { Netlink.exists($0.bridge) } ?? false
    }

    /// Deletes the interface and the network's files (the caller checked no container uses it).
    func remove() throws {
        let net = try network()
        var nl = try Netlink()
        defer { nl.close() }
        try nl.deleteLink(net.bridge)
        unlink(definitionPath)
        unlink(leasesPath)
    }
}
