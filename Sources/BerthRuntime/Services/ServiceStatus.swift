import BerthOS
import Foundation

/// One replica as `service ls --json` shows it.
public struct ReplicaStatus: Codable, Sendable, Equatable {
    public var index: Int
    public var name: String
    public var id: String
    public var status: ContainerStatus
    public var restartCount: Int
}

/// A service with what actually runs: the `DESIRED`/`RUNNING` columns of `berth service ls`.
public struct ServiceStatus: Codable, Sendable, Equatable {
    public var name: String
    public var image: String
    public var project: String?
    public var desired: Int
    /// Replicas whose process runs now (not those waiting in a restart backoff).
    public var running: Int
    public var ports: [String]
    public var replicas: [ReplicaStatus]
    public var spec: ServiceSpec
    /// The policy and its controller, when the service is autoscaled.
    public var autoscaler: AutoscalerStatus?
}

/// What a change to a service did, replica by replica.
public struct ScaleResult: Sendable, Equatable {
    public var service: String
    /// Replicas that existed before (any state) and the desired count after.
    public var from: Int
    public var to: Int
    public var created: [String] = []
    /// Existing replicas that were stopped and are started again.
    public var started: [String] = []
    public var removed: [String] = []

    public var changed: Bool { !created.isEmpty || !started.isEmpty || !removed.isEmpty }
}

/// A replica failed while a service changed; the rest of the change was done.
public struct ServiceError: Error, CustomStringConvertible, Sendable {
    public var replica: String
    public var underlying: any Error
    /// What was done before the failure, when the failure came from a scale.
    public var result: ScaleResult?

    public var description: String { "\(replica): \(underlying)" }

    /// docker's exit codes, from the underlying error when it is Berth's.
    public var exitCode: Int32 { (underlying as? BerthError)?.exitCode ?? 125 }

    /// As a `BerthError`, for callers that print one line and exit.
    public var berthError: BerthError {
        if let e = underlying as? BerthError {
            switch e {
            case .commandNotFound, .commandNotExecutable: return e
            default: break
            }
        }
        return .invalidState(description)
    }
}
