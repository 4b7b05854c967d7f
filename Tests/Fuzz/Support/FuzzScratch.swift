import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The private directory a fuzz target works in, and the check that an input wrote nothing
/// outside the place it was given. A finding stops the process with `fatalError`, which libFuzzer
/// reports as a crash and saves the input that caused it.
///
/// The directory is made below `TMPDIR` (the test points it at its own scratch directory) and
/// removed at exit; a crash leaves it for inspection.
public final class FuzzScratch: @unchecked Sendable {
    /// `TMPDIR/berth-fuzz-NAME-PID`.
    public let base: String

    public init(_ name: String) {
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        base = (tmp.hasSuffix("/") ? String(tmp.dropLast()) : tmp) + "/berth-fuzz-\(name)-\(getpid())"
        _ = try? FileManager.default.removeItem(atPath: base)
        guard mkdir(base, 0o700) == 0 else { fatalError("cannot create \(base): \(String(cString: strerror(errno)))") }
        let path = base
        FuzzScratch.atExit.append(path)
        atexit { for p in FuzzScratch.atExit { try? FileManager.default.removeItem(atPath: p) } }
    }

    nonisolated(unsafe) private static var atExit: [String] = []

    /// Writes `bytes` to `base/name` and returns the path.
    public func write(_ name: String, _ data: UnsafeRawBufferPointer) -> String {
        let path = base + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var done = 0
        while done < data.count {
            let n = Glibc.write(fd, data.baseAddress! + done, data.count - done)
            guard n > 0 else { fatalError("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        return path
    }

    /// Stops the process when `dir` holds anything but `allowed`: a file written next to the
    /// directory an input was confined to means the confinement failed.
    public func expectOnly(_ allowed: Set<String>, in dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            fatalError("\(dir) is gone: something removed what it was not given")
        }
        let extra = Set(names).subtracting(allowed)
        if !extra.isEmpty { fatalError("written outside the target directory, in \(dir): \(extra.sorted())") }
    }
}

/// The input libFuzzer passes, as a buffer.
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: size == 0 ? nil : data, count: size)
}
