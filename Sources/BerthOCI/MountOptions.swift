/// Turns OCI mount option strings into `mount(2)` flags and the filesystem's data string.
///
/// The constants are written out because Glibc does not export the `MS_*` enum to Swift.
public enum MountOptions {
    public static let readOnly: UInt = 1
    public static let noSuid: UInt = 2
    public static let noDev: UInt = 4
    public static let noExec: UInt = 8
    public static let synchronous: UInt = 16
    public static let remount: UInt = 32
    public static let mandatoryLock: UInt = 64
    public static let dirSync: UInt = 128
    public static let noSymFollow: UInt = 256
    public static let noAtime: UInt = 1024
    public static let noDirAtime: UInt = 2048
    public static let bind: UInt = 4096
    public static let recursive: UInt = 16384
    public static let silent: UInt = 32768
    public static let unbindable: UInt = 1 << 17
    public static let `private`: UInt = 1 << 18
    public static let slave: UInt = 1 << 19
    public static let shared: UInt = 1 << 20
    public static let relatime: UInt = 1 << 21
    public static let iVersion: UInt = 1 << 23
    public static let strictAtime: UInt = 1 << 24
    public static let lazyTime: UInt = 1 << 25

    /// The kernel ignores every other flag when one of these is set (it only changes propagation), so a
    /// caller mounting "bind,rprivate" must make two calls: `flags & ~propagation`, then the propagation.
    public static let propagation: UInt = unbindable | `private` | slave | shared

    /// Options are applied left to right, so a later "rw" undoes an earlier "ro", as mount(8) does.
    /// Anything not a flag ("mode=755", "size=65536k", "newinstance") goes to `data`, comma-joined.
    public static func parse(_ options: [String]) -> (flags: UInt, data: String) {
        var flags: UInt = 0
        var data: [String] = []
        for option in options {
            if let effect = effects[option] {
                flags = effect.clears ? flags & ~effect.flag : flags | effect.flag
            } else if !option.isEmpty {
                data.append(option)
            }
        }
        return (flags, data.joined(separator: ","))
    }

    /// Every option name `parse` turns into a flag (the `features` document's mountOptions).
    public static var flagNames: [String] { effects.keys.sorted() }

    private struct Effect {
        var flag: UInt
        var clears: Bool
    }

    private static func set(_ flag: UInt) -> Effect { Effect(flag: flag, clears: false) }
    private static func clear(_ flag: UInt) -> Effect { Effect(flag: flag, clears: true) }

    /// The names runc and mount(8) accept.
    private static let effects: [String: Effect] = [
        "defaults": set(0),
        "ro": set(readOnly), "rw": clear(readOnly),
        "nosuid": set(noSuid), "suid": clear(noSuid),
        "nodev": set(noDev), "dev": clear(noDev),
        "noexec": set(noExec), "exec": clear(noExec),
        "sync": set(synchronous), "async": clear(synchronous),
        "remount": set(remount),
        "mand": set(mandatoryLock), "nomand": clear(mandatoryLock),
        "dirsync": set(dirSync),
        "nosymfollow": set(noSymFollow), "symfollow": clear(noSymFollow),
        "noatime": set(noAtime), "atime": clear(noAtime),
        "nodiratime": set(noDirAtime), "diratime": clear(noDirAtime),
        "bind": set(bind), "rbind": set(bind | recursive),
        "silent": set(silent), "loud": clear(silent),
        "relatime": set(relatime), "norelatime": clear(relatime),
        "strictatime": set(strictAtime), "nostrictatime": clear(strictAtime),
        "iversion": set(iVersion), "noiversion": clear(iVersion),
        "lazytime": set(lazyTime), "nolazytime": clear(lazyTime),
        "private": set(`private`), "rprivate": set(`private` | recursive),
        "slave": set(slave), "rslave": set(slave | recursive),
        "shared": set(shared), "rshared": set(shared | recursive),
        "unbindable": set(unbindable), "runbindable": set(unbindable | recursive),
    ]
}
