#include "CBerthSys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

int berth_spawn_with_report_fd(pid_t *pid, const char *path, char *const argv[], char *const envp[], int report_fd, int at)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    /* dup2 onto itself would keep close-on-exec set: move the descriptor off `at` first. */
    int fd = report_fd == at ? fcntl(report_fd, F_DUPFD_CLOEXEC, at + 1) : report_fd;
    int rc = fd < 0 ? errno : posix_spawn_file_actions_adddup2(&fa, fd, at);
    if (rc == 0)
        rc = posix_spawn(pid, path, &fa, &attr, argv, envp);
    if (fd != report_fd && fd >= 0)
        close(fd);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc;
}

int berth_spawn_daemon(const char *path, char *const argv[], char *const envp[], int out_fd)
{
    sigset_t all, old;
    sigfillset(&all);
    /* No handler of ours may run in the children (their state is the parent's). */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t middle = fork();
    if (middle < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return e;
    }
    if (middle == 0) {
        if (setsid() < 0)
            _exit(126);
        pid_t daemon = fork();
        if (daemon < 0)
            _exit(126);
        if (daemon > 0)
            _exit(0);
        int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        /* Not the caller's directory: a daemon must not keep a mount or a scratch dir busy. */
        if (chdir("/") < 0 || null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
            _exit(126);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++)
            sigaction(sig, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        _exit(127);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int status = 0;
    while (waitpid(middle, &status, 0) < 0) {
        if (errno != EINTR)
            return errno;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

int berth_open_in_root(int root_fd, const char *path, int flags)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    do {
        fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    return fd;
}

int berth_is_mount_root(int dirfd, const char *name)
{
    struct statx stx;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &stx) != 0)
        return -1;
    if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return -2;
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}

int berth_o_path(void)
{
    return O_PATH;
}

int berth_pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int berth_pidfd_send_signal(int pidfd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

uint64_t berth_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int berth_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int berth_getrandom(void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom((char *)buf + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

int berth_netlink_socket(void) { return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); }

ssize_t berth_netlink_send(int fd, const void *buf, size_t len)
{
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    return sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa);
}

static int netns_ifreq(int s, unsigned long req, const char *ifname, uint32_t addr)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = addr;
    return ioctl(s, req, &ifr);
}

/* Moves this thread into the network namespace `ns_fd`; returns a descriptor of the one it
 * left (for leave_netns), or -1 with errno set and the thread where it was. */
static int enter_netns(int ns_fd)
{
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return -1;
    if (setns(ns_fd, CLONE_NEWNET) < 0) {
        int e = errno;
        close(self);
        errno = e;
        return -1;
    }
    return self;
}

/* Back to the namespace enter_netns left, keeping errno; a thread that cannot return aborts. */
static void leave_netns(int self)
{
    int e = errno;
    if (setns(self, CLONE_NEWNET) < 0)
        abort();
    close(self);
    errno = e;
}

int berth_netns_configure(int ns_fd, const char *ifname, uint32_t addr, int prefix)
{
    int self = enter_netns(ns_fd);
    if (self < 0)
        return -1;
    int rc = -1;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s >= 0) {
        uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
        rc = netns_ifreq(s, SIOCSIFADDR, ifname, addr);
        if (rc == 0)
            rc = netns_ifreq(s, SIOCSIFNETMASK, ifname, mask);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
        if (rc == 0)
            rc = ioctl(s, SIOCGIFFLAGS, &ifr);
        if (rc == 0) {
            ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
            rc = ioctl(s, SIOCSIFFLAGS, &ifr);
        }
    }
    if (s >= 0) {
        int e = errno;
        close(s);
        errno = e;
    }
    leave_netns(self);
    return rc;
}

/* The kernel's struct in6_ifreq (linux/ipv6.h, which clashes with netinet/in.h). */
struct berth_in6_ifreq {
    struct in6_addr addr;
    uint32_t prefixlen;
    int ifindex;
};

int berth_netns_configure6(int ns_fd, const char *ifname, const uint8_t *addr, int prefix)
{
    int self = enter_netns(ns_fd);
    if (self < 0)
        return -1;
    int rc = -1;
    /* Without duplicate address detection, as the supervisor's netlink request (IFA_F_NODAD):
     * /proc/sys/net resolves in the namespace of the thread that opens it, this one's now. */
    char path[96];
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_dad", ifname);
    int dad = open(path, O_WRONLY | O_CLOEXEC);
    if (dad >= 0) {
        /* A failed write leaves DAD on: the address comes a second later, still usable. */
        ssize_t written = write(dad, "0", 1);
        (void)written;
        close(dad);
    }
    int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s >= 0) {
        struct berth_in6_ifreq r;
        memset(&r, 0, sizeof r);
        memcpy(&r.addr, addr, 16);
        r.prefixlen = (uint32_t)prefix;
        r.ifindex = (int)if_nametoindex(ifname);
        rc = r.ifindex ? ioctl(s, SIOCSIFADDR, &r) : -1;
    }
    if (s >= 0) {
        int e = errno;
        close(s);
        errno = e;
    }
    leave_netns(self);
    return rc;
}

int berth_set_child_subreaper(int on) { return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0); }

int berth_detached_overlay(char *const *lowers, int count, const char *upperdir, const char *workdir)
{
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int mnt = -1, ok = 1;
    /* The lower layers first: overlay checks upper and work against them. */
    for (int i = 0; i < count && ok; i++)
        ok = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) == 0;
    if (!ok && count > 0 && errno == EINVAL) {
        /* A kernel before lowerdir+: one colon-separated list (at most 256 bytes in all). */
        char joined[256];
        size_t used = 0;
        ok = 1;
        for (int i = 0; i < count && ok; i++) {
            size_t n = strlen(lowers[i]);
            if (used + n + 2 > sizeof joined) { errno = ENAMETOOLONG; ok = 0; break; }
            if (i > 0) joined[used++] = ':';
            memcpy(joined + used, lowers[i], n);
            used += n;
        }
        joined[used] = 0;
        if (ok)
            ok = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", joined, 0) == 0;
    }
    if (ok && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upperdir, 0) == 0
        && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", workdir, 0) == 0
        && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
    int saved = errno;
    close(fs);
    errno = saved;
    return mnt;
}

#include <linux/bpf.h>
#include <sys/syscall.h>

int berth_bpf_load_cgroup_device(const void *insns, uint32_t count, char *log, uint32_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = count;
    attr.license = (uint64_t)(uintptr_t)"Apache";
    if (log && log_size) {
        log[0] = 0;
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = log_size;
        attr.log_level = 1;
    }
    return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

int berth_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    /* Beside, not instead of, the programs of the cgroups above (a host's own device policy). */
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    return (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr);
}

const void *berth_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len) {
    return memmem(hay, hay_len, needle, needle_len);
}

const void *berth_memrchr(const void *s, int c, size_t n) {
    return memrchr(s, c, n);
}
