import BerthOCI
import BerthOS
import Foundation

/// What `berth-runc` records of one container in `<root>/<id>/state.json` (written atomically):
/// enough to find its init (pid and start time, so a reused pid is not mistaken for it), its
/// bundle and its cgroups. Written first with no pid, before any cgroup exists, so a `delete` after
/// a killed `create` finds what to remove.
public struct RuncState: Codable, Sendable, Equatable {
    public var id: String
    public var bundle: String
    public var rootfs: String
    public var pid: Int32
    public var pidStartTime: UInt64?
    /// RFC 3339.
    public var created: String
    public var annotations: [String: String]?
    /// The cgroup parent and leaf name given to `Cgroups.manager(parent:)` (from linux.cgroupsPath).
    public var cgroupParent: String
    public var cgroupLeaf: String
    /// The user who created it (runc's `list` column).
    public var owner: String
    /// The limits in force: config.json's, then each `update` merged on top.
    public var resources: OCI.Resources?
    /// config.json's hooks, kept for `start` and `delete` (the bundle may be gone by then).
    public var hooks: OCI.Hooks?

    /// The spec's container status, and `creating` while the pre-start hooks run (no init recorded).
    public enum Status: String, Sendable {
        case creating, created, running, paused, stopped

        init(_ status: OCIStatus) {
            switch status {
            case .created: self = .created
            case .running: self = .running
            case .paused: self = .paused
            case .stopped: self = .stopped
            }
        }
    }
}

/// The state spec's document, as `berth-runc state` prints it.
public struct RuncStateDocument: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    public var status: String
    public var pid: Int32
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var owner: String
    public var annotations: [String: String]?
}

/// The directories of a state root (`--root`, default /run/berth-runc).
public struct RuncPaths: Sendable {
    public let root: String
    public let id: String

    public init(root: String, id: String) { self.root = root; self.id = id }

    public var directory: String { root + "/" + id }
    public var state: String { directory + "/state.json" }
    /// The init blocks opening it for writing until `start` opens it for reading.
    public var fifo: String { directory + "/exec.fifo" }
    public var plan: String { directory + "/plan" }
    /// Records the cgroup directories a non-default parent made (`OwnedDirectories`' ledger).
    public var ledger: String { root + "/cgroup-ledger" }
}
