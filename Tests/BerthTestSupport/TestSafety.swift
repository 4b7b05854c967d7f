// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What keeps the suite from changing the real host's network: every `berth` a test starts, and
/// every engine it makes in process, runs with outbound access off (`BERTH_OUTBOUND=off`, and
/// `settings.json` of every test root), so no forwarding, NAT or nftables table is ever made on
/// the host. Tests of outbound access run Berth inside a network namespace they create, with
/// `BERTH_OUTBOUND=on` given to that one command (OutboundTests).
public enum TestSafety {
    private static let once: Void = { setenv(OutboundSetting.environmentVariable, "off", 1) }()

    /// Sets `BERTH_OUTBOUND=off` in this process (children inherit it), once; overrides a value
    /// from the developer's shell.
    public static func outboundOff() { once }

    /// The same, written into a test root's `settings.json`: a `berth` started with an
    /// environment of its own (tmux, ssh) still finds it.
    public static func outboundOff(root: String) {
        outboundOff()
        try? OutboundSetting.write(root: root, outbound: false)
    }
}
#endif
