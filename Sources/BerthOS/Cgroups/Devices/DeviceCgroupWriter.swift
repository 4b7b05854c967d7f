import CBerthSys
import Glibc

/// Puts a rule list (`DeviceRules.effective`) in force on a container's new cgroup, before its
/// init joins it: v1 through the devices controller's files, v2 through a device program.
enum DeviceCgroupWriter {
    /// v1: "a" into devices.deny (nothing allowed), then each rule into devices.allow or
    /// devices.deny in order, which is how the kernel's own list is built.
    static func applyV1(_ rules: [DeviceRule], dir: String) throws {
        try KernelFile.write("a", to: dir + "/devices.deny")
        for rule in rules.dropFirst(rules.first == DeviceRules.denyAll ? 1 : 0) {
            try KernelFile.write(rule.description, to: dir + (rule.allow ? "/devices.allow" : "/devices.deny"))
        }
    }

    /// v2: the rules compiled (`DeviceFilterProgram`), loaded and attached to `dir`. The program
    /// stays attached after its descriptor is closed, until the cgroup is removed.
    static func applyV2(_ rules: [DeviceRule], dir: String) throws {
        let program = DeviceFilterProgram.compile(rules)
        // Loaded without the verifier's log: with one, a long program (`--privileged`'s, with
        // every host device) fills the buffer and the load fails with ENOSPC although the
        // program is fine. The log is asked for only to explain a refusal.
        func load(_ log: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
            program.withUnsafeBytes { berth_bpf_load_cgroup_device($0.baseAddress, UInt32($0.count / 8), log, UInt32(size)) }
        }
        var prog = load(nil, 0)
        if prog < 0 {
            let e = errno
            var log = [CChar](repeating: 0, count: 1 << 20)
            prog = log.withUnsafeMutableBufferPointer { load($0.baseAddress, $0.count) }
            guard prog >= 0 else {
                let why = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    .split(separator: "\n").last.map { " (verifier: \($0))" } ?? ""
                throw BerthError.invalidArgument("bpf(BPF_PROG_LOAD) of the device program for \(dir): \(String(cString: strerror(e)))\(why)")
            }
        }
        defer { close(prog) }
        let cgroup = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard cgroup >= 0 else { throw BerthError.errno("open", dir) }
        defer { close(cgroup) }
        guard berth_bpf_attach_cgroup_device(cgroup, prog) == 0 else {
            throw BerthError.errno("bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE)", dir)
        }
    }
}
