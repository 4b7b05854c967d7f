import BerthOS
import Foundation

/// One container of a runc-style state root that another engine drives (containerd's
/// `/run/containerd/runc/<namespace>`, podman's `/run/runc` or `/run/crun`, or a `berth-runc
/// --root`), as `berth top --runc-root` shows it: read from its state file, never written. Three
/// formats are understood: runc's `<id>/state.json` (libcontainer: `init_process_pid`,
/// `init_process_start`, `config.labels` as `key=value`), berth-runc's own `<id>/state.json`
/// (`RuncState`), and crun's `<id>/status` (`pid`, `process-start-time`, `bundle`, `created`) with
/// the spec's annotations in the `<id>/config.json` crun keeps beside it.
public struct RuntimeRootContainer: Sendable, Equatable {
    public enum Format: String, Sendable {
        case runc
        case berthRunc = "berth-runc"
        case crun
    }

    /// The spec's statuses, decided as runc decides them (`status`).
    public typealias Status = OCIStatus

    public var id: String
    public var root: String
    public var format: Format
    /// The init's host pid (0 before it exists) and its start time in clock ticks (field 22 of
    /// /proc/PID/stat), so a reused pid is never taken for the container.
    public var pid: Int32
    public var pidStartTime: UInt64?
    public var created: Date?
    public var bundle: String
    public var annotations: [String: String]

    /// The container from its state file's bytes; nil when they are neither format.
    public static func parse(state bytes: [UInt8], id: String, root: String) -> RuntimeRootContainer? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        let created = (object["created"] as? String).flatMap { Timestamp(rfc3339: $0)?.date }
        if let pid = object["init_process_pid"] as? Int {
            // runc keeps the spec's annotations, and the bundle, as config.labels "key=value".
            var labels: [String: String] = [:]
            for entry in ((object["config"] as? [String: Any])?["labels"] as? [String]) ?? [] {
                guard let eq = entry.firstIndex(of: "=") else { continue }
                labels[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
            }
            let bundle = labels.removeValue(forKey: "bundle") ?? ""
            return RuntimeRootContainer(id: id, root: root, format: .runc, pid: Int32(clamping: pid),
                                        pidStartTime: (object["init_process_start"] as? NSNumber)?.uint64Value,
                                        created: created, bundle: bundle, annotations: labels)
        }
        if object["cgroupParent"] != nil, let s = try? JSONDecoder().decode(RuncState.self, from: Data(bytes)) {
            return RuntimeRootContainer(id: id, root: root, format: .berthRunc, pid: s.pid, pidStartTime: s.pidStartTime,
                                        created: created, bundle: s.bundle, annotations: s.annotations ?? [:])
        }
        return nil
    }

    /// The container from crun's `status` file and, for its annotations, the `config.json` crun
    /// copied beside it (nil or unreadable: none); nil when `status` is not crun's.
    public static func parse(crunStatus bytes: [UInt8], config: [UInt8]?, id: String, root: String) -> RuntimeRootContainer? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let pid = object["pid"] as? Int, let bundle = object["bundle"] as? String, object["cgroup-path"] is String else { return nil }
        var annotations: [String: String] = [:]
        if let config, let spec = try? JSONSerialization.jsonObject(with: Data(config)) as? [String: Any] {
            for case let (key, value as String) in (spec["annotations"] as? [String: Any]) ?? [:] { annotations[key] = value }
        }
        return RuntimeRootContainer(id: id, root: root, format: .crun, pid: Int32(clamping: pid),
                                    pidStartTime: (object["process-start-time"] as? NSNumber)?.uint64Value,
                                    created: (object["created"] as? String).flatMap { Timestamp(rfc3339: $0)?.date },
                                    bundle: bundle, annotations: annotations)
    }

    /// As runc decides it (RuncStatusRule), the init's cgroups read from its /proc/PID/cgroup.
    public func status(cgroups: ProcessCgroups?) -> Status {
        RuncStatusRule.status(init: .of(pid: pid, startTime: pidStartTime),
                              waitingForStart: FileIO.exists(root + "/" + id + "/exec.fifo"),
                              frozen: { cgroups?.isFrozen == true })
    }

    /// The name a person knows it by: the CRI's container name when containerd ran it for
    /// Kubernetes, otherwise its id.
    public var displayName: String { annotations["io.kubernetes.cri.container-name"] ?? id }
    /// The image it was made from where the engine recorded it (the CRI does); otherwise the
    /// runtime and root it belongs to, so the row says it is not Berth's.
    public var image: String { annotations["io.kubernetes.cri.image-name"] ?? "\(format.rawValue) \(root)" }
}
