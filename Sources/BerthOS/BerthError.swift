import Foundation

/// Errors a user can act on. `exitCode` follows docker's convention: 125 for Berth's own failures,
/// 126 when the command cannot be executed, 127 when it is not found.
public enum BerthError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidArgument(String)
    case noSuchContainer(String)
    case ambiguousContainer(String)
    case nameInUse(String)
    case noSuchImage(String)
    case imageInUse(String)
    case invalidState(String)
    /// A system call failed: what we were doing, the path or object, and errno.
    case system(operation: String, path: String?, errno: Int32)
    case commandNotFound(String)
    case commandNotExecutable(String)
    case startFailed(String)
    case corruptState(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return m
        case .noSuchContainer(let n): return "no such container: \(Quoted.escapeControls(n))"
        case .ambiguousContainer(let n): return "\(n.quoted) matches more than one container; use more of the id"
        case .nameInUse(let n): return "the container name \(n.quoted) is already in use"
        case .noSuchImage(let n): return "no such image: \(Quoted.escapeControls(n))"
        case .imageInUse(let m): return m
        case .invalidState(let m): return m
        case .system(let op, let path, let e):
            let where_ = path.map { " " + Quoted.escapeControls($0) } ?? ""
            return "\(op)\(where_): \(String(cString: strerror(e)))"
        case .commandNotFound(let c): return "executable file not found in the container: \(Quoted.escapeControls(c))"
        case .commandNotExecutable(let c): return "cannot execute in the container: \(Quoted.escapeControls(c))"
        case .startFailed(let m): return "failed to start the container: \(m)"
        case .corruptState(let m): return "corrupt state: \(m)"
        case .unsupported(let m): return m
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .commandNotExecutable: return 126
        case .commandNotFound: return 127
        default: return 125
        }
    }

    /// Builds a `.system` error from the current errno.
    public static func errno(_ operation: String, _ path: String? = nil, _ code: Int32 = Foundation.errno) -> BerthError {
        .system(operation: operation, path: path, errno: code)
    }
}
