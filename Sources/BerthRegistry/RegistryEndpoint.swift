import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
    /// nil for plain HTTP.
    var tls: TLSSettings?

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
        var settings = TLSSettings(origin: URLOrigin.of(baseURL) ?? baseURL)
        if let certDir {
            // Checked here, so a broken directory is one line naming it rather than a TLS failure.
            let names = FileIO.entryNames(certDir).sorted()
            for name in names where name.hasSuffix(".crt") {
                let path = certDir + "/" + name
                guard let pem = FileManager.default.contents(atPath: path),
                      String(decoding: pem, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
                    throw RegistryError.usage("\(path): not a PEM certificate")
                }
                settings.extraCAs += Array(pem) + [0x0A]
            }
            if names.contains("client.cert") && names.contains("client.key") {
                for name in ["client.cert", "client.key"] where access(certDir + "/" + name, R_OK) != 0 {
                    throw RegistryError.usage("\(certDir)/\(name): cannot be read")
                }
                settings.clientCertificate = certDir + "/client.cert"
                settings.clientKey = certDir + "/client.key"
            }
        }
        tls = settings
    }
}
