import ArgumentParser
import BerthOS
import Foundation

/// As `withErrors`, with docker's split of exit codes: bad arguments exit 125, what failed at run
/// time (no such container, a container in the wrong state, a system call) exits 1; 126 and 127
/// keep their meaning.
func withRuntimeErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as BerthError {
        printErr("berth: " + Quoted.escapeControls(e.description))
        if case .invalidArgument = e { throw ExitCode(125) }
        throw ExitCode(e.exitCode == 125 ? 1 : e.exitCode)
    }
}
