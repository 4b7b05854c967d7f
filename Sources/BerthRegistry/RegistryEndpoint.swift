import BerthOS
import BerthRuntime
import Foundation
import NIOSSL

/// Where and how to reach one registry: the scheme, and the TLS settings from `certs.d`.
///
/// As docker and podman: a directory `certs.d/<host:port>/` (in Berth's config directory, then
/// `/etc/docker/certs.d` and `/etc/containers/certs.d`) holds CA certificates (`*.crt`, added to the
/// system's) and a client certificate (`client.cert` + `client.key`). Loopback registries
/// (`localhost`, 127.0.0.0/8, ::1) and those named in `BERTH_INSECURE_REGISTRIES` (comma-separated
/// `host:port`) are spoken to in plain HTTP, unless they have a `certs.d` directory.
struct RegistryEndpoint: Sendable {
    var registry: String
    var apiHost: String
    var useTLS: Bool
    var tls: TLSConfiguration?

    var baseURL: String { (useTLS ? "https://" : "http://") + apiHost }

    init(registry: String, apiHost: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.registry = registry
        self.apiHost = apiHost
        let dirs = [UserConfigDirectory.path(environment: environment) + "/certs.d", "/etc/docker/certs.d", "/etc/containers/certs.d"]
        // The directory is named by the registry as the user writes it; never a path from elsewhere.
        let certDir = registry.contains("/") || registry.hasPrefix(".") ? nil
            : dirs.map { $0 + "/" + registry }.first { FileIO.exists($0) }
        let insecure = (environment["BERTH_INSECURE_REGISTRIES"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.contains(registry)
        useTLS = certDir != nil || !(RegistryReference.isLoopback(registry) || insecure)
        guard useTLS else { tls = nil; return }
        var config = TLSConfiguration.makeClientConfiguration()
        if let certDir {
            let names = FileIO.entryNames(certDir).sorted()
            do {
                for name in names where name.hasSuffix(".crt") {
                    config.additionalTrustRoots.append(.certificates(try NIOSSLCertificate.fromPEMFile(certDir + "/" + name)))
                }
                if names.contains("client.cert") && names.contains("client.key") {
                    config.certificateChain = try NIOSSLCertificate.fromPEMFile(certDir + "/client.cert").map { .certificate($0) }
                    config.privateKey = .privateKey(try NIOSSLPrivateKey(file: certDir + "/client.key", format: .pem))
                }
            } catch {
                throw RegistryError.usage("\(certDir): cannot read its certificates: \(error)")
            }
        }
        tls = config
    }
}
