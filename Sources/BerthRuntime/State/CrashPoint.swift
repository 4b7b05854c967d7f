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
enum CrashPoint {
    static let target: String? = ProcessInfo.processInfo.environment["BERTH_TEST_CRASH_AT"]

    static func reach(_ step: String) {
        guard let target, target == step else { return }
        _ = Glibc.kill(getpid(), SIGKILL)
    }
}
