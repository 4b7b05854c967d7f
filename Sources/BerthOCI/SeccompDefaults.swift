/// The system calls a container may not make, as docker's default profile denies them to a
/// container without extra capabilities: kernel modules and keyrings, kexec, reboot, clock and
/// swap changes, mount-API and namespace calls, handle-based opens, perf, bpf and userfaultfd.
/// The shim turns the numbers into a seccomp BPF filter that fails them with EPERM (and refuses
/// any other architecture and the x32 ABI, so the list cannot be bypassed).
public enum SeccompDefaults {
    /// (name, x86_64 number)
    public static let deniedX86_64: [(String, Int)] = [
        ("uselib", 134), ("ustat", 136), ("sysfs", 139), ("pivot_root", 155), ("_sysctl", 156),
        ("acct", 163), ("settimeofday", 164), ("mount", 165), ("umount2", 166), ("swapon", 167),
        ("swapoff", 168), ("reboot", 169), ("iopl", 172), ("ioperm", 173), ("create_module", 174),
        ("init_module", 175), ("delete_module", 176), ("get_kernel_syms", 177), ("query_module", 178),
        ("quotactl", 179), ("nfsservctl", 180), ("lookup_dcookie", 212), ("clock_settime", 227),
        ("kexec_load", 246), ("add_key", 248), ("request_key", 249), ("keyctl", 250), ("unshare", 272),
        ("perf_event_open", 298), ("name_to_handle_at", 303), ("open_by_handle_at", 304),
        ("clock_adjtime", 305), ("setns", 308), ("process_vm_readv", 310), ("process_vm_writev", 311),
        ("kcmp", 312), ("finit_module", 313), ("kexec_file_load", 320), ("bpf", 321), ("userfaultfd", 323),
        ("open_tree", 428), ("move_mount", 429), ("fsopen", 430), ("fsconfig", 431), ("fsmount", 432),
        ("fspick", 433), ("mount_setattr", 442),
    ]

    /// The denied numbers for the machine Berth runs on; empty where no table exists (no filter).
    public static var deniedNumbers: [Int] {
        #if arch(x86_64)
        return deniedX86_64.map(\.1)
        #else
        return []
        #endif
    }
}
