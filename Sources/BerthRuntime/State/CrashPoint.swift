import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A test hook: with `BERTH_TEST_CRASH_AT=<step>` in the environment, the process kills itself with
/// SIGKILL when it reaches the named step, exactly as a `kill -9` at that moment would. The crash
/// tests use it to stop creation and removal between two of their steps deterministically.
/// Steps: `create-claimed-name`, `create-made-directory`, `create-allocated-address`,
/// `create-wrote-files` (all before the container becomes visible), `rm-removed-cgroups` (before
/// the rename), `rm-renamed` (after it, before the delete).
///
/// With `BERTH_TEST_PAUSE_AT=<step>` the process stops itself (SIGSTOP) there instead, so a test
/// can run a second command at exactly that moment and then let the first go on (SIGCONT). Step:
/// `rm-locked` (a removal holding the container's lock, its checks done, nothing removed yet).
enum CrashPoint {
    static let target: String? = ProcessInfo.processInfo.environment["BERTH_TEST_CRASH_AT"]
    static let pause: String? = ProcessInfo.processInfo.environment["BERTH_TEST_PAUSE_AT"]

    static func reach(_ step: String) {
        if let target, target == step { _ = Glibc.kill(getpid(), SIGKILL) }
        if let pause, pause == step { _ = Glibc.kill(getpid(), SIGSTOP) }
    }
}
