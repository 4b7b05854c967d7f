import BerthOCI
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The flags before the verb, as runc has them, and where messages go: stderr, and with `--log`
/// one line per message in that file (`--log-format json` is what containerd's go-runc reads back
/// for the error of a failed call).
struct Globals: @unchecked Sendable {
    var root = "/run/berth-runc"
    var log: String?
    var json = false
    var debug = false

    /// Parses the global flags; returns the index of the verb.
    static func parse(_ args: [String]) throws(BerthError) -> (Globals, Int) {
        var g = Globals()
        var i = 1
        func value(_ name: String, _ inline: String?) throws(BerthError) -> String {
            if let inline { return inline }
            guard i < args.count else { throw .invalidArgument("flag --\(name) needs a value") }
            i += 1
            return args[i - 1]
        }
        while i < args.count, args[i].hasPrefix("-"), args[i] != "-" {
            var name = String(args[i].drop(while: { $0 == "-" }))
            var inline: String?
            if let eq = name.firstIndex(of: "=") { inline = String(name[name.index(after: eq)...]); name = String(name[..<eq]) }
            i += 1
            switch name {
            case "root": g.root = try value(name, inline)
            case "log": g.log = try value(name, inline)
            case "log-format":
                let f = try value(name, inline)
                guard f == "text" || f == "json" else { throw .invalidArgument("--log-format \(f.quoted): text or json") }
                g.json = f == "json"
            case "debug": g.debug = true
            case "criu": _ = try value(name, inline)
            case "rootless":
                let v = try value(name, inline)
                guard ["auto", "true", "false"].contains(v) else { throw .invalidArgument("--rootless \(v.quoted): auto, true or false") }
                if v == "true" || (v == "auto" && getuid() != 0) {
                    throw .unsupported("rootless mode is not supported by berth-runc yet: run it as root")
                }
            case "systemd-cgroup":
                if inline != "false" {
                    throw .unsupported("--systemd-cgroup is not supported by berth-runc: use the cgroupfs driver (cgroupsPath as a path)")
                }
            case "version", "v": g.printVersion(); exit(0)
            case "help", "h": print(Usage.text); exit(0)
            default: throw .invalidArgument("unknown global flag \(Quoted.quote("-" + name))")
            }
        }
        return (g, i)
    }

    func printVersion() {
        print("berth-runc version \(Engine.version)\ncommit: berth-\(Engine.version)\nspec: \(OCI.Spec.version)")
    }

    func message(_ level: String, _ text: String) {
        if level == "error" || debug { FileHandle.standardError.write(Data("berth-runc: \(text)\n".utf8)) }
        guard let log else { return }
        let time = Timestamp(Date()).rfc3339
        let line: String
        if json {
            let doc = ["level": level, "msg": text, "time": time]
            let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        } else {
            line = "time=\"\(time)\" level=\(level) msg=\(Quoted.quote(text))"
        }
        let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = (line + "\n").withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    func runtime() -> RuncRuntime {
        let g = self
        return RuncRuntime(root: root, notice: { g.message("warning", $0) })
    }
}
