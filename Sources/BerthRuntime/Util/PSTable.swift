import BerthOS
import Foundation

/// `berth top CONTAINER`: the host's `ps` output cut down to a container's processes, as docker
/// does it: the header names the PID column, and only rows whose PID is the container's are kept.
public enum PSTable {
    /// `output` of `ps OPTIONS`; rows of `pids` only. Fails when the options leave out the PID column.
    public static func filter(_ output: String, pids: Set<Int32>) throws(BerthError) -> String {
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let header = lines.first else { return "" }
        let columns = header.split(separator: " ", omittingEmptySubsequences: true)
        guard let pidColumn = columns.firstIndex(of: "PID") else {
            throw .invalidArgument("the ps options must show the PID column (ps -o pid,…)")
        }
        var out = [header]
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard pidColumn < fields.count, let pid = Int32(fields[pidColumn]), pids.contains(pid) else { continue }
            out.append(line)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Runs the host's `ps OPTIONS` (`-ef` when none) and keeps the rows of `pids`.
    public static func run(options: [String], pids: Set<Int32>) throws -> String {
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/usr/bin/ps")
        if !FileManager.default.isExecutableFile(atPath: ps.executableURL!.path) { ps.executableURL = URL(fileURLWithPath: "/bin/ps") }
        ps.arguments = options.isEmpty ? ["-ef"] : options
        let out = Pipe(), err = Pipe()
        ps.standardOutput = out
        ps.standardError = err
        do { try ps.run() } catch {
            throw BerthError.unsupported("this needs the host's ps (procps): \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        ps.waitUntilExit()
        guard ps.terminationStatus == 0 else {
            let first = String(decoding: errors, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "failed"
            throw BerthError.invalidArgument("ps \(ps.arguments!.joined(separator: " ")): \(first)")
        }
        return try filter(String(decoding: data, as: UTF8.self), pids: pids)
    }
}
